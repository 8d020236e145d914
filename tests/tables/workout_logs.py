"""public.workout_logs: what the suite expects of it beyond the contract.

The fields are described in tests/tables/declaration.py.
"""

from __future__ import annotations

from factories.plans import TrainingPlanDayFactory
from factories.workouts import WorkoutLogFactory
from tests.behaviour.helpers import triggers_disabled
from tests.support.access_matrix import Command, Policy
from tests.support.index_requests import Request
from tests.tables.checks import (
    enum,
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
    Triggers,
)
from tests.tables.stories import owned


def _story_log_of_day() -> ParentChild:
    log = WorkoutLogFactory(plan_day=TrainingPlanDayFactory())
    return ParentChild(
        "public.training_plan_days", log.training_plan_day_id, "workout_logs", log.id
    )


def _story_log_from_chat() -> ParentChild:
    log = WorkoutLogFactory(from_chat=True)
    return ParentChild("public.conversations", log.conversation_id, "workout_logs", log.id)


def _two_logs_one_day(conn: Connection) -> Duplicate:
    day = TrainingPlanDayFactory()

    def duplicate() -> None:
        with triggers_disabled(conn, "workout_logs", "training_plan_days"):
            WorkoutLogFactory(plan_day=day)
            WorkoutLogFactory(plan_day=day)
            conn.execute("set constraints all immediate")

    return duplicate


TABLE = TableDeclaration(
    name="workout_logs",
    ownership=Ownership.ATHLETE,
    access=Access(
        pattern="athlete_crud",
        policies=(
            Policy("athletes can read their own workout logs", Command.SELECT),
            Policy("athletes can create their own workout logs", Command.INSERT),
            Policy("athletes can update their own workout logs", Command.UPDATE),
            Policy("athletes can delete their own workout logs", Command.DELETE),
        ),
        update=("notes", "Edited"),
    ),
    make_row=lambda athlete: WorkoutLogFactory(athlete=athlete),
    checks={
        "workout_logs_session_type_check": enum(
            "session_type",
            ("run", "hiit", "strength", "simulation", "recovery", "race", "benchmark", "other"),
            ("rest", "Run"),
        ),
        "workout_logs_completion_status_check": enum(
            "completion_status", ("completed", "partial", "skipped"), ("done", "")
        ),
        "workout_logs_prescribed_workout_check": Check(
            ({"prescribed_workout": {}}, {"prescribed_workout": None}),
            ({"prescribed_workout": []}, {"prescribed_workout": "8 km"}),
        ),
        "workout_logs_completed_workout_check": Check(
            ({"completed_workout": {}}, {"completed_workout": None}),
            ({"completed_workout": []}, {"completed_workout": 8}),
        ),
        "workout_logs_rpe_pre_check": enum("rpe_pre", (1, 10, None), (0, 11)),
        "workout_logs_rpe_post_check": enum("rpe_post", (1, 10, None), (0, 11)),
        "workout_logs_duration_minutes_check": enum(
            "duration_minutes", (0, 1440, None), (-1, 1441)
        ),
        "workout_logs_heart_rate_avg_check": enum("heart_rate_avg", (30, 250, None), (29, 251)),
        "workout_logs_calories_estimated_check": enum(
            "calories_estimated", (0, 20000, None), (-1, 20001)
        ),
    },
    foreign_keys={
        "workout_logs_athlete_id_fkey": ForeignKey("cascade", owned("workout_logs")),
        "workout_logs_training_plan_day_id_fkey": ForeignKey("set null", _story_log_of_day),
        "workout_logs_conversation_id_fkey": ForeignKey("set null", _story_log_from_chat),
    },
    links=(
        Link(
            "workout_logs_training_plan_day_id_fkey", "training_plan_day_id", "training_plan_days"
        ),
        Link("workout_logs_conversation_id_fkey", "conversation_id", "conversations"),
        Link("workout_logs_athlete_id_fkey", "athlete_id", "athlete_profiles"),
    ),
    defaults={
        "completion_status": "completed",
    },
    uniques={
        "workout_logs_training_plan_day_key": _two_logs_one_day,
    },
    fk_target_keys=("workout_logs_id_athlete_id_key",),
    index_requests={
        "workout_logs_athlete_id_date_idx": Request(
            "select id, date, session_type from public.workout_logs"
            " where athlete_id = %(athlete_id)s"
            " order by date desc limit 20",
            "the training history: the last 20 logs",
        ),
        "workout_logs_conversation_id_idx": Request(
            "select id from public.workout_logs where conversation_id = %(conversation_id)s"
            " and athlete_id = %(athlete_id)s",
            "deleting a conversation clears the logs that came from it (ON DELETE SET NULL)",
        ),
    },
    soft_delete="deleted_at",
    triggers=Triggers(lock_athlete_first=True, link=("workout_logs_sync_plan_day_link",)),
)
