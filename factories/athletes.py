"""Athlete factories: auth.users (the Supabase user) and athlete_profiles (one per user).

``AthleteFactory()`` creates the user and the profile; other factories take ``athlete=<row>``.
"""

from __future__ import annotations

from datetime import date, timedelta

import factory

from factories import base
from factories.providers import ANCHOR_DATE


class AuthUserFactory(base.PgFactory):
    """An auth.users row as GoTrue writes it for an email sign-up (id is deterministic)."""

    class Meta:
        table = "auth.users"

    id = factory.Faker("uuid4", cast_to=None)
    aud = "authenticated"
    role = "authenticated"
    email = factory.Sequence(lambda n: f"athlete{n:04d}@example.test")
    raw_app_meta_data = factory.LazyFunction(lambda: {"provider": "email", "providers": ["email"]})
    raw_user_meta_data = factory.LazyFunction(dict)
    email_confirmed_at = factory.LazyFunction(lambda: _midnight(ANCHOR_DATE - timedelta(days=400)))
    created_at = factory.SelfAttribute("email_confirmed_at")
    updated_at = factory.SelfAttribute("email_confirmed_at")


def _midnight(day: date) -> str:
    return f"{day.isoformat()} 00:00:00+00"


class AthleteFactory(base.PgFactory):
    """An athlete_profiles row with its auth user.

    Traits: ``pro``, ``doubles``, ``relay``, ``female``, ``onboarded`` (every coaching field
    filled, profile_complete), ``minimal`` (only what the database requires).
    """

    class Meta:
        table = "public.athlete_profiles"
        exclude = ("user",)

    class Params:
        female = base.Trait(sex="female")
        pro = base.Trait(hyrox_division="pro", hyrox_race_count=6)
        doubles = base.Trait(hyrox_format="doubles")
        relay = base.Trait(hyrox_format="relay")
        onboarded = base.Trait(
            profile_complete=True,
            current_phase="specific_prep",
            race_date=factory.LazyFunction(lambda: ANCHOR_DATE + timedelta(weeks=16)),
            goal_time_minutes=85,
            weekly_availability_hours=8,
            equipment_available=["sled", "skierg", "rower", "wall_ball", "kettlebells"],
            injuries_limitations=[],
        )
        minimal = base.Trait(
            display_name=None,
            date_of_birth=None,
            sex=None,
            weight_kg=None,
            height_cm=None,
            hyrox_division=None,
            hyrox_format=None,
            training_history=base.DEFAULT,
        )

    user = factory.SubFactory(AuthUserFactory)
    user_id = factory.SelfAttribute("user.id")
    display_name = factory.Faker("first_name")
    date_of_birth = factory.Faker(
        "date_between_dates",
        date_start=date(1966, 1, 1),
        date_end=date(2004, 12, 31),
    )
    sex = factory.Faker("random_element", elements=("male", "female"))
    weight_kg = factory.Faker("pyfloat", min_value=55, max_value=100, right_digits=1)
    height_cm = factory.Faker("pyfloat", min_value=155, max_value=198, right_digits=1)
    hyrox_division = "open"
    hyrox_format = "singles"
    hyrox_race_count = factory.Faker("random_int", min=0, max=5)
    training_history = factory.LazyFunction(
        lambda: {"run_mpw": 25, "strength_days": 2, "experience": "intermediate"}
    )


class OwnedFactory(base.PgFactory):
    """Base of athlete-owned top-level tables: pass ``athlete=<athlete_profiles row>``.

    Without one, a new athlete (and auth user) is created. athlete_id is always explicit,
    because its column default (the caller's profile) is NULL for the superuser.
    """

    class Meta:
        abstract = True

    class Params:
        athlete = factory.SubFactory(AthleteFactory)

    athlete_id = factory.SelfAttribute("athlete.id")
