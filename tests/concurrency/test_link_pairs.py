"""Every pair of plan-day <-> workout-log link paths, run concurrently by one athlete's two devices.

The interleaving is forced, never slept into: the first request is stopped by the
gate right after its first row write (its first row lock); the second request is
sent and observed blocked; then the gate opens. Without one lock order this is
exactly the deadlock of issue 13 (each side holds its own row and its trigger
reaches for the other's). With the profile-first order (design doc 3.3) the
second request must be observed waiting on the athlete's profile row — before it
locks any row of the link — and both must end without error.

The agreed end state: both link columns agree, ``is_completed`` follows the link,
the one-to-one uniques hold, and the outcome (rows, links, each request's error
if any) equals running the same two requests one after the other in the order
they committed. A request may fail only as it fails when run alone after the
other (a foreign key naming a row the other request deleted), never with a
deadlock or serialisation error.
"""

from __future__ import annotations

import itertools
from typing import Any

import psycopg
import pytest
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


@pytest.mark.commits
@pytest.mark.parametrize(("first", "second"), PAIRS, ids=[f"{a}-then-{b}" for a, b in PAIRS])
def test_concurrent_pair_ends_as_if_serial(
    owner: Connection, control: Connection, sessions: list[Connection], first: str, second: str
):
    """Two devices, paths forced to meet: no deadlock, the second waits on the profile row,
    and the end state is the serial one, consistent."""
    assert_ends_as_if_serial(owner, control, sessions, (first, second))


MULTI_STATEMENT = ("mark_day_done", "relink_log", "unlink_day")
"""One transaction of three link writes from both sides (an RPC, or a client transaction)."""


@pytest.mark.commits
@pytest.mark.parametrize("other", sorted(PATHS))
@pytest.mark.parametrize("multi_first", [True, False], ids=["multi-first", "multi-second"])
def test_multi_statement_transaction_keeps_the_order(
    owner: Connection,
    control: Connection,
    sessions: list[Connection],
    other: str,
    multi_first: bool,
):
    """The profile lock of a transaction's first statement is held to COMMIT: its later
    statements never meet the other device's request half-way."""
    requests: tuple[Spec, Spec] = (
        (MULTI_STATEMENT, other) if multi_first else (other, MULTI_STATEMENT)
    )
    assert_ends_as_if_serial(owner, control, sessions, requests)


def test_paths_cover_every_link_writer():
    """The pair list names each path the issue lists (both sides of every link change)."""
    required = {
        "log_workout_for_day",
        "mark_day_done",
        "relink_log",
        "relink_day",
        "unlink_log",
        "unlink_day",
        "soft_delete_log",
        "soft_delete_plan",
        "delete_log",
        "delete_day",
        "delete_plan",
    }
    assert required <= set(PATHS)
    assert len(PAIRS) == len(PATHS) ** 2
