"""How one access-matrix cell is checked: the actor's statement on a real row, the outcome
asserted precisely, the row's state after, and a positive control beside every denial.
tests/rls/test_access_matrix.py runs every cell; tests/rls/test_matrix_status_rows.py runs one
cell on a database a bad migration changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.rows import DictRow

from hyrox_schema.impersonation import acting_as
from tests.rls import actions
from tests.rls.rows import Cast, make_row, make_status_variants
from tests.support import access_matrix as spec

Connection = psycopg.Connection[DictRow]
Outcome = spec.Outcome


def owner_claims(cast: Cast, cell: spec.Cell) -> dict[str, Any]:
    """Claims of the target row's owner."""
    return cast.target_owner(cell.actor).claims


def state_as_owner(conn: Connection, cast: Cast, cell: spec.Cell, row_id: Any) -> Any:  # noqa: ANN401
    """The target row as its owner reads it through RLS (reference rows: as postgres)."""
    if cell.table.kind is spec.Kind.REFERENCE:
        return actions.snapshot(conn, cell.table.name, row_id)
    with acting_as(conn, owner_claims(cast, cell)):
        return actions.snapshot(conn, cell.table.name, row_id)


def control(conn: Connection, cast: Cast, cell: spec.Cell, statement: actions.Statement) -> None:
    """Positive control: the spec's control actor runs the same statement and it takes effect."""
    actor = spec.control_actor(cell.table, cell.command)
    claims = owner_claims(cast, cell) if actor is spec.OWNER else cast.claims(actor)
    done = actions.attempt(conn, claims, statement)
    assert done.current_user == actor.role
    assert done.outcome(cell.table.name) == Outcome.ALLOWED, "positive control failed"


def check_select(conn: Connection, cast: Cast, cell: spec.Cell, target: dict[str, Any]) -> None:
    """SELECT the target row by id; a stranger also sees only their own rows."""
    table, actor = cell.table, cell.actor
    person = cast.person(actor)
    own = None
    if table.kind is spec.Kind.ATHLETE and not actor.owns_target and person and person.profile:
        own = make_row(table.name, person.profile)
    claims = cast.claims(actor)

    result = actions.attempt(conn, claims, actions.select_row(table.name, target["id"]))

    assert result.current_user == actor.role
    assert result.outcome(table.name) == cell.outcome, mismatch(cell, result.outcome(table.name))
    if cell.outcome is Outcome.ALLOWED:
        assert [row["id"] for row in result.rows] == [target["id"]]
        return
    if cell.outcome is Outcome.FILTERED and table.owner_column:
        owners = actions.attempt(
            conn, claims, actions.select_owners(table.name, table.owner_column)
        )
        mine = {own[table.owner_column]} if own else set()
        assert {row["owner"] for row in owners.rows} == mine
    control(conn, cast, cell, actions.select_row(table.name, target["id"]))


def check_insert(conn: Connection, cast: Cast, cell: spec.Cell, target: dict[str, Any]) -> None:
    """INSERT a complete row owned by the target owner (taken out first so it can go back in)."""
    table, actor = cell.table, cell.actor
    record = actions.take_out(conn, table.name, target["id"])
    statement = actions.insert_record(table.name, record)

    result = actions.attempt(conn, cast.claims(actor), statement)

    assert result.current_user == actor.role
    assert result.outcome(table.name) == cell.outcome, mismatch(cell, result.outcome(table.name))
    if cell.outcome is Outcome.ALLOWED:
        assert actions.snapshot(conn, table.name, target["id"]) == record
        return
    assert actions.snapshot(conn, table.name, target["id"]) is None, "a denied insert wrote"
    control(conn, cast, cell, statement)
    assert actions.snapshot(conn, table.name, target["id"]) == record


