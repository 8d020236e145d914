"""public.training_plans: what the suite expects of it beyond the contract.

The fields are described in tests/tables/declaration.py.
"""

from __future__ import annotations

from datetime import date

from factories.athletes import AthleteFactory
from factories.plans import TrainingPlanFactory
from tests.support.access_matrix import Command, Policy
from tests.support.index_requests import Request
from tests.tables.checks import (
    START,
    enum,
    not_blank,
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
from tests.tables.stories import owned


def _story_plan_from_chat() -> ParentChild:
    plan = TrainingPlanFactory(ai_generated=True)
    return ParentChild(
        "public.conversations", plan.source_conversation_id, "training_plans", plan.id
    )


def _active_plan_dup(_: Connection) -> Duplicate:
    athlete = AthleteFactory()
    TrainingPlanFactory(athlete=athlete, active=True)
    TrainingPlanFactory(athlete=athlete, archived=True)  # any number of non-active plans
    TrainingPlanFactory(athlete=athlete)
    TrainingPlanFactory(active=True)  # another athlete's active plan
    return lambda: TrainingPlanFactory(athlete=athlete, active=True)


TABLE = TableDeclaration(
    name="training_plans",
    ownership=Ownership.ATHLETE,
    access=Access(
        pattern="athlete_crud",
        policies=(
            Policy("athletes can read their own training plans", Command.SELECT),
            Policy("athletes can create their own training plans", Command.INSERT),
            Policy("athletes can update their own training plans", Command.UPDATE),
            Policy("athletes can delete their own training plans", Command.DELETE),
        ),
        update=("goal", "Edited"),
    ),
    make_row=lambda athlete: TrainingPlanFactory(athlete=athlete),
    checks={
        "training_plans_plan_name_check": not_blank("plan_name"),
        "training_plans_duration_weeks_check": enum("duration_weeks", (1, 52), (0, 53)),
        "training_plans_difficulty_check": enum(
            "difficulty",
            ("beginner", "intermediate", "advanced", "custom"),
            ("expert", ""),
        ),
        "training_plans_status_check": enum(
            "status", ("active", "archived", "draft"), ("deleted", "Active")
        ),
        "training_plans_date_range_check": Check(
            (
                {"start_date": START, "end_date": START},
                {"start_date": START, "end_date": None},
                {"start_date": None, "end_date": START},
            ),
            ({"start_date": START, "end_date": date(2026, 1, 4)},),
        ),
    },
    foreign_keys={
        "training_plans_athlete_id_fkey": ForeignKey("cascade", owned("training_plans")),
        "training_plans_source_conversation_id_fkey": ForeignKey("set null", _story_plan_from_chat),
    },
    links=(
        Link(
            "training_plans_source_conversation_id_fkey", "source_conversation_id", "conversations"
        ),
        Link("training_plans_athlete_id_fkey", "athlete_id", "athlete_profiles"),
    ),
    defaults={
        "difficulty": "intermediate",
        "is_ai_generated": False,
        "status": "draft",
    },
    uniques={
        "training_plans_one_active_per_athlete_key": _active_plan_dup,
    },
    fk_target_keys=("training_plans_id_athlete_id_key",),
    index_requests={
        "training_plans_athlete_id_start_date_idx": Request(
            "select id, plan_name from public.training_plans where athlete_id = %(athlete_id)s"
            " order by start_date desc",
            "the athlete's plans, newest first",
        ),
        "training_plans_source_conversation_id_idx": Request(
            "select id from public.training_plans"
            " where source_conversation_id = %(conversation_id)s"
            " and athlete_id = %(athlete_id)s",
            "deleting a conversation clears the plans generated from it (ON DELETE SET NULL)",
        ),
    },
    soft_delete="deleted_at",
    triggers=Triggers(
        lock_athlete_first=True,
        shaped={
            "training_plans_reschedule_days": TriggerShape(
                "after",
                ("update",),
                "private.reschedule_plan_days",
                "AFTER UPDATE OF start_date ON public.training_plans FOR EACH ROW"
                " WHEN (old.start_date",
            ),
        },
    ),
)
