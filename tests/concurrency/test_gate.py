"""The interleaving machinery itself (tests/support/concurrency.py): gate, requests, waits."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import DictRow

from tests.concurrency.world import build_world, state_of
from tests.support.concurrency import Gate, Request, blocked, wait_until, waiting_at_gate

Connection = psycopg.Connection[DictRow]

UNLINK = "update training_plan_days set linked_workout_log_id = null where id = %(D1)s"


@pytest.mark.commits
def test_a_gated_request_stops_after_its_first_row_until_the_gate_opens(
    owner: Connection, control: Connection, sessions: list[Connection]
):
    """Stopped: the row is written (locked) but its link trigger has not reached the log yet."""
    world = build_world(owner)
    with Gate(control) as gate:
        request = Request(sessions[0], world.claims, [(UNLINK, world.ids)], gated=True)
        with request:
            request.start()
            wait_until(control, waiting_at_gate, request.pid, also=request)
            assert blocked(control, request.pid)
            locked = owner.execute(
                "select id from training_plan_days where id = %s for update skip locked",
                (world.ids["D1"],),
            ).fetchall()
            assert locked == []  # the day row is held by the request
            assert state_of(owner, world)["L1"][1] == "D1"  # nothing committed yet
            gate.open()
            assert request.result() == [1]
    assert state_of(owner, world)["L1"][1] is None


@pytest.mark.commits
def test_an_ungated_request_runs_through_a_closed_gate(
    owner: Connection, control: Connection, sessions: list[Connection]
):
    """Only requests that turned the gate on stop at it."""
    world = build_world(owner)
    with Gate(control), Request(sessions[0], world.claims, [(UNLINK, world.ids)]) as request:
        assert request.start().result() == [1]


def test_waiting_for_a_state_that_never_comes_times_out(control: Connection):
    """The wait is bounded: an unreachable state fails the test instead of hanging it."""
    with pytest.raises(TimeoutError, match="waiting_at_gate"):
        wait_until(control, waiting_at_gate, control.info.backend_pid, timeout=0.05)


@pytest.mark.commits
def test_a_request_that_fails_early_is_reported_by_the_wait(
    owner: Connection, control: Connection, sessions: list[Connection]
):
    """A request that ends (here with an error) before the awaited state re-raises its error."""
    world = build_world(owner)
    request = Request(sessions[0], world.claims, "select 1 / 0", gated=True)
    with Gate(control), request:
        request.start()
        with pytest.raises(psycopg.errors.DivisionByZero):
            wait_until(control, waiting_at_gate, request.pid, also=request)
