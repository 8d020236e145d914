"""What an API request runs against one row, and how its outcome is classified.

Every statement is issued inside :func:`hyrox_schema.impersonation.acting_as`
(``set local role`` + ``request.jwt.claims``, as PostgREST does); the role that
actually ran it (``current_user``) is recorded with the outcome, so a test can
prove it did not accidentally run as the owner. Arranging and checking data
happens on the plain ``postgres`` connection outside those blocks.

Writes carry no RETURNING (PostgREST's ``Prefer: return=minimal``): with
RETURNING, or with a WHERE clause that reads a column, PostgreSQL applies the
table's SELECT policy too, which would hide a broken INSERT / UPDATE / DELETE
policy. The "blanket" statements read no column at all (``where true``), so
only the policy of their own command stands between the caller and the rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from hyrox_schema.impersonation import acting_as
from tests.support import access_matrix as spec

Connection = psycopg.Connection[DictRow]
Statement = Callable[[Connection], psycopg.Cursor[DictRow]]
Claims = Mapping[str, Any]

RLS_MESSAGE = re.compile(
    r'new row violates row-level security policy( "[^"]+")? for table "(?P<table>\w+)"'
)
NO_GRANT_MESSAGE = re.compile(r"permission denied for (table|column) (?P<table>\w+)")


def table_sql(table: str) -> sql.Composed:
    """``public.<table>`` as a composed identifier."""
    return sql.SQL("{}").format(sql.Identifier("public", table))


@dataclass(frozen=True)
class Attempt:
    """What one impersonated statement did."""

    current_user: str
    rows: list[DictRow] = field(default_factory=list)
    """Rows a SELECT returned (writes return none: they carry no RETURNING)."""
    rowcount: int = 0
    """Rows the statement returned or affected."""
    error: psycopg.Error | None = None

    @property
    def sqlstate(self) -> str | None:
        """SQLSTATE of the error, if any."""
        return self.error.sqlstate if self.error is not None else None

    @property
    def message(self) -> str:
        """Primary message of the error ('' when the statement succeeded)."""
        if self.error is None:
            return ""
        return self.error.diag.message_primary or str(self.error)

    def outcome(self, table: str) -> spec.Outcome | str:
        """The spec outcome this attempt shows on ``table``, or a description of anything else."""
        if self.error is None:
            return spec.Outcome.ALLOWED if self.rowcount > 0 else spec.Outcome.FILTERED
        if self.sqlstate == "42501":
            rls = RLS_MESSAGE.fullmatch(self.message)
            if rls and rls["table"] == table:
                return spec.Outcome.RLS_DENIED
            denied = NO_GRANT_MESSAGE.fullmatch(self.message)
            if denied and denied["table"] == table:
                return spec.Outcome.NO_GRANT
        return f"error {self.sqlstate}: {self.message}"


def attempt(conn: Connection, claims: Claims, statement: Statement) -> Attempt:
    """Run ``statement`` as the request ``claims`` describe; keep its rows or its error."""
    user = ""
    try:
        with acting_as(conn, claims):
            row = conn.execute("select current_user as role").fetchone()
            assert row is not None
            user = row["role"]
            cur = statement(conn)
            rows = cur.fetchall() if cur.description else []
    except psycopg.Error as error:
        return Attempt(current_user=user, error=error)
    return Attempt(current_user=user, rows=rows, rowcount=cur.rowcount)


# --------------------------------------------------------------------------- statements


def select_row(table: str, row_id: UUID | str) -> Statement:
    """``select * from t where id = $1``."""

    def run(conn: Connection) -> psycopg.Cursor[DictRow]:
        query = sql.SQL("select * from {} where id = %s").format(table_sql(table))
        return conn.execute(query, (row_id,))

    return run


def select_owners(table: str, owner_column: str) -> Statement:
    """``select distinct <owner column> from t``: whose rows the caller can see."""

    def run(conn: Connection) -> psycopg.Cursor[DictRow]:
        query = sql.SQL("select distinct {} as owner from {}").format(
            sql.Identifier(owner_column), table_sql(table)
        )
        return conn.execute(query)

    return run


def insert_record(table: str, record: Mapping[str, Any], *, omit: Iterable[str] = ()) -> Statement:
    """Insert ``record`` (a row as ``to_jsonb`` shows it), leaving ``omit`` to their defaults.

    Generated columns are always left out: the server computes them.
    """
    left_out = set(omit)

    def run(conn: Connection) -> psycopg.Cursor[DictRow]:
        generated = {
            row["attname"]
            for row in conn.execute(
                "select attname from pg_attribute"
                " where attrelid = %s::regclass and attgenerated <> ''",
                (table_sql(table).as_string(conn),),
            )
        }
        columns = [
            sql.Identifier(column)
            for column in record
            if column not in left_out and column not in generated
        ]
        query = sql.SQL(
            "insert into {table} ({columns}) select {columns}"
            " from jsonb_populate_record(null::{table}, %s)"
        ).format(table=table_sql(table), columns=sql.SQL(", ").join(columns))
        return conn.execute(query, (Jsonb(dict(record)),))

    return run


def _assignments(table: str, changes: Mapping[str, Any]) -> tuple[sql.Composed, list[Jsonb]]:
    """``col = <value>`` for each change; each value goes through jsonb_populate_record,
    so any column type takes a JSON value and no column of the row is read."""
    assignments = sql.SQL(", ").join(
        sql.SQL("{col} = (jsonb_populate_record(null::{table}, %s)).{col}").format(
            col=sql.Identifier(column), table=table_sql(table)
        )
        for column in changes
    )
    return assignments, [Jsonb({column: value}) for column, value in changes.items()]


def update_row(table: str, row_id: UUID | str, changes: Mapping[str, Any]) -> Statement:
    """``update t set <changes> where id = $1`` (values given as JSON-able values)."""

    def run(conn: Connection) -> psycopg.Cursor[DictRow]:
        assignments, params = _assignments(table, changes)
        query = sql.SQL("update {} set {} where id = %s").format(table_sql(table), assignments)
        return conn.execute(query, [*params, row_id])

    return run


def update_all(table: str, changes: Mapping[str, Any]) -> Statement:
    """``update t set <changes> where true``: reads no column, so only UPDATE policies apply."""

    def run(conn: Connection) -> psycopg.Cursor[DictRow]:
        assignments, params = _assignments(table, changes)
        query = sql.SQL("update {} set {} where true").format(table_sql(table), assignments)
        return conn.execute(query, params)

    return run


def delete_row(table: str, row_id: UUID | str) -> Statement:
    """``delete from t where id = $1``."""

    def run(conn: Connection) -> psycopg.Cursor[DictRow]:
        query = sql.SQL("delete from {} where id = %s").format(table_sql(table))
        return conn.execute(query, (row_id,))

    return run


def delete_all(table: str) -> Statement:
    """``delete from t where true``: reads no column, so only DELETE policies apply."""

    def run(conn: Connection) -> psycopg.Cursor[DictRow]:
        return conn.execute(sql.SQL("delete from {} where true").format(table_sql(table)))

    return run


# --------------------------------------------------------------------------- arranging (postgres)


def snapshot(conn: Connection, table: str, row_id: UUID) -> dict[str, Any] | None:
    """The row as JSON (``to_jsonb``), read by whoever ``conn`` currently is; None if unseen."""
    query = sql.SQL("select to_jsonb(t) as row from {} as t where t.id = %s").format(
        table_sql(table)
    )
    found = conn.execute(query, (row_id,)).fetchone()
    return None if found is None else dict(found["row"])


def take_out(conn: Connection, table: str, row_id: UUID) -> dict[str, Any]:
    """Remove a row (as postgres) and return it, ready to be inserted again by an actor.

    Runs with ``session_replication_role = replica`` so neither cascades nor
    ``on delete restrict`` fire: a referenced row (a seeded station, a profile
    with data) leaves its references dangling only until the test inserts it
    back, all inside the test's rolled-back transaction.
    """
    record = snapshot(conn, table, row_id)
    assert record is not None, f"{table} {row_id} does not exist"
    with conn.transaction():
        # a SET statement: supautils lets postgres SET it, not set_config() it
        conn.execute("set local session_replication_role = replica")
        conn.execute(sql.SQL("delete from {} where id = %s").format(table_sql(table)), (row_id,))
        conn.execute("set local session_replication_role = origin")
    return record