def check_blanket(
    conn: Connection,
    cast: Cast,
    cell: spec.Cell,
    before: dict[str, Any],
    statement: actions.Statement,
) -> None:
    """The command on every row (``where true``): only its own policy decides (rolled back)."""
    if cell.actor.role == "service_role":
        return  # BYPASSRLS: no policy to isolate; a blanket delete would hit the seeds
    with conn.transaction(force_rollback=True):
        result = actions.attempt(conn, cast.claims(cell.actor), statement)
        assert result.current_user == cell.actor.role
        if cell.outcome is Outcome.NO_GRANT:
            assert result.outcome(cell.table.name) == Outcome.NO_GRANT, mismatch(
                cell, result.outcome(cell.table.name), Outcome.NO_GRANT
            )
            return
        assert result.error is None, result.message
        after = actions.snapshot(conn, cell.table.name, before["id"])
        if cell.outcome is Outcome.FILTERED:
            assert after == before, "a blanket write reached a row its policy hides"
        elif cell.command is spec.Command.DELETE:
            assert after is None
        else:
            assert after is not None
            assert after[cell.table.update_column] == cell.table.update_value


def check_update(conn: Connection, cast: Cast, cell: spec.Cell, target: dict[str, Any]) -> None:
    """UPDATE one column the row's legitimate writer may change: by id, and on every row."""
    table, actor = cell.table, cell.actor
    before = actions.snapshot(conn, table.name, target["id"])
    assert before is not None
    assert before[table.update_column] != table.update_value, "the update must change something"
    changes = {table.update_column: table.update_value}
    check_blanket(conn, cast, cell, before, actions.update_all(table.name, changes))
    statement = actions.update_row(table.name, target["id"], changes)

    result = actions.attempt(conn, cast.claims(actor), statement)

    assert result.current_user == actor.role
    assert result.outcome(table.name) == cell.outcome, mismatch(cell, result.outcome(table.name))
    after = actions.snapshot(conn, table.name, target["id"])
    assert after is not None
    if cell.outcome is Outcome.ALLOWED:
        changed = {k for k in before if before[k] != after[k]}
        assert changed - {"updated_at"} == {table.update_column}  # now() is the test's start
        assert after[table.update_column] == table.update_value
        return
    assert state_as_owner(conn, cast, cell, target["id"]) == before, "the row changed"
    control(conn, cast, cell, statement)
    assert (
        actions.snapshot(conn, table.name, target["id"])[table.update_column] == table.update_value
    )


def check_delete(conn: Connection, cast: Cast, cell: spec.Cell, target: dict[str, Any]) -> None:
    """DELETE the target row: by id, and every row."""
    table, actor = cell.table, cell.actor
    before = actions.snapshot(conn, table.name, target["id"])
    assert before is not None
    check_blanket(conn, cast, cell, before, actions.delete_all(table.name))
    statement = actions.delete_row(table.name, target["id"])

    result = actions.attempt(conn, cast.claims(actor), statement)

    assert result.current_user == actor.role
    assert result.outcome(table.name) == cell.outcome, mismatch(cell, result.outcome(table.name))
    if cell.outcome is Outcome.ALLOWED:
        assert actions.snapshot(conn, table.name, target["id"]) is None
        return
    assert state_as_owner(conn, cast, cell, target["id"]) == before, "the row changed"
    control(conn, cast, cell, statement)
    assert actions.snapshot(conn, table.name, target["id"]) is None


CHECKS: dict[spec.Command, Callable[[Connection, Cast, spec.Cell, dict[str, Any]], None]] = {
    spec.Command.SELECT: check_select,
    spec.Command.INSERT: check_insert,
    spec.Command.UPDATE: check_update,
    spec.Command.DELETE: check_delete,
}


def mismatch(cell: spec.Cell, got: object, expected: object = None) -> str:
    """What to do when the database and the declared access row disagree."""
    table = cell.table.name
    return (
        f"{table} {cell.command} by {cell.actor.name}: the database gives {got}, the access row "
        f"of tests/tables/{table}.py expects {expected or cell.outcome}. If a migration changed "
        "who may do this on purpose, change the row (access.pattern: PATTERNS in "
        "tests/support/access_matrix.py) and its policies; otherwise the migration opened or "
        "closed a door it should not have"
    )


def check_cell(conn: Connection, cast: Cast, cell: spec.Cell) -> None:
    """The actor gets exactly the spec's outcome on a real row (every status of it), beside a
    positive control."""
    owner = cast.target_owner(cell.actor)
    assert owner.profile is not None
    target = make_row(cell.table.name, owner.profile)
    make_status_variants(cell.table.name, owner.profile, target)
    CHECKS[cell.command](conn, cast, cell, target)
