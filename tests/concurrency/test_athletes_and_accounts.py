"""The rest of the concurrency story: other athletes never wait, account deletion mid-write.

Same forced interleavings as ``test_link_pairs`` (the gate, lock states, no sleeps).
"""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import DictRow

from hyrox_schema.impersonation import service_claims
from tests.behaviour.helpers import athlete_row_counts
from tests.concurrency.link_paths import PATHS
from tests.concurrency.world import World, build_world, state_of
from tests.support.concurrency import (
    Gate,
    Request,
    blocked_on_profile,
    wait_until,
    waiting_at_gate,
)

Connection = psycopg.Connection[DictRow]

BYSTANDER_REQUESTS = (
    "log_workout_for_day",
    "mark_day_done",
    "relink_day",
    "delete_log",
    "soft_delete_plan",
)
"""One other athlete's writes, as one request: every table the lock order covers."""

PROFILE_UPDATE = "update athlete_profiles set display_name = 'Ana B' where id = %(A)s"


def bystander_request(world: World) -> list[tuple[str, dict[str, object]]]:
    """The bystander's writes plus a profile update, each statement of one request."""
    params = world.params(0)
    return [(PATHS[path], params) for path in BYSTANDER_REQUESTS] + [(PROFILE_UPDATE, params)]


def owned_rows(owner: Connection, world: World) -> dict[str, int]:
    """The athlete's rows in every table with an owner column, plus profile and auth user."""
    return athlete_row_counts(owner, world.athlete_id, world.ids["U"])


@pytest.mark.commits
@pytest.mark.parametrize("held", ["relink_day", "delete_plan", "profile_update"])
def test_another_athletes_open_transaction_never_blocks(
    owner: Connection, control: Connection, sessions: list[Connection], held: str
):
    """Athlete 1's request holds its profile and its first rows, open; athlete 2's writes
    (every covered table, the profile too) commit while athlete 1 is still waiting."""
    first, second = build_world(owner), build_world(owner)
    query = PROFILE_UPDATE if held == "profile_update" else PATHS[held]
    with Gate(control) as gate:
        holder = Request(sessions[0], first.claims, [(query, first.params(0))], gated=True)
        other = Request(sessions[1], second.claims, bystander_request(second))
        with holder, other:
            holder.start()
            wait_until(control, waiting_at_gate, holder.pid, also=holder)
            # raises if it failed, times out if it were blocked; every statement hit its row
            assert other.start().result() == [1] * len(bystander_request(second))
            assert waiting_at_gate(control, holder.pid), "athlete 1 is still mid-request"
            gate.open()
            holder.result()
    end = state_of(owner, second)  # L3 on D2, then L2 on D2, then D1 takes L2; L1 deleted
    assert (end["D1"], end["D2"], "L1" in end) == (("day", "L2", True), ("day", None, False), False)


@pytest.mark.commits
@pytest.mark.parametrize("device_first", [True, False], ids=["device-first", "deletion-first"])
@pytest.mark.parametrize("path", sorted(PATHS))
def test_account_deleted_while_the_other_device_writes(
    owner: Connection,
    control: Connection,
    sessions: list[Connection],
    auth_admin_session: Connection,
    path: str,
    device_first: bool,
):
    """The auth admin deletes the user while the athlete's other device is mid-request and a
    bystander writes: nothing of the athlete is left, the deletion and the bystander see no
    error, and the device either committed first or fails cleanly (its rows are gone)."""
    victim, bystander = build_world(owner), build_world(owner)
    bystander_before = owned_rows(owner, bystander)
    # GoTrue's own login deletes the user, as in production
    deletion_sql = [("delete from auth.users where id = %s", (victim.ids["U"],))]
    with Gate(control) as gate:
        device = Request(
            sessions[0], victim.claims, [(PATHS[path], victim.params(0))], gated=device_first
        )
        deletion = Request(auth_admin_session, None, deletion_sql, gated=not device_first)
        other = Request(sessions[2], bystander.claims, bystander_request(bystander))
        with device, deletion, other:
            held, waiting = (device, deletion) if device_first else (deletion, device)
            held.start()
            wait_until(control, waiting_at_gate, held.pid, also=held)
            waiting.start()
            wait_until(control, blocked_on_profile, waiting.pid, also=waiting)
            other.start().result()  # the bystander is never held up
            gate.open()
            device.join()
            deletion.result()
    if device_first:
        assert device.error is None
    elif device.error is not None:
        assert isinstance(device.error, psycopg.Error)
        assert device.error.sqlstate in ("23503", "42501"), device.error  # the athlete is gone
    assert owned_rows(owner, victim) == dict.fromkeys(owned_rows(owner, victim), 0)
    after = owned_rows(owner, bystander)
    assert after["athlete_profiles"] == bystander_before["athlete_profiles"] == 1
    assert after["workout_logs"] == bystander_before["workout_logs"]  # L3 in, L1 out


@pytest.mark.commits
def test_service_role_requests_take_no_athlete_lock(
    owner: Connection, control: Connection, sessions: list[Connection]
):
    """The documented limit (design doc 6.2): the service role has no auth.uid(), so its writes
    do not queue on the athlete's profile row; it commits while the athlete's request holds it."""
    world = build_world(owner)
    coach_note = "update workout_logs set notes = 'coach note' where id = %(L2)s"
    with Gate(control) as gate:
        athlete = Request(
            sessions[0], world.claims, [(PATHS["soft_delete_plan"], world.params(0))], gated=True
        )
        backend = Request(sessions[1], service_claims(), [(coach_note, world.params(1))])
        with athlete, backend:
            athlete.start()
            wait_until(control, waiting_at_gate, athlete.pid, also=athlete)
            assert backend.start().result() == [1]
            gate.open()
            athlete.result()
