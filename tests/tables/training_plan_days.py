"""public.training_plan_days: what the suite expects of it beyond the contract.

The fields are described in tests/tables/declaration.py.
"""

from __future__ import annotations

from factories.base import Row
from factories.plans import TrainingPlanDayFactory, TrainingPlanFactory, TrainingPlanWeekFactory
from factories.workouts import WorkoutLogFactory
from tests.behaviour.helpers import triggers_disabled
from tests.support.access_matrix import Command, Policy
from tests.support.index_requests import Request
from tests.tables.checks import (
    enum,
    jsonb_object,
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
    TriggerShape,
)
from tests.tables.stories import plan_athlete


def _story_day() -> ParentChild:
    day = TrainingPlanDayFactory()
    return ParentChild(
        "public.training_plan_weeks", day.training_plan_week_id, "training_plan_days", day.id
    )


def _story_day_of_log() -> ParentChild:
    log = WorkoutLogFactory(plan_day=TrainingPlanDayFactory())
    return ParentChild(
        "public.workout_logs", log.id, "training_plan_days", log.training_plan_day_id
    )


def _day_dup(_: Connection) -> Duplicate:
    week = TrainingPlanWeekFactory()
    TrainingPlanDayFactory(week=week, day_of_week=2, session_order=1)
    TrainingPlanDayFactory(week=week, day_of_week=2, session_order=2)  # a double day is fine
    return lambda: TrainingPlanDayFactory(week=week, day_of_week=2, session_order=1)


def _two_days_one_log(conn: Connection) -> Duplicate:
    log = WorkoutLogFactory()
    week = TrainingPlanWeekFactory(plan=TrainingPlanFactory(athlete=plan_athlete(log)))

    def duplicate() -> None:
        with triggers_disabled(conn, "workout_logs", "training_plan_days"):
            TrainingPlanDayFactory(week=week, day_of_week=1, linked_workout_log_id=log.id)
            TrainingPlanDayFactory(week=week, day_of_week=2, linked_workout_log_id=log.id)
            conn.execute("set constraints all immediate")

    return duplicate


def _day(athlete: Row) -> Row:
    return TrainingPlanDayFactory(
        week=TrainingPlanWeekFactory(plan=TrainingPlanFactory(athlete=athlete))
    )


TABLE = TableDeclaration(
    name="training_plan_days",
    ownership=Ownership.ATHLETE,
    access=Access(
        pattern="athlete_crud",
        policies=(
            Policy("athletes can read days of their own training plans", Command.SELECT),
            Policy("athletes can add days to their own training plans", Command.INSERT),
            Policy("athletes can update days of their own training plans", Command.UPDATE),
            Policy("athletes can delete days of their own training plans", Command.DELETE),
        ),
        update=("notes", "Edited"),
    ),
    make_row=_day,
    checks={
        "training_plan_days_day_of_week_check": enum("day_of_week", (1, 7), (0, 8)),
        "training_plan_days_session_order_check": enum("session_order", (1, 3), (0, 4)),
        "training_plan_days_workout_details_check": jsonb_object("workout_details"),
        "training_plan_days_session_type_check": enum(
            "session_type",
            ("run", "hiit", "strength", "simulation", "recovery", "rest"),
            ("race", "benchmark", "Run"),
        ),
        "training_plan_days_rest_day_check": Check(
            ({"rest": True}, {"session_type": "run", "is_rest_day": False}),
            (
                {"session_type": "rest", "is_rest_day": False},
                {"session_type": "run", "is_rest_day": True},
            ),
        ),
        "training_plan_days_estimated_duration_minutes_check": enum(
            "estimated_duration_minutes", (0, 600, None), (-1, 601)
        ),
        "training_plan_days_completed_check": Check(
            ({"is_completed": False, "linked_workout_log_id": None},),
            ({"is_completed": True, "linked_workout_log_id": None},),
            bypass_triggers=True,
        ),
    },
    foreign_keys={
        "training_plan_days_training_plan_week_id_fkey": ForeignKey("cascade", _story_day),
        "training_plan_days_linked_workout_log_id_fkey": ForeignKey("set null", _story_day_of_log),
    },
    links=(
        Link(
            "training_plan_days_training_plan_week_id_fkey",
            "training_plan_week_id",
            "training_plan_weeks",
        ),
        Link(
            "training_plan_days_linked_workout_log_id_fkey", "linked_workout_log_id", "workout_logs"
        ),
    ),
    defaults={
        "session_order": 1,
        "workout_details": {},
        "is_rest_day": False,
        "is_completed": False,
    },
    trigger_derived={
        "is_completed": False,
    },
    uniques={
        "training_plan_days_session_key": _day_dup,
        "training_plan_days_linked_workout_log_key": _two_days_one_log,
    },
    fk_target_keys=("training_plan_days_id_athlete_id_key",),
    index_requests={
        "training_plan_days_athlete_id_scheduled_date_idx": Request(
            "select id, session_order from public.training_plan_days"
            " where athlete_id = %(athlete_id)s and scheduled_date = %(today)s",
            "today's session: the athlete's days scheduled today; its leading athlete_id column"
            " also serves RLS on plan days and the profile cascade",
        ),
    },
    factory_parents=lambda athlete: {
        "week": TrainingPlanWeekFactory(plan=TrainingPlanFactory(athlete=athlete))
    },
    triggers=Triggers(
        lock_athlete_first=True,
        link=(
            "training_plan_days_derive_completion",
            "training_plan_days_sync_workout_log_link",
        ),
        shaped={
            "training_plan_days_derive_scheduled_date": TriggerShape(
                "before",
                ("insert", "update"),
                "private.derive_plan_day_scheduled_date",
                "BEFORE INSERT OR UPDATE OF training_plan_week_id, day_of_week, scheduled_date ON",
            ),
        },
    ),
)
