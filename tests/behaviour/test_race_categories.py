"""Race categories follow the sport: every published combination stored, impossible ones refused.

The published combinations come from ``tests.support.sport`` (the corrected domain note),
never from the constraints under test. Generated races (the factories, drawn by Hypothesis)
are held to the same CHECKs the real results passed (``test_real_results.py``).
"""

from __future__ import annotations

from itertools import product
from typing import Any

import factory
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.rows import DictRow

from factories.athletes import AthleteFactory
from factories.races import RaceResultFactory
from tests.behaviour.helpers import expect_error
from tests.support import sport

Connection = psycopg.Connection[DictRow]


def published_combinations() -> list[tuple[str, str, str | None, str | None]]:
    """Every (division, format, category, age group) a published result can carry."""
    return [
        (division, race_format, category, group)
        for division, race_format in sorted(sport.PUBLISHED_DIVISION_FORMATS)
        for category in (*sorted(sport.PUBLISHED_CATEGORIES[race_format]), None)
        for group in (*sorted(sport.PUBLISHED_AGE_GROUPS[race_format]), None)
    ]


def test_every_published_combination_is_stored(factories_bound: Connection):
    """All of them, each in its own savepoint: none refused."""
    athlete = AthleteFactory()
    refused = []
    for division, race_format, category, group in published_combinations():
        try:
            with factories_bound.transaction():
                RaceResultFactory(
                    athlete=athlete,
                    division=division,
                    format=race_format,
                    race_category=category,
                    age_group=group,
                )
        except psycopg.errors.CheckViolation as error:
            refused.append((division, race_format, category, group, error.diag.constraint_name))
    assert refused == []
    assert len(published_combinations()) > 250


def impossible() -> list[tuple[dict[str, str], str]]:
    """Values no published result has, with the rule that must refuse them."""
    cases: list[tuple[dict[str, str], str]] = []
    formats = ("singles", "doubles", "relay")
    for race_format in formats:
        own = sport.PUBLISHED_AGE_GROUPS[race_format]
        foreign = frozenset().union(*sport.PUBLISHED_AGE_GROUPS.values()) - own
        cases.extend(
            (
                {"format": race_format, "race_category": "women", "age_group": group},
                f"race_results_{race_format}_age_group_check",
            )
            for group in sorted(foreign)
        )
    cases.extend(
        ({"division": d, "format": f}, "race_results_division_format_check")
        for d, f in product(("open", "pro", "adaptive", "elite_15"), formats)
        if (d, f) not in sport.PUBLISHED_DIVISION_FORMATS
    )
    cases.append(
        (
            {"format": "singles", "race_category": "mixed"},
            "race_results_singles_race_category_check",
        )
    )
    return cases


@pytest.mark.parametrize(
    ("values", "rule"), impossible(), ids=[f"{r}-{sorted(v.values())}" for v, r in impossible()]
)
def test_impossible_categories_are_refused(
    factories_bound: Connection, values: dict[str, str], rule: str
):
    """A doubles band on a singles result, a singles band on a relay, a Pro relay, ..."""
    with expect_error(factories_bound, psycopg.errors.CheckViolation, rule):
        RaceResultFactory(**values)


#: Replayable and bounded: derandomized, no example database, one savepoint per example.
BOUNDED = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

races = st.fixed_dictionaries(
    {
        "format": st.sampled_from(["singles", "doubles", "relay"]),
        "status": st.sampled_from(["finished", "dnf", "dsq"]),
        "women": st.booleans(),
        "seed": st.integers(min_value=0, max_value=2**32 - 1),
    }
)


@settings(BOUNDED, max_examples=60)
@given(drawn=races)
def test_generated_races_pass_the_checks_real_results_pass(
    factories_bound: Connection, drawn: dict[str, Any]
):
    """Whatever the factories draw for a format (division, category, age group) is stored.

    And the draw stays inside the published vocabulary, so the property cannot pass by the
    factories drawing only the easy cases.
    """
    factory.random.reseed_random(drawn["seed"])
    fake = factory.Faker._get_faker()
    race_format = drawn["format"]
    division = fake.hyrox_format_division(race_format)
    category = fake.hyrox_race_category(race_format)
    with factories_bound.transaction(force_rollback=True):
        race = RaceResultFactory(
            division=division,
            format=race_format,
            race_category="women" if drawn["women"] and category != "mixed" else category,
            status=drawn["status"],
        )
    assert (race["division"], race["format"]) in sport.PUBLISHED_DIVISION_FORMATS
    assert race["race_category"] in sport.PUBLISHED_CATEGORIES[race_format]
    assert race["age_group"] in sport.PUBLISHED_AGE_GROUPS[race_format]


@settings(BOUNDED, max_examples=40)
@given(
    race_format=st.sampled_from(["singles", "doubles", "relay"]),
    other=st.sampled_from(["singles", "doubles", "relay"]),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_generated_bands_of_another_format_are_refused(
    factories_bound: Connection, race_format: str, other: str, seed: int
):
    """The reverse: a band the factories draw for one format is refused on another."""
    factory.random.reseed_random(seed)
    group = factory.Faker._get_faker().hyrox_age_group(other)
    category = "mixed" if race_format != "singles" else "men"
    if group in sport.PUBLISHED_AGE_GROUPS[race_format]:
        return  # shared by both formats (70+ in singles and doubles): valid on either
    with expect_error(
        factories_bound,
        psycopg.errors.CheckViolation,
        f"race_results_{race_format}_age_group_check",
    ):
        RaceResultFactory(format=race_format, race_category=category, age_group=group)
