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

import pytest

from tests.concurrency.link_paths import PAIRS, PATHS, Connection, Spec, assert_ends_as_if_serial


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
