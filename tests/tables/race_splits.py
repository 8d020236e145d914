"""public.race_splits: what the suite expects of it beyond the contract.

The fields are described in tests/tables/declaration.py.
"""

from __future__ import annotations

from factories.base import Row
from factories.races import RaceResultFactory, RaceSplitFactory
from tests.support.access_matrix import Command, Policy
from tests.support.index_requests import STATION, Request, fk_check
from tests.tables.checks import (
    enum,
    station_id,
)
from tests.tables.declaration import (
    Access,
    Check,
    Connection,
    Duplicate,
    ForeignKey,
    Link,
    Ownership,
    ParentChild,
    TableDeclaration,
)
from tests.tables.stories import station_child


def _story_split() -> ParentChild:
    split = RaceSplitFactory()
    return ParentChild("public.race_results", split.race_result_id, "race_splits", split.id)


def _split_dup(_: Connection) -> Duplicate:
    race = RaceResultFactory()
    RaceSplitFactory(race=race, split_number=1)
    RaceSplitFactory(split_number=1)  # another race may have its own split 1
    return lambda: RaceSplitFactory(race=race, split_number=1)


def _split(athlete: Row) -> Row:
    return RaceSplitFactory(race=RaceResultFactory(athlete=athlete), split_number=1)


TABLE = TableDeclaration(
    name="race_splits",
    ownership=Ownership.ATHLETE,
    access=Access(
        pattern="athlete_crud",
        policies=(
            Policy("athletes can read splits of their own races", Command.SELECT),
            Policy("athletes can add splits to their own races", Command.INSERT),
            Policy("athletes can update splits of their own races", Command.UPDATE),
            Policy("athletes can delete splits of their own races", Command.DELETE),
        ),
        update=("notes", "Edited"),
    ),
    make_row=_split,
    checks={
        "race_splits_split_number_check": Check(
            ({"split_number": 1}, {"split_number": 16}),
            (
                {"split_number": 0, "split_type": "station", "station_id": station_id},
                {"split_number": 17, "split_type": "run", "station_id": None},
            ),
        ),
        "race_splits_split_type_check": Check(
            (
                {"split_number": 1, "split_type": "run"},
                {"split_number": 2, "split_type": "station"},
            ),
            (
                {"split_number": 2, "split_type": "roxzone", "station_id": None},
                {"split_number": 2, "split_type": "Run", "station_id": None},
            ),
        ),
        "race_splits_sequence_check": Check(
            ({"split_number": 15}, {"split_number": 14}),
            (
                {"split_number": 2, "split_type": "run", "station_id": None},
                {"split_number": 1, "split_type": "station", "station_id": station_id},
            ),
        ),
        "race_splits_station_id_check": Check(
            ({"split_number": 1, "station_id": None}, {"split_number": 2}),
            (
                {"split_number": 1, "split_type": "run", "station_id": station_id},
                {"split_number": 2, "split_type": "station", "station_id": None},
            ),
        ),
        "race_splits_time_seconds_check": enum("time_seconds", (1, 21599, None), (0, -1, 21600)),
        "race_splits_transition_time_seconds_check": enum(
            "transition_time_seconds", (0, 21599, None), (-1, 21600)
        ),
        "race_splits_heart_rate_avg_check": enum("heart_rate_avg", (30, 250, None), (29, 251)),
    },
    foreign_keys={
        "race_splits_race_result_id_fkey": ForeignKey("cascade", _story_split),
        "race_splits_station_id_fkey": ForeignKey(
            "restrict",
            station_child(
                "race_splits", lambda s: RaceSplitFactory(split_number=4, station_id=s.id)
            ),
        ),
    },
    links=(Link("race_splits_race_result_id_fkey", "race_result_id", "race_results"),),
    uniques={
        "race_splits_split_number_key": _split_dup,
    },
    index_requests={
        "race_splits_athlete_id_station_id_idx": Request(
            "select time_seconds from public.race_splits where athlete_id = %(athlete_id)s"
            " and station_id = %(station_id)s",
            "one station's splits across the athlete's races (station progression)",
        ),
        "race_splits_station_id_idx": Request(
            fk_check("race_splits", "station_id", STATION),
            "deleting a station checks the splits raced on it",
        ),
    },
    factory_parents=lambda athlete: {"race": RaceResultFactory(athlete=athlete)},
)
