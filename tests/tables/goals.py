"""public.goals: what the suite expects of it beyond the contract.

The fields are described in tests/tables/declaration.py.
"""

from __future__ import annotations

from factories.records import GoalFactory
from tests.support.access_matrix import Command, Policy
from tests.support.index_requests import STATION, Request, fk_check
from tests.tables.checks import (
    NOW,
    enum,
    not_blank,
)
from tests.tables.declaration import (
    Access,
    Check,
    ForeignKey,
    Link,
    Ownership,
    TableDeclaration,
)
from tests.tables.stories import owned, station_child

TABLE = TableDeclaration(
    name="goals",
    ownership=Ownership.ATHLETE,
    access=Access(
        pattern="athlete_crud",
        policies=(
            Policy("athletes can read their own goals", Command.SELECT),
            Policy("athletes can create their own goals", Command.INSERT),
            Policy("athletes can update their own goals", Command.UPDATE),
            Policy("athletes can delete their own goals", Command.DELETE),
        ),
        update=("description", "Edited"),
    ),
    make_row=lambda athlete: GoalFactory(athlete=athlete),
    checks={
        "goals_goal_type_check": Check(
            (
                *(
                    {"goal_type": t}
                    for t in (
                        "race_time",
                        "running_pace",
                        "body_comp",
                        "consistency",
                        "training_volume",
                        "custom",
                    )
                ),
                {"station_time": True},
            ),
            ({"goal_type": "weight"}, {"goal_type": "Race_time"}),
        ),
        "goals_title_check": not_blank("title"),
        "goals_target_unit_check": enum(
            "target_unit",
            (
                "seconds",
                "minutes",
                "kg",
                "lbs",
                "min_per_km",
                "reps",
                "sessions",
                "hours",
                "km",
                "percent",
            ),
            ("miles", "Minutes"),
        ),
        "goals_target_value_unit_check": Check(
            ({"target_value": 1, "target_unit": "kg"}, {"open_ended": True}),
            (
                {"target_value": 10, "target_unit": None},
                {"target_value": None, "target_unit": "kg"},
            ),
        ),
        "goals_station_required_check": Check(
            ({"station_time": True}, {"goal_type": "race_time", "station": None}),
            ({"station_time": True, "station": None},),
        ),
        "goals_status_check": Check(
            ({"status": "active"}, {"abandoned": True}, {"completed": True}),
            ({"status": "paused"}, {"status": "Active"}),
        ),
        "goals_completed_at_check": Check(
            ({"completed": True}, {"status": "active", "completed_at": None}),
            (
                {"status": "completed", "completed_at": None},
                {"status": "active", "completed_at": NOW},
                {"status": "abandoned", "completed_at": NOW},
            ),
        ),
    },
    foreign_keys={
        "goals_athlete_id_fkey": ForeignKey("cascade", owned("goals")),
        "goals_station_id_fkey": ForeignKey(
            "restrict", station_child("goals", lambda s: GoalFactory(station_time=True, station=s))
        ),
    },
    links=(Link("goals_athlete_id_fkey", "athlete_id", "athlete_profiles"),),
    defaults={
        "status": "active",
    },
    index_requests={
        "goals_athlete_id_status_idx": Request(
            "select id, title from public.goals"
            " where athlete_id = %(athlete_id)s and status = 'active'",
            "the athlete's active goals",
        ),
        "goals_station_id_idx": Request(
            fk_check("goals", "station_id", STATION),
            "deleting a station checks the goals for it",
        ),
    },
    soft_delete="deleted_at",
)
