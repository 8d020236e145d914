"""public.training_plan_weeks: what the suite expects of it beyond the contract.

The fields are described in tests/tables/declaration.py.
"""

from __future__ import annotations

from factories.base import Row
from factories.plans import TrainingPlanFactory, TrainingPlanWeekFactory
from tests.support.access_matrix import Command, Policy
from tests.support.index_requests import Request
from tests.tables.checks import (
    enum,
)
from tests.tables.declaration import (
    Access,
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


def _story_week() -> ParentChild:
    week = TrainingPlanWeekFactory()
    return ParentChild(
        "public.training_plans", week.training_plan_id, "training_plan_weeks", week.id
    )


def _week_dup(conn: Connection) -> Duplicate:
    plan = TrainingPlanFactory()
    TrainingPlanWeekFactory(plan=plan, week_number=3)
    TrainingPlanWeekFactory(week_number=3, plan=TrainingPlanFactory(athlete=plan_athlete(plan)))
    return lambda: TrainingPlanWeekFactory(plan=plan, week_number=3)


def _week(athlete: Row) -> Row:
    return TrainingPlanWeekFactory(plan=TrainingPlanFactory(athlete=athlete))


TABLE = TableDeclaration(
    name="training_plan_weeks",
    ownership=Ownership.ATHLETE,
    access=Access(
        pattern="athlete_crud",
        policies=(
            Policy("athletes can read weeks of their own training plans", Command.SELECT),
            Policy("athletes can add weeks to their own training plans", Command.INSERT),
            Policy("athletes can update weeks of their own training plans", Command.UPDATE),
            Policy("athletes can delete weeks of their own training plans", Command.DELETE),
        ),
        update=("focus", "Edited"),
    ),
    make_row=_week,
    checks={
        "training_plan_weeks_week_number_check": enum("week_number", (1, 52), (0, 53)),
        "training_plan_weeks_target_volume_hours_check": enum(
            "target_volume_hours", (0, 168, None), (-0.1, 168.1)
        ),
    },
    foreign_keys={
        "training_plan_weeks_training_plan_id_fkey": ForeignKey("cascade", _story_week),
    },
    links=(
        Link("training_plan_weeks_training_plan_id_fkey", "training_plan_id", "training_plans"),
    ),
    uniques={
        "training_plan_weeks_week_number_key": _week_dup,
    },
    fk_target_keys=("training_plan_weeks_id_athlete_id_key",),
    index_requests={
        "training_plan_weeks_athlete_id_idx": Request(
            "select id, week_number from public.training_plan_weeks"
            " where athlete_id = %(athlete_id)s",
            "RLS: every read of weeks filters on athlete_id; the profile cascade deletes by it",
        ),
    },
    factory_parents=lambda athlete: {"plan": TrainingPlanFactory(athlete=athlete)},
    triggers=Triggers(
        lock_athlete_first=True,
        shaped={
            "training_plan_weeks_reschedule_days": TriggerShape(
                "after",
                ("update",),
                "private.reschedule_plan_days",
                "AFTER UPDATE OF week_number, training_plan_id ON",
            ),
        },
    ),
)
