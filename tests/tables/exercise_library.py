"""public.exercise_library: what the suite expects of it beyond the contract.

The fields are described in tests/tables/declaration.py.
"""

from __future__ import annotations

from factories.reference import (
    ExerciseFactory,
)
from tests.support.access_matrix import Command, Policy
from tests.support.index_requests import STATION, Request, fk_check
from tests.tables.checks import (
    enum,
    https,
    not_blank,
    station_id,
)
from tests.tables.declaration import (
    Access,
    Check,
    ForeignKey,
    Ownership,
    TableDeclaration,
    Triggers,
)
from tests.tables.stories import station_child

TABLE = TableDeclaration(
    name="exercise_library",
    ownership=Ownership.REFERENCE,
    access=Access(
        pattern="reference",
        policies=(
            Policy(
                "everyone can read the exercise library", Command.SELECT, ("anon", "authenticated")
            ),
        ),
        update=("description", "Corrected by the service"),
    ),
    make_row=lambda _: ExerciseFactory(),
    checks={
        "exercise_library_name_check": not_blank("name"),
        "exercise_library_category_check": Check(
            (
                *(
                    {"category": c}
                    for c in ("run", "strength", "conditioning", "recovery", "mobility")
                ),
                {"station_specific": True},
            ),
            ({"category": "cardio"}, {"category": "Run"}),
        ),
        "exercise_library_station_specific_check": Check(
            (
                {"station_specific": True},
                {"category": "strength", "hyrox_station_id": None},
                {"category": "strength", "hyrox_station_id": station_id},
            ),
            ({"category": "station_specific", "hyrox_station_id": None},),
        ),
        "exercise_library_difficulty_check": enum(
            "difficulty", ("beginner", "intermediate", "advanced"), ("expert", "")
        ),
        "exercise_library_video_url_check": https("video_url"),
    },
    foreign_keys={
        "exercise_library_hyrox_station_id_fkey": ForeignKey(
            "restrict",
            station_child(
                "exercise_library", lambda s: ExerciseFactory(station_specific=True, station=s)
            ),
        ),
    },
    defaults={
        "muscle_groups": [],
        "equipment_needed": [],
        "difficulty": "intermediate",
        "is_active": True,
    },
    uniques={
        "exercise_library_name_key": lambda _: lambda: ExerciseFactory(name="Wall balls"),
    },
    index_requests={
        "exercise_library_hyrox_station_id_idx": Request(
            fk_check("exercise_library", "hyrox_station_id", STATION),
            "deleting a station checks the exercises that train it",
            index_paths_only=True,
        ),
        "exercise_library_category_idx": Request(
            "select id, name from public.exercise_library where category = 'strength'"
            " order by name",
            "the exercise picker filters by category",
            index_paths_only=True,
        ),
    },
    triggers=Triggers(owner_immutable=False),
)
