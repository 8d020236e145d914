"""The plan-day <-> workout-log link paths one athlete's devices take, and how a pair of them
runs: concurrently under the forced interleaving (tests/support/concurrency.py), or serially
for the agreed end state. Shared by tests/concurrency/test_link_pairs.py and the other
concurrency tests."""

from __future__ import annotations

import itertools
from typing import Any

import psycopg
from psycopg.rows import DictRow

from hyrox_schema.impersonation import acting_as
from tests.behaviour.helpers import assert_link_consistent
from tests.concurrency.world import World, build_world, state_of
from tests.support.concurrency import (
    Gate,
    Request,
    blocked,
    blocked_on_profile,
    wait_until,
    waiting_at_gate,
)

Connection = psycopg.Connection[DictRow]

PATHS: dict[str, str] = {
    "log_workout_for_day": "insert into workout_logs (id, date, session_type, training_plan_day_id)"
    " values (%(NEW)s, date '2026-01-06', 'hiit', %(D2)s)",
    "link_log_to_day": "update workout_logs set training_plan_day_id = %(D2)s where id = %(L2)s",
    "mark_day_done": "update training_plan_days set linked_workout_log_id = %(L2)s"
    " where id = %(D2)s",
    "relink_log": "update workout_logs set training_plan_day_id = %(D2)s where id = %(L1)s",
    "relink_day": "update training_plan_days set linked_workout_log_id = %(L2)s where id = %(D1)s",
    "unlink_log": "update workout_logs set training_plan_day_id = null where id = %(L1)s",
    "unlink_day": "update training_plan_days set linked_workout_log_id = null where id = %(D1)s",
    "soft_delete_log": "update workout_logs set deleted_at = now() where id = %(L1)s",
    "soft_delete_plan": "update training_plans set deleted_at = now() where id = %(P)s",
    "delete_log": "delete from workout_logs where id = %(L1)s",
    "delete_day": "delete from training_plan_days where id = %(D1)s",
    "delete_plan": "delete from training_plans where id = %(P)s",
    "delete_conversation": "delete from conversations where id = %(C)s",
}
"""Every request that touches the link (and the chat both logs came from), on one world."""

PAIRS = list(itertools.product(PATHS, repeat=2))


def outcome(error: BaseException | None) -> str | None:
    """A request's outcome: None, or the SQLSTATE of its error."""
    if error is None:
        return None
    if isinstance(error, psycopg.Error):
        return error.sqlstate
    raise error


Spec = str | tuple[str, ...]
"""A request: one path, or several paths run as statements of one transaction."""


def statements(world: World, turn: int, spec: Spec) -> list[tuple[str, dict[str, Any]]]:
    """The request's statements with the ``turn``-th request's parameters."""
    paths = (spec,) if isinstance(spec, str) else spec
    return [(PATHS[path], world.params(turn)) for path in paths]


def run_serially(owner: Connection, world: World, requests: tuple[Spec, Spec]) -> list[str | None]:
    """Run the requests one after the other, each as its own committed transaction."""
    outcomes: list[str | None] = []
    for turn, spec in enumerate(requests):
        try:
            with acting_as(owner, world.claims):
                for query, params in statements(world, turn, spec):
                    owner.execute(query, params)
        except psycopg.Error as error:
            outcomes.append(error.sqlstate)
        else:
            outcomes.append(None)
    return outcomes


def run_concurrently(
    control: Connection, sessions: list[Connection], world: World, requests: tuple[Spec, Spec]
) -> tuple[list[str | None], bool]:
    """Force the interleaving; return the outcomes and whether the second waited on the profile."""
    with Gate(control) as gate:
        first = Request(sessions[0], world.claims, statements(world, 0, requests[0]), gated=True)
        second = Request(sessions[1], world.claims, statements(world, 1, requests[1]), gated=True)
        with first, second:
            first.start()
            wait_until(control, waiting_at_gate, first.pid, also=first)
            second.start()
            wait_until(control, blocked, second.pid, also=second)
            on_profile = blocked_on_profile(control, second.pid)
            gate.open()
            first.join()
            second.join()
    return [outcome(first.error), outcome(second.error)], on_profile


def assert_ends_as_if_serial(
    owner: Connection, control: Connection, sessions: list[Connection], requests: tuple[Spec, Spec]
) -> None:
    """Run the requests concurrently (forced) and serially; both must end the same, no deadlock,
    the second must have waited on the profile row, and the link must be consistent."""
    concurrent_world = build_world(owner)
    outcomes, on_profile = run_concurrently(control, sessions, concurrent_world, requests)
    assert "40P01" not in outcomes, f"deadlock: {outcomes}"
    assert on_profile, "the second request did not wait on the athlete's profile row first"

    serial_world = build_world(owner)
    assert outcomes == run_serially(owner, serial_world, requests)
    assert state_of(owner, concurrent_world) == state_of(owner, serial_world)
    assert_link_consistent(owner, concurrent_world.athlete_id)
    assert set(outcomes) <= {None, "23503"}, outcomes
