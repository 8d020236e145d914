"""Plain helpers of the behaviour tests: expected failures, trigger bypass, row lookups."""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row, tuple_row

import factories
from factories.base import PgFactory

Conn = psycopg.Connection[Any]

#: Tables the migration does not own (pre-existing production state).
PRE_EXISTING_TABLES = frozenset({"knowledge_chunks"})


@contextlib.contextmanager
def expect_error(
    conn: Conn, error: type[psycopg.Error], constraint: str | None = None
) -> Iterator[pytest.ExceptionInfo[psycopg.Error]]:
    """Expect ``error`` (naming ``constraint`` if given) from the block, inside a savepoint."""
    with pytest.raises(error) as info, conn.transaction():
        yield info
    if constraint is not None:
        assert info.value.diag.constraint_name == constraint, info.value.diag.message_primary


@contextlib.contextmanager
def triggers_disabled(conn: Conn, *tables: str) -> Iterator[None]:
    """Run the block with the user triggers of ``tables`` off (constraint triggers stay on).

    Puts a row into a state only a bypass can produce (a stale updated_at, two logs on one
    day) so the test can show what the schema's own constraints do about it. The ALTERs
    are transactional: rolled back with the test, or re-enabled on a clean exit.
    """
    with conn.transaction():
        for table in tables:
            conn.execute(
                sql.SQL("alter table {} disable trigger user").format(
                    sql.Identifier("public", table)
                )
            )
        yield
        for table in tables:
            conn.execute(
                sql.SQL("alter table {} enable trigger user").format(
                    sql.Identifier("public", table)
                )
            )


def all_factories() -> list[type[PgFactory]]:
    """Every concrete table factory of the ``factories`` package (all modules imported)."""
    for module in pkgutil.iter_modules(factories.__path__):
        importlib.import_module(f"factories.{module.name}")
    found: list[type[PgFactory]] = []
    stack: list[type[PgFactory]] = [PgFactory]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if not sub._meta.abstract:
                found.append(sub)
    return sorted(found, key=lambda f: f.__name__)


def factory_for(table: str) -> type[PgFactory]:
    """The factory writing ``table`` (``schema.name`` or a public table name)."""
    qualified = table if "." in table else f"public.{table}"
    matches = [f for f in all_factories() if f.table() == qualified]
    assert len(matches) == 1, f"expected one factory for {qualified}, found {matches}"
    return matches[0]


def fetch(conn: Conn, table: str, row_id: Any) -> dict[str, Any] | None:  # noqa: ANN401
    """The current row ``id = row_id`` of ``public.table`` (None when gone)."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            sql.SQL("select * from {} where id = %s").format(sql.Identifier("public", table)),
            (row_id,),
        )
        return cur.fetchone()


def count(conn: Conn, table: str, **equals: Any) -> int:  # noqa: ANN401
    """Row count of ``public.table`` whose columns equal ``equals`` (all rows without any)."""
    condition = sql.SQL(" and ").join(
        sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder()) for c in equals
    )
    query = sql.SQL("select count(*) from {} where {}").format(
        sql.Identifier("public", table), condition if equals else sql.SQL("true")
    )
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(query, list(equals.values()))
        row = cur.fetchone()
    assert row is not None
    return int(row[0])
