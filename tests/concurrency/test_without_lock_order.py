"""The harness has teeth: without the profile-first lock, the issue's interleavings deadlock.

This module's clone drops the ``*_lock_athlete_first`` triggers (and only this
module's clone): the very interleavings that pass in ``test_link_pairs`` must
then end in a deadlock (40P01), as reported in issue 13.
"""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import DictRow

from hyrox_schema import catalog
from tests.concurrency.link_paths import run_concurrently
from tests.concurrency.world import build_world

Connection = psycopg.Connection[DictRow]

ISSUE_CASES = [
    # a log linked to a day while the same day is linked to the same log from the day's side
    ("link_log_to_day", "mark_day_done"),
    # a log linked to a day while the day is linked to a second log
    ("relink_log", "mark_day_done"),
    ("log_workout_for_day", "mark_day_done"),
]


@pytest.fixture(scope="module", autouse=True)
def _without_the_lock_order(owner: Connection) -> None:
    for trigger in catalog.triggers(owner):
        if trigger.function == "private.lock_requesting_athlete":
            owner.execute(f"drop trigger {trigger.name} on public.{trigger.table}")


@pytest.mark.commits
@pytest.mark.parametrize(
    ("first", "second"),
    ISSUE_CASES,
    ids=[f"{first}-then-{second}" for first, second in ISSUE_CASES],
)
def test_crossing_link_writes_deadlock_without_the_lock_order(
    owner: Connection, control: Connection, sessions: list[Connection], first: str, second: str
):
    """Each request holds its own row and its trigger reaches for the other's: 40P01."""
    world = build_world(owner)
    outcomes, on_profile = run_concurrently(control, sessions, world, (first, second))
    assert not on_profile
    assert "40P01" in outcomes, outcomes
