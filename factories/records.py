"""Records and goals factories: personal_records and goals."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import factory

from factories import base
from factories.athletes import OwnedFactory
from factories.providers import ANCHOR_DATE
from factories.reference import ExerciseFactory, HyroxStationFactory

SOFT_DELETED_AT = dt.datetime(2026, 1, 3, tzinfo=dt.UTC)
_LOWER_IS_BETTER = ("seconds", "min_per_km")


class PersonalRecordFactory(OwnedFactory):
    """A running-pace record by default.

    Traits: ``station_time`` (a seeded station, seconds), ``exercise_weight`` (a new library
    exercise, kg), ``free_text_exercise`` (exercise_name only), ``race_time``, ``improved``
    (with previous_value).
    """

    class Meta:
        table = "public.personal_records"

    class Params:
        station = None
        exercise = None
        station_time = base.Trait(
            record_type="station_time",
            station=factory.SubFactory(HyroxStationFactory),
            value=factory.Faker("random_int", min=120, max=420),
            value_unit="seconds",
        )
        exercise_weight = base.Trait(
            record_type="exercise_weight",
            exercise=factory.SubFactory(ExerciseFactory, category="strength"),
            value=factory.Faker("random_int", min=60, max=220),
            value_unit="kg",
        )
        free_text_exercise = base.Trait(
            record_type="exercise_reps",
            exercise_name="Strict pull-ups",
            value=factory.Faker("random_int", min=5, max=30),
            value_unit="reps",
        )
        race_time = base.Trait(
            record_type="race_time",
            value=factory.Faker("random_int", min=3900, max=6600),
            value_unit="seconds",
            context="race",
        )
        # the previous best was worse: slower for times and paces, less for loads and reps
        improved = base.Trait(
            previous_value=factory.LazyAttribute(
                lambda o: round(o.value * (1.05 if o.value_unit in _LOWER_IS_BETTER else 0.95), 2)
            )
        )

    record_type = "running_pace"
    exercise_id = factory.LazyAttribute(lambda o: o.exercise["id"] if o.exercise else None)
    exercise_name = None
    station_id = factory.LazyAttribute(lambda o: o.station["id"] if o.station else None)
    value = factory.Faker("pyfloat", min_value=3.4, max_value=6.0, right_digits=2)
    value_unit = "min_per_km"
    date_achieved = factory.Faker("hyrox_date", days_back=365)
    context = "training"


class GoalFactory(OwnedFactory):
    """An active race-time goal (sub-85 minutes by the plan's race date).

    Traits: ``completed`` (with completed_at), ``abandoned``, ``soft_deleted``,
    ``station_time`` (a seeded station), ``open_ended`` (no target or deadline).
    """

    class Meta:
        table = "public.goals"

    class Params:
        station = None
        completed = base.Trait(
            status="completed",
            completed_at=factory.LazyFunction(lambda: dt.datetime(2025, 12, 1, tzinfo=dt.UTC)),
            current_value=factory.SelfAttribute("target_value"),
        )
        abandoned = base.Trait(status="abandoned")
        soft_deleted = base.Trait(deleted_at=SOFT_DELETED_AT)
        station_time = base.Trait(
            goal_type="station_time",
            title="Faster sled push",
            station=factory.SubFactory(HyroxStationFactory, station_number=2),
            target_value=150,
            target_unit="seconds",
            current_value=175,
        )
        open_ended = base.Trait(
            goal_type="consistency",
            title="Train four times a week",
            target_value=None,
            target_unit=None,
            current_value=None,
            target_date=None,
        )

    goal_type = "race_time"
    title = "Sub-85 minute Hyrox"
    description = factory.Faker("sentence", nb_words=8)
    target_value = 85
    target_unit = "minutes"
    current_value = factory.Faker("random_int", min=86, max=100)
    target_date = factory.LazyFunction(lambda: ANCHOR_DATE + timedelta(weeks=16))
    station_id = factory.LazyAttribute(lambda o: o.station["id"] if o.station else None)
    status = "active"
