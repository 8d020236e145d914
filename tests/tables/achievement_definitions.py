"""public.achievement_definitions: what the suite expects of it beyond the contract.

The fields are described in tests/tables/declaration.py.
"""

from __future__ import annotations

from factories.reference import (
    AchievementDefinitionFactory,
)
from tests.support.access_matrix import Command, Policy
from tests.tables.checks import (
    enum,
    jsonb_object,
    not_blank,
)
from tests.tables.declaration import (
    Access,
    Ownership,
    TableDeclaration,
    Triggers,
)

TABLE = TableDeclaration(
    name="achievement_definitions",
    ownership=Ownership.REFERENCE,
    access=Access(
        pattern="reference",
        policies=(
            Policy(
                "everyone can read achievement definitions",
                Command.SELECT,
                ("anon", "authenticated"),
            ),
        ),
        update=("description", "Corrected by the service"),
    ),
    make_row=lambda _: AchievementDefinitionFactory(),
    checks={
        "achievement_definitions_code_check": enum(
            "code",
            ("a", "sub_90", "x1_y2_z3"),
            ("", "First", "first-race", "_x", "x_", "x__y", "x y"),
        ),
        "achievement_definitions_name_check": not_blank("name"),
        "achievement_definitions_category_check": enum(
            "category",
            ("race", "training", "consistency", "benchmark", "coaching", "milestone"),
            ("social", "Race"),
        ),
        "achievement_definitions_criteria_check": jsonb_object("criteria"),
    },
    defaults={
        "criteria": {},
        "is_active": True,
    },
    uniques={
        "achievement_definitions_code_key": lambda _: (
            lambda: AchievementDefinitionFactory(code="first_race_logged")
        ),
        "achievement_definitions_name_key": lambda _: (
            lambda: AchievementDefinitionFactory(name="First Race Logged")
        ),
    },
    triggers=Triggers(owner_immutable=False),
)
