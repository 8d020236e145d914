"""Forced interleavings of committing requests: a gate, sessions in threads, lock-state waits.

No sleeps decide an order. A test holds the *gate* (an advisory lock); a request
whose transaction turned the gate on stops at its first row write (an
instrumentation trigger installed in the test's clone only) until the test opens
the gate. The test waits for observable states in ``pg_locks`` (a session waiting
at the gate, a session blocked on a row lock) with a bounded timeout, then
releases. Polling a state with a deadline is waiting for that state; the order
of events comes from the locks alone.

Usage::

    install_gate(db)
    with Gate(control) as gate, Request(session(dsn), claims, "update ...", gated=True) as first:
        wait_until(control, waiting_at_gate, first.pid)
        ...
        gate.open()
    first.result()  # re-raises the request's error, if any
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

import psycopg
from psycopg.rows import DictRow, dict_row

from hyrox_schema.impersonation import acting_as

Connection = psycopg.Connection[DictRow]

GATE_KEY = 13_013
"""Advisory lock key of the gate (test clones only)."""

GATED_TABLES = (
    "athlete_profiles",
    "conversations",
    "training_plans",
    "training_plan_weeks",
    "training_plan_days",
    "workout_logs",
)

DEFAULT_TIMEOUT = 10.0
"""Bound on every wait for a state; a request that never gets there fails the test."""

SESSION_SETTINGS = "-c lock_timeout=20s"
"""Requests never hang forever. (deadlock_timeout is a superuser setting, which supautils does
not let ``postgres`` change: the throw-away clusters set it to 100 ms for everyone.)"""

_GATE_SQL = f"""
create schema if not exists test_hooks;
grant usage on schema test_hooks to public;
create or replace function test_hooks.gate()
returns trigger
language plpgsql
as $$
begin
  if current_setting('hyrox_test.gate', true) = 'on' then
    perform set_config('hyrox_test.gate', 'off', true);
    perform pg_advisory_xact_lock_shared({GATE_KEY});
  end if;
  return null;
end
$$;
grant execute on function test_hooks.gate() to public;
"""


def install_gate(conn: psycopg.Connection[Any]) -> None:
    """Install the gate in this (test) database: an AFTER ROW trigger named to fire first.

    ``"0_test_gate"`` sorts before ``RI_ConstraintTrigger_*`` and the link triggers,
    so a gated request stops after writing its first row and before any foreign-key
    action or link trigger reaches another row.
    """
    conn.execute(_GATE_SQL)
    for table in GATED_TABLES:
        conn.execute(
            f'create trigger "0_test_gate" after insert or update or delete on public.{table}'
            " for each row execute function test_hooks.gate()"
        )


class Gate:
    """The test's hold on the gate: closed on enter, opened by :meth:`open` (or on exit)."""

    def __init__(self, control: psycopg.Connection[Any]) -> None:
        self.control = control
        self.closed = False

    def __enter__(self) -> Gate:
        self.control.execute("select pg_advisory_lock(%s)", (GATE_KEY,))
        self.closed = True
        return self

    def open(self) -> None:
        """Let every request waiting at the gate go on."""
        if self.closed:
            self.control.execute("select pg_advisory_unlock(%s)", (GATE_KEY,))
            self.closed = False

    def __exit__(self, *exc: object) -> None:
        self.open()


class Request:
    """One committing request (as PostgREST runs it) on its own connection and thread.

    ``statements`` run in one transaction as ``claims``; with ``gated`` the
    transaction stops at its first row write until the gate opens. ``result()``
    waits for the end and re-raises the request's error.
    """

    def __init__(
        self,
        conn: Connection,
        claims: dict[str, Any] | None,
        statements: Sequence[tuple[str, Sequence[Any] | dict[str, Any]]] | str,
        *,
        gated: bool = False,
    ) -> None:
        self.conn = conn
        self.pid: int = conn.info.backend_pid
        self.claims = claims
        self.statements = [(statements, ())] if isinstance(statements, str) else list(statements)
        self.gated = gated
        self.error: BaseException | None = None
        self.rowcounts: list[int] = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            with self.conn.transaction():
                if self.gated:
                    self.conn.execute("select set_config('hyrox_test.gate', 'on', true)")
                if self.claims is None:
                    self._execute()
                else:
                    with acting_as(self.conn, self.claims):
                        self._execute()
        except BaseException as error:
            self.error = error

    def _execute(self) -> None:
        for query, params in self.statements:
            self.rowcounts.append(self.conn.execute(query, params).rowcount)  # type: ignore[arg-type]

    def start(self) -> Request:
        """Send the request (returns at once)."""
        self._thread.start()
        return self

    def join(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait for the request to end (commit or error) or fail after ``timeout``."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"request on pid {self.pid} still running after {timeout} s")

    def result(self, timeout: float = DEFAULT_TIMEOUT) -> list[int]:
        """Row counts of the statements; re-raises the request's error."""
        self.join(timeout)
        if self.error is not None:
            raise self.error
        return self.rowcounts

    def __enter__(self) -> Request:
        """Scope the request: on exit it is cancelled if the block failed, then joined."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._thread.is_alive() and exc is not None:
            self.conn.cancel_safe()
        if self._thread.is_alive():
            self._thread.join(DEFAULT_TIMEOUT)


def session(dsn: str) -> Connection:
    """A connection for :class:`Request` (autocommit, lock timeout); the DSN names the login."""
    return psycopg.connect(dsn, autocommit=True, row_factory=dict_row, options=SESSION_SETTINGS)


# --------------------------------------------------------------------------- observable states

StateCheck = Callable[[psycopg.Connection[Any], int], bool]


def waiting_at_gate(control: psycopg.Connection[Any], pid: int) -> bool:
    """The session waits for the gate (its advisory lock request is not granted)."""
    return _exists(
        control,
        "select 1 from pg_locks where pid = %s and locktype = 'advisory'"
        " and objid = %s and not granted",
        (pid, GATE_KEY),
    )


def blocked(control: psycopg.Connection[Any], pid: int) -> bool:
    """The session waits for some heavyweight lock (a row, the gate, anything)."""
    return _exists(control, "select 1 from pg_locks where pid = %s and not granted", (pid,))


def blocked_on_profile(control: psycopg.Connection[Any], pid: int) -> bool:
    """The session waits for a row lock on an athlete_profiles row.

    A session waiting for a row holds the heavyweight tuple lock of that row and
    waits on the holder's transaction id.
    """
    return _exists(
        control,
        "select 1 from pg_locks as t join pg_locks as w on w.pid = t.pid"
        " where t.pid = %s and t.locktype = 'tuple'"
        " and t.relation = 'public.athlete_profiles'::regclass"
        " and w.locktype = 'transactionid' and not w.granted",
        (pid,),
    )


def wait_until(
    control: psycopg.Connection[Any],
    state: StateCheck,
    pid: int,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    also: Request | None = None,
) -> None:
    """Return once ``state(control, pid)`` holds; fail after ``timeout`` seconds.

    ``also``: a request whose early end (say, an error) makes the state
    unreachable; its error is raised at once instead of waiting out the timeout.
    """
    deadline = time.monotonic() + timeout
    while not state(control, pid):
        if also is not None and not also._thread.is_alive():
            also.result()
            raise AssertionError(f"pid {also.pid} ended before {state.__name__}({pid})")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{state.__name__}({pid}) not reached in {timeout} s")
        time.sleep(0.001)  # poll interval only: the order comes from the locks


def _exists(control: psycopg.Connection[Any], query: str, params: Sequence[Any]) -> bool:
    return control.execute(query, params).fetchone() is not None
