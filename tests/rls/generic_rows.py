"""Rows built from the catalog alone, for tables the suite has no declaration for yet.

The author-independent security proofs (tests/rls/test_undeclared_tables.py) must judge a new
table before anyone has written its declaration (issue 18.4), so they cannot use its
factory or ``make_row``. :func:`build_row` fills every NOT NULL column without a default by
its type, sets the owner column to the athlete's id, points foreign keys at the athlete's own
parent rows (declared parents through their declaration, undeclared ones built the same way,
recursively; reference parents: an existing row), and satisfies CHECK constraints by trying
the quoted values and numbers the constraint's own definition names. When no combination
works it raises :class:`CannotBuild`, naming the table and the refusals it met.

All rows are written as ``postgres`` (BYPASSRLS) on the factories' connection, inside a
savepoint per attempt.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from hyrox_schema import catalog
from tests.tables import declaration, declared

Conn = psycopg.Connection[Any]
Row = Mapping[str, Any]

MAX_ATTEMPTS = 200
OWNER_COLUMNS = ("athlete_id", "user_id")


class CannotBuild(AssertionError):
    """The catalog does not say enough to build a valid row (the message says what refused)."""


def _by_type(data_type: str) -> list[Any]:
    """Candidate values for a column of ``data_type`` (format_type spelling), safest first."""
    base = data_type.split("(")[0].strip()
    if base.endswith("[]"):
        return [[]]
    candidates: dict[str, list[Any]] = {
        "text": ["Generic value", "x"],
        "character varying": ["Generic value", "x"],
        "uuid": [],
        "integer": [1, 0, 10, 100],
        "smallint": [1, 0, 10],
        "bigint": [1, 0, 1000],
        "numeric": [1, 0, 10, 100],
        "real": [1.0, 0.0],
        "double precision": [1.0, 0.0],
        "boolean": [False, True],
        "date": ["2026-01-05"],
        "timestamp with time zone": ["2026-01-05 12:00:00+00"],
        "timestamp without time zone": ["2026-01-05 12:00:00"],
        "time without time zone": ["12:00:00"],
        "interval": ["1 hour"],
        "jsonb": [Jsonb({}), Jsonb([])],
        "json": [Jsonb({})],
    }
    return candidates.get(base, ["x"])


def _check_values(checks: list[catalog.CheckConstraint], column: str) -> list[Any]:
    """Values a CHECK on ``column`` names: quoted literals, then numbers (and one past them)."""
    found: list[Any] = []
    for check in checks:
        if column not in check.columns:
            continue
        found += re.findall(r"'([^']*)'::", check.definition)
        for number in re.findall(r"(?<![\w.])(-?\d+(?:\.\d+)?)(?![\w.])", check.definition):
            value = float(number) if "." in number else int(number)
            found += [value, value + 1]
    return list(dict.fromkeys(found))


def _parent_row(conn: Conn, fk: catalog.ForeignKey, athlete: Row, depth: int) -> Row:
    """The athlete's own parent row for ``fk`` (a reference parent: any existing row)."""
    if fk.referenced_schema == "auth":
        return {"id": athlete["user_id"]}
    parent = fk.referenced_table
    if parent == "athlete_profiles":
        return athlete
    parent_columns = {c.name for c in catalog.columns(conn, parent)}
    if "athlete_id" not in parent_columns:  # reference data: an existing row will do
        row = conn.execute(
            sql.SQL("select * from {} limit 1").format(sql.Identifier("public", parent))
        ).fetchone()
        if row is None:
            raise CannotBuild(f"public.{parent} (referenced by {fk.name}) has no row to point at")
        return row
    if declared(parent):
        return declaration(parent).make_row(athlete)
    return build_row(conn, parent, athlete, depth=depth + 1)


def build_row(conn: Conn, table: str, athlete: Row, *, depth: int = 0) -> Row:
    """Insert and return one valid row of ``public.<table>`` owned by ``athlete`` (a profile
    row), built from the catalog only. Raises :class:`CannotBuild` naming what refused."""
    if depth > 4:
        raise CannotBuild(f"public.{table}: foreign keys nest deeper than 4 tables")
    columns = catalog.columns(conn, table)
    names = {c.name for c in columns}
    checks = [c for c in catalog.check_constraints(conn) if c.table == table]
    fks = [fk for fk in catalog.foreign_keys(conn) if fk.table == table]
    fixed: dict[str, Any] = {}
    if "athlete_id" in names:
        fixed["athlete_id"] = athlete["id"]
    elif "user_id" in names:
        fixed["user_id"] = athlete["user_id"]
    for fk in fks:
        required = any(
            c.not_null and c.default is None for c in columns if c.name in fk.columns
        ) or any(col in OWNER_COLUMNS for col in fk.columns)
        if not required or all(col in fixed for col in fk.columns):
            continue
        parent = _parent_row(conn, fk, athlete, depth)
        for column, referenced in zip(fk.columns, fk.referenced_columns, strict=True):
            fixed.setdefault(column, parent[referenced])
    free = [
        c
        for c in columns
        if c.name not in fixed
        and c.not_null
        and c.default is None
        and not c.identity
        and not c.generated
    ]
    options = {
        c.name: _check_values(checks, c.name) + _by_type(c.data_type) or [None] for c in free
    }
    refusals: list[str] = []
    choice = dict.fromkeys(options, 0)
    for _ in range(MAX_ATTEMPTS):
        values = {**fixed, **{c: options[c][choice[c]] for c in options}}
        try:
            with conn.transaction():
                return _insert(conn, table, values)
        except psycopg.errors.CheckViolation as error:
            name = error.diag.constraint_name or ""
            refusals.append(name)
            blamed = next((c.columns for c in checks if c.name == name), [])
            if not _advance(choice, options, [c for c in blamed if c in options]):
                break
        except psycopg.Error as error:
            raise CannotBuild(
                f"public.{table}: a row built from the catalog was refused: "
                f"{error.diag.message_primary} ({error.sqlstate}); declare the table "
                f"(tests/tables/{table}.py, make_row) to let the security proofs use it"
            ) from error
    raise CannotBuild(
        f"public.{table}: no combination of the values its CHECKs name satisfied "
        f"{sorted(set(refusals))}; declare the table (tests/tables/{table}.py, make_row)"
    )


def _advance(choice: dict[str, int], options: Mapping[str, list[Any]], columns: list[str]) -> bool:
    """Move the blamed columns to their next combination (False when exhausted)."""
    if not columns:
        return False
    for column in columns:
        if choice[column] + 1 < len(options[column]):
            choice[column] += 1
            return True
        choice[column] = 0
    return False


def _insert(conn: Conn, table: str, values: Mapping[str, Any]) -> Row:
    query = sql.SQL("insert into {} ({}) values ({}) returning *").format(
        sql.Identifier("public", table),
        sql.SQL(", ").join(sql.Identifier(c) for c in values),
        sql.SQL(", ").join(sql.Placeholder() for _ in values),
    )
    row = conn.execute(query, list(values.values())).fetchone()
    assert row is not None
    return row
