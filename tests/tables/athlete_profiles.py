"""public.athlete_profiles: what the suite expects of it beyond the contract.

The fields are described in tests/tables/declaration.py.
"""

from __future__ import annotations

from datetime import date

from factories.athletes import AthleteFactory, AuthUserFactory
from tests.support.access_matrix import Command, Policy
from tests.tables.checks import (
    FORMATS,
    enum,
    https,
    jsonb_object,
)
from tests.tables.declaration import (
    Access,
    Check,
    Connection,
    Duplicate,
    ForeignKey,
    Ownership,
    ParentChild,
    TableDeclaration,
)


def _story_profile() -> ParentChild:
    athlete = AthleteFactory()
    return ParentChild("auth.users", athlete.user_id, "athlete_profiles", athlete.id)


def _second_profile(_: Connection) -> Duplicate:
    user = AuthUserFactory()
    AthleteFactory(user=user)
    return lambda: AthleteFactory(user=user)


TABLE = TableDeclaration(
    name="athlete_profiles",
    ownership=Ownership.PROFILE,
    access=Access(
        pattern="athlete_crud",
        policies=(
            Policy("athletes can read their own profile", Command.SELECT),
            Policy("athletes can create their own profile", Command.INSERT),
            Policy("athletes can update their own profile", Command.UPDATE),
            Policy("athletes can delete their own profile", Command.DELETE),
        ),
        update=("display_name", "Renamed"),
    ),
    make_row=lambda athlete: athlete,
    checks={
        "athlete_profiles_display_name_check": Check(
            ({"display_name": "A"}, {"display_name": "x" * 100}, {"display_name": None}),
            ({"display_name": ""}, {"display_name": "x" * 101}),
        ),
        "athlete_profiles_avatar_url_check": https("avatar_url"),
        "athlete_profiles_date_of_birth_check": Check(
            ({"date_of_birth": date(1900, 1, 1)}, {"date_of_birth": None}),
            ({"date_of_birth": date(1899, 12, 31)},),
        ),
        "athlete_profiles_sex_check": enum(
            "sex", ("male", "female", "other", None), ("Male", "m", "")
        ),
        "athlete_profiles_weight_kg_check": enum("weight_kg", (0.01, 399.99, None), (0, -1, 400)),
        "athlete_profiles_height_cm_check": enum("height_cm", (50, 280, None), (49.9, 280.1)),
        "athlete_profiles_units_preference_check": enum(
            "units_preference", ("metric", "imperial"), ("Metric", "si")
        ),
        "athlete_profiles_hyrox_division_check": enum(
            "hyrox_division",
            ("open", "pro", "adaptive", "elite_15", None),
            ("doubles", "age_group", "Open"),
        ),
        "athlete_profiles_hyrox_format_check": enum(
            "hyrox_format", ("singles", "doubles", "relay", None), ("pairs", "")
        ),
        "athlete_profiles_hyrox_division_format_check": Check(
            (
                *({"hyrox_division": "open", "hyrox_format": f} for f in (*FORMATS, None)),
                *({"hyrox_division": d, "hyrox_format": "singles"} for d in ("pro", "adaptive")),
                {"hyrox_division": "pro", "hyrox_format": "doubles"},
                {"hyrox_division": "elite_15", "hyrox_format": None},
                {"hyrox_division": None, "hyrox_format": "relay"},
            ),
            (
                {"hyrox_division": "pro", "hyrox_format": "relay"},
                *(
                    {"hyrox_division": d, "hyrox_format": f}
                    for d in ("adaptive", "elite_15")
                    for f in FORMATS
                ),
            ),
        ),
        "athlete_profiles_hyrox_race_count_check": enum("hyrox_race_count", (0, 250), (-1,)),
        "athlete_profiles_training_history_check": jsonb_object("training_history"),
        "athlete_profiles_current_phase_check": enum(
            "current_phase",
            ("general_prep", "specific_prep", "competition_prep", "taper", None),
            ("peak", "base"),
        ),
        "athlete_profiles_goal_time_minutes_check": enum(
            "goal_time_minutes", (0.01, 359.99, None), (0, -5, 360)
        ),
        "athlete_profiles_weekly_availability_hours_check": enum(
            "weekly_availability_hours", (0, 168, None), (-0.1, 168.1)
        ),
        "athlete_profiles_preferences_check": jsonb_object("preferences"),
    },
    foreign_keys={
        "athlete_profiles_user_id_fkey": ForeignKey("cascade", _story_profile),
    },
    defaults={
        "units_preference": "metric",
        "hyrox_race_count": 0,
        "training_history": {},
        "equipment_available": [],
        "injuries_limitations": [],
        "preferences": {},
        "profile_complete": False,
    },
    uniques={
        "athlete_profiles_user_id_key": _second_profile,
    },
)
