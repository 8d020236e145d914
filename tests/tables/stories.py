"""Shared builders of the declarations' FK stories (tests/tables/<table>.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from factories import base
from factories.athletes import AthleteFactory
from factories.reference import stations
from tests.behaviour.helpers import factory_for
from tests.tables.declaration import ParentChild


def owned(table: str) -> Callable[[], ParentChild]:
    """The owner key: a new athlete and a row of ``table`` they own."""

    def build() -> ParentChild:
        athlete = AthleteFactory()
        child = factory_for(table)(athlete=athlete)
        return ParentChild("public.athlete_profiles", athlete.id, table, child.id)

    return build


def station_child(table: str, make: Callable[[Any], Any]) -> Callable[[], ParentChild]:
    """A seeded station and a row of ``table`` naming it (made by ``make(station)``)."""

    def build() -> ParentChild:
        station = stations()[1]
        child = make(station)
        return ParentChild("public.hyrox_stations", station.id, table, child.id)

    return build


def plan_athlete(plan: base.Row) -> base.Row:
    """The athlete row of a plan (or of any athlete-owned row)."""
    row = (
        base.connection()
        .execute("select * from athlete_profiles where id = %s", (plan.athlete_id,))
        .fetchone()
    )
    assert row is not None
    return base.Row(row)
