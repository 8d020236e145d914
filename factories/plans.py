"""Training-plan factories: training_plans, training_plan_weeks, training_plan_days."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import factory

from factories import base
from factories.athletes import OwnedFactory
from factories.chat import ConversationFactory
from factories.providers import ANCHOR_DATE


class TrainingPlanFactory(OwnedFactory):
    """A 16-week plan (draft by default).

    Traits: ``active``, ``archived``, ``ai_generated`` (from a new conversation of the same
    athlete), ``soft_deleted``, ``undated`` (no start/end date).
    """

    class Meta:
        table = "public.training_plans"

    class Params:
        source_conversation = None
        active = base.Trait(status="active")
        archived = base.Trait(status="archived")
        ai_generated = base.Trait(
            is_ai_generated=True,
            source_conversation=factory.SubFactory(
                ConversationFactory, athlete=factory.SelfAttribute("..athlete"), topic="training"
            ),
        )
        soft_deleted = base.Trait(
            deleted_at=factory.LazyFunction(lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        )
        undated = base.Trait(start_date=None, end_date=None)

    plan_name = factory.LazyAttribute(
        lambda o: f"{base.plain(o.duration_weeks, 16)}-week Hyrox build"
    )
    duration_weeks = 16
    goal = factory.Faker(
        "random_element", elements=("Sub-90 finish", "First Hyrox", "Qualify for Pro", "PB")
    )
    difficulty = factory.Faker("random_element", elements=("beginner", "intermediate", "advanced"))
    is_ai_generated = False
    status = "draft"
    start_date = ANCHOR_DATE
    end_date = factory.LazyAttribute(
        lambda o: (
            o.start_date + timedelta(weeks=max(1, base.plain(o.duration_weeks, 1)), days=-1)
            if isinstance(o.start_date, dt.date)
            else None
        )
    )
    source_conversation_id = factory.LazyAttribute(
        lambda o: o.source_conversation["id"] if o.source_conversation else None
    )


class TrainingPlanWeekFactory(base.PgFactory):
    """A week of ``plan`` (default: a new plan)."""

    class Meta:
        table = "public.training_plan_weeks"

    class Params:
        plan = factory.SubFactory(TrainingPlanFactory)

    training_plan_id = factory.SelfAttribute("plan.id")
    athlete_id = factory.SelfAttribute("plan.athlete_id")
    week_number = factory.Sequence(lambda n: n % 52 + 1)
    focus = factory.Faker("hyrox_week_focus")
    target_volume_hours = factory.Faker("random_element", elements=(5, 6.5, 8, 9.5))
    notes = None


class TrainingPlanDayFactory(base.PgFactory):
    """A session of ``week`` (default: a new week); trait ``rest`` for a rest day.

    is_completed is derived by the database from the linked workout log; never set it.
    """

    class Meta:
        table = "public.training_plan_days"

    class Params:
        week = factory.SubFactory(TrainingPlanWeekFactory)
        session = factory.Faker("hyrox_plan_session")
        rest = base.Trait(
            session_type="rest",
            workout_title="Rest day",
            workout_details=factory.LazyFunction(dict),
            estimated_duration_minutes=0,
        )

    training_plan_week_id = factory.SelfAttribute("week.id")
    athlete_id = factory.SelfAttribute("week.athlete_id")
    day_of_week = factory.Sequence(lambda n: n % 7 + 1)
    session_order = 1
    session_type = factory.LazyAttribute(lambda o: o.session[0])
    workout_title = factory.LazyAttribute(lambda o: o.session[1])
    workout_description = factory.LazyAttribute(lambda o: f"{o.workout_title}, as prescribed.")
    workout_details = factory.LazyAttribute(
        lambda o: {"blocks": [{"name": o.workout_title, "sets": 1}], "intensity": "moderate"}
    )
    estimated_duration_minutes = factory.Faker("random_element", elements=(45, 60, 75, 90))
    is_rest_day = factory.LazyAttribute(lambda o: o.session_type == "rest")
