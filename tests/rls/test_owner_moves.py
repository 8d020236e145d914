"""Rows never move to another athlete: not by the owner column, not with a parent key.

Two independent layers stop a move, and each is proven on its own: the
``<table>_owner_immutable`` trigger (for everyone, the service role included)
and, with that trigger disabled, the RLS ``with check`` of the update policy.
The mover is the attacker (``other``) moving their own row onto the victim.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import DictRow

from hyrox_schema.impersonation import acting_as, service_claims
from tests.rls import actions
from tests.rls.links import COMPOSITE_LINKS, Link
from tests.rls.rows import Cast, Graph, make_row
from tests.support import access_matrix as spec

Connection = psycopg.Connection[DictRow]
Outcome = spec.Outcome
ATHLETE_TABLES = spec.athlete_tables()
OWNER_CHANGE = "{table}.{column} cannot change: rows never move to another owner"


def destination(cast: Cast, table: spec.TableSpec) -> str:
    """The owner value that would hand a row to the victim."""
    assert cast.victim.profile is not None
    if table.owner_column == "user_id":
        return str(cast.victim.user["id"])
    return str(cast.victim.athlete_id)


def movers_row(cast: Cast, table: spec.TableSpec) -> dict[str, Any]:
    """A row of the attacker's in ``table`` and its state as the attacker sees it."""
    assert cast.other.profile is not None
    return make_row(table.name, cast.other.profile)


def as_owner(conn: Connection, cast: Cast, table: str, row_id: Any) -> Any:  # noqa: ANN401
    """The row as the attacker (its owner) reads it."""
    with acting_as(conn, cast.other.claims):
        return actions.snapshot(conn, table, row_id)


def disable_owner_trigger(conn: Connection, table: str) -> None:
    """Switch the owner-immutable trigger off (inside the rolled-back test transaction)."""
    conn.execute(
        sql.SQL("alter table {} disable trigger {}").format(
            sql.Identifier("public", table), sql.Identifier(f"{table}_owner_immutable")
        )
    )


def assert_owner_change_refused(result: actions.Attempt, table: spec.TableSpec) -> None:
    """42501 raised by the owner-immutable trigger, naming the column."""
    assert result.sqlstate == "42501"
    assert result.message == OWNER_CHANGE.format(table=table.name, column=table.owner_column)


@pytest.mark.parametrize("table", ATHLETE_TABLES, ids=lambda t: t.name)
def test_owner_cannot_hand_a_row_to_another_athlete(
    factories_bound: Connection, cast: Cast, table: spec.TableSpec
):
    """Setting the owner column to the victim is refused; the row stays the mover's."""
    conn = factories_bound
    row = movers_row(cast, table)
    assert table.owner_column is not None
    before = as_owner(conn, cast, table.name, row["id"])
    move = actions.update_row(table.name, row["id"], {table.owner_column: destination(cast, table)})

    result = actions.attempt(conn, cast.other.claims, move)

    assert result.current_user == "authenticated"
    if spec.client_may(table, spec.Command.UPDATE, {table.owner_column}):
        assert_owner_change_refused(result, table)
    else:
        assert result.outcome(table.name) == Outcome.NO_GRANT
    assert as_owner(conn, cast, table.name, row["id"]) == before
    if spec.client_may(table, spec.Command.UPDATE, {table.update_column}):
        edit = actions.update_row(table.name, row["id"], {table.update_column: table.update_value})
        assert actions.attempt(conn, cast.other.claims, edit).outcome(table.name) == Outcome.ALLOWED


@pytest.mark.parametrize(
    "table",
    [t for t in ATHLETE_TABLES if spec.client_may(t, spec.Command.UPDATE, {t.owner_column or ""})],
    ids=lambda t: t.name,
)
def test_update_policy_alone_stops_the_move(
    factories_bound: Connection, cast: Cast, table: spec.TableSpec
):
    """With the trigger off, the update policy's with check still refuses the new owner.

    The move reads no column (``where true``): a WHERE on ``id`` would make
    PostgreSQL check the SELECT policy on the new row too, hiding a broken
    update policy.
    """
    conn = factories_bound
    row = movers_row(cast, table)
    assert table.owner_column is not None
    before = as_owner(conn, cast, table.name, row["id"])
    disable_owner_trigger(conn, table.name)
    move = actions.update_all(table.name, {table.owner_column: destination(cast, table)})

    result = actions.attempt(conn, cast.other.claims, move)

    assert result.current_user == "authenticated"
    assert result.outcome(table.name) == Outcome.RLS_DENIED
    assert as_owner(conn, cast, table.name, row["id"]) == before


@pytest.mark.parametrize("table", ATHLETE_TABLES, ids=lambda t: t.name)
def test_service_role_cannot_move_a_row_either(
    factories_bound: Connection, cast: Cast, table: spec.TableSpec
):
    """The trigger holds for the backend: BYPASSRLS does not make owners mutable."""
    conn = factories_bound
    row = movers_row(cast, table)
    assert table.owner_column is not None
    before = actions.snapshot(conn, table.name, row["id"])
    move = actions.update_row(table.name, row["id"], {table.owner_column: destination(cast, table)})

    result = actions.attempt(conn, service_claims(), move)

    assert result.current_user == "service_role"
    assert_owner_change_refused(result, spec.TABLES_BY_NAME[table.name])
    assert actions.snapshot(conn, table.name, row["id"]) == before


@pytest.mark.parametrize("link", COMPOSITE_LINKS, ids=lambda link: link.constraint)
def test_child_cannot_move_with_its_parent_key(
    factories_bound: Connection, cast: Cast, victim_graph: Graph, link: Link
):
    """Re-pointing a child at the victim's parent together with the victim's athlete_id fails."""
    conn = factories_bound
    table = spec.TABLES_BY_NAME[link.table]
    row = movers_row(cast, table)
    before = as_owner(conn, cast, table.name, row["id"])
    move = actions.update_row(
        table.name,
        row["id"],
        {link.column: str(victim_graph[link.parent]["id"]), "athlete_id": destination(cast, table)},
    )

    result = actions.attempt(conn, cast.other.claims, move)

    assert result.current_user == "authenticated"
    if spec.client_may(table, spec.Command.UPDATE, {link.column, "athlete_id"}):
        assert_owner_change_refused(result, table)
    else:
        assert result.outcome(table.name) == Outcome.NO_GRANT
    assert as_owner(conn, cast, table.name, row["id"]) == before
