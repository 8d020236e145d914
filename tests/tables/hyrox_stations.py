"""public.hyrox_stations: what the suite expects of it beyond the contract.

The fields are described in tests/tables/declaration.py.
"""

from __future__ import annotations

from factories import base
from factories.base import Row, connection
from factories.reference import (
    HyroxStationFactory,
    stations,
)
from tests.support.access_matrix import Command, Policy
from tests.tables.declaration import (
    Access,
    Check,
    Connection,
    Duplicate,
    Ownership,
    TableDeclaration,
    Triggers,
)


def _station_number_dup(conn: Connection) -> Duplicate:
    values = HyroxStationFactory.build(station_number=1, station_name="Second SkiErg")
    return lambda: base.insert_row(conn, "public.hyrox_stations", dict(values))


def _station_name_dup(conn: Connection) -> Duplicate:
    conn.execute("delete from exercise_library where hyrox_station_id is not null")
    conn.execute("delete from hyrox_stations where station_number = 8")
    values = HyroxStationFactory.build(station_number=8, station_name="SkiErg")
    return lambda: base.insert_row(conn, "public.hyrox_stations", dict(values))


def _unused_station(_: Row) -> Row:
    """A seeded station (only 8 exist) freed of the seeded exercises that use it.

    Reference rows in use cannot be deleted (on delete restrict); the matrix
    needs one the service role can delete.
    """
    station = stations()[-1]
    connection().execute(
        "delete from public.exercise_library where hyrox_station_id = %s", (station["id"],)
    )
    return station


TABLE = TableDeclaration(
    name="hyrox_stations",
    ownership=Ownership.REFERENCE,
    access=Access(
        pattern="reference",
        policies=(
            Policy("everyone can read hyrox stations", Command.SELECT, ("anon", "authenticated")),
        ),
        update=("description", "Corrected by the service"),
    ),
    make_row=_unused_station,
    checks={
        "hyrox_stations_station_number_check": Check(
            ({"station_number": 1}, {"station_number": 8}),
            ({"station_number": 0}, {"station_number": 9}),
            fresh_stations=True,
        ),
        "hyrox_stations_exercise_type_check": Check(
            tuple(
                {"station_number": 1, "exercise_type": t}
                for t in ("erg", "sled", "bodyweight", "carry", "lunge", "throw")
            ),
            (
                {"station_number": 1, "exercise_type": "run"},
                {"station_number": 1, "exercise_type": "Erg"},
            ),
            fresh_stations=True,
        ),
        "hyrox_stations_station_name_check": Check(
            ({"station_number": 1, "station_name": "S"},),
            (
                {"station_number": 1, "station_name": ""},
                {"station_number": 1, "station_name": "  "},
            ),
            fresh_stations=True,
        ),
        "hyrox_stations_distance_or_reps_check": Check(
            ({"station_number": 1, "distance_or_reps": "1"},),
            (
                {"station_number": 1, "distance_or_reps": ""},
                {"station_number": 1, "distance_or_reps": "  "},
            ),
            fresh_stations=True,
        ),
        "hyrox_stations_weights_check": Check(
            (
                {
                    "station_number": 2,
                    "weight_open_men_kg": 0,
                    "weight_open_women_kg": 0,
                    "weight_pro_men_kg": 0,
                    "weight_pro_women_kg": 0,
                },
                {"station_number": 1, "weight_open_men_kg": None, "weight_pro_women_kg": None},
            ),
            tuple(
                {"station_number": 2, column: -0.1}
                for column in (
                    "weight_open_men_kg",
                    "weight_open_women_kg",
                    "weight_pro_men_kg",
                    "weight_pro_women_kg",
                )
            ),
            fresh_stations=True,
        ),
        "hyrox_stations_tips_check": Check(
            ({"station_number": 1, "tips": []}, {"station_number": 1, "tips": ["a", "b"]}),
            ({"station_number": 1, "tips": {}}, {"station_number": 1, "tips": "tip"}),
            fresh_stations=True,
        ),
    },
    defaults={
        "tips": [],
    },
    uniques={
        "hyrox_stations_station_number_key": _station_number_dup,
        "hyrox_stations_station_name_key": _station_name_dup,
    },
    fk_target_keys=("hyrox_stations_id_station_number_key",),
    triggers=Triggers(owner_immutable=False),
)
