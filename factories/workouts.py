"""Workout-history factories: workout_logs and benchmark_tests."""

from __future__ import annotations

import datetime as dt

import factory

from factories import base
from factories.athletes import AthleteFactory, OwnedFactory
from factories.chat import ConversationFactory
from factories.reference import HyroxStationFactory

SOFT_DELETED_AT = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)


class WorkoutLogFactory(OwnedFactory):
    """A completed session. Pass ``plan_day=<training_plan_days row>`` to log it against a day.

    With ``plan_day`` the log belongs to that day's athlete (no new athlete is created).
    Traits: ``partial``, ``skipped``, ``soft_deleted``, ``from_chat`` (linked to a new
    conversation of the same athlete), ``minimal`` (only the required columns).
    """

    class Meta:
        table = "public.workout_logs"

    class Params:
        plan_day = None
        conversation = None
        athlete = factory.Maybe(
            "plan_day",
            yes_declaration=None,
            no_declaration=factory.SubFactory(AthleteFactory),
        )
        partial = base.Trait(completion_status="partial")
        skipped = base.Trait(
            completion_status="skipped",
            completed_workout=None,
            rpe_post=None,
            duration_minutes=0,
            heart_rate_avg=None,
            calories_estimated=None,
        )
        soft_deleted = base.Trait(deleted_at=SOFT_DELETED_AT)
        from_chat = base.Trait(
            conversation=factory.SubFactory(
                ConversationFactory, athlete=factory.SelfAttribute("..athlete")
            )
        )
        minimal = base.Trait(
            prescribed_workout=None,
            completed_workout=None,
            rpe_pre=None,
            rpe_post=None,
            duration_minutes=None,
            heart_rate_avg=None,
            calories_estimated=None,
            notes=None,
        )

    athlete_id = factory.LazyAttribute(
        lambda o: o.plan_day["athlete_id"] if o.plan_day else o.athlete["id"]
    )
    date = factory.Faker("hyrox_date", days_back=120)
    session_type = factory.LazyAttribute(
        lambda o: (
            o.plan_day["session_type"]
            if o.plan_day and o.plan_day["session_type"] != "rest"
            else "run"
        )
    )
    completion_status = "completed"
    prescribed_workout = factory.LazyAttribute(
        lambda o: o.plan_day["workout_details"] if o.plan_day else {"distance_km": 8}
    )
    completed_workout = factory.LazyAttribute(lambda o: {"felt": "strong", "type": o.session_type})
    rpe_pre = factory.Faker("random_int", min=2, max=5)
    rpe_post = factory.Faker("random_int", min=5, max=9)
    duration_minutes = factory.Faker("random_int", min=30, max=95)
    heart_rate_avg = factory.Faker("random_int", min=120, max=170)
    calories_estimated = factory.LazyAttribute(lambda o: max(0, (o.duration_minutes or 0) * 11))
    notes = None
    training_plan_day_id = factory.LazyAttribute(lambda o: o.plan_day["id"] if o.plan_day else None)
    conversation_id = factory.LazyAttribute(
        lambda o: o.conversation["id"] if o.conversation else None
    )


class BenchmarkTestFactory(OwnedFactory):
    """A 1 km time trial by default; traits ``pft`` and ``station_test`` (with a station)."""

    class Meta:
        table = "public.benchmark_tests"

    class Params:
        station = None
        seconds = factory.Faker("random_int", min=190, max=330)
        pft = base.Trait(
            test_type="hyrox_pft",
            results=factory.LazyFunction(
                lambda: {
                    "time_seconds": 1680,
                    "run_1k_s": 240,
                    "burpee_broad_jumps": 50,
                    "lunges": 100,
                    "row_1k_s": 235,
                    "push_ups": 30,
                    "wall_balls": 100,
                }
            ),
        )
        station_test = base.Trait(
            test_type="station_test",
            station=factory.SubFactory(HyroxStationFactory),
            results=factory.LazyFunction(lambda: {"time_seconds": 190, "at_race_weight": True}),
        )

    test_date = factory.Faker("hyrox_date", days_back=180)
    test_type = "run_1k"
    station_id = factory.LazyAttribute(lambda o: o.station["id"] if o.station else None)
    results = factory.LazyAttribute(lambda o: {"time_seconds": o.seconds, "distance_m": 1000})
    notes = None
