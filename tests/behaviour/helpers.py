"""Plain helpers of the behaviour tests: expected failures, trigger bypass, row lookups."""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import DictRow, dict_row, tuple_row

import factories
from factories.base import PgFactory
from hyrox_schema import catalog
from hyrox_schema.race_import import ImportReport, Result
from hyrox_schema.upgrade import owned_tables
from tests.tables import declarations

Conn = psycopg.Connection[Any]

#: Tables the migration does not own (pre-existing production state).
PRE_EXISTING_TABLES = catalog.PRE_EXISTING_TABLES


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


#: Where table factories live: the ``factories`` package, and a declaration that carries its
#: table's factory (what ``hyrox-scaffold`` writes: tests/tables/<table>.py).
FACTORY_HOMES = ("factories.", "tests.tables.")


def all_factories() -> list[type[PgFactory]]:
    """Every concrete table factory of the ``factories`` package and of the declarations
    (all modules imported); a throw-away factory a test module defines is not one."""
    for module in pkgutil.iter_modules(factories.__path__):
        importlib.import_module(f"factories.{module.name}")
    declarations()
    found: list[type[PgFactory]] = []
    stack: list[type[PgFactory]] = [PgFactory]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if not sub._meta.abstract and sub.__module__.startswith(FACTORY_HOMES):
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


def athlete_row_counts(conn: Conn, athlete_id: Any, user_id: Any) -> dict[str, int]:  # noqa: ANN401
    """Rows of one athlete in every table that holds athlete data: each owned table, the
    profile and the auth user."""
    counts = {
        t: count(conn, t, athlete_id=athlete_id)
        for t, column in owned_tables(conn)
        if column == "athlete_id"
    }
    counts["athlete_profiles"] = count(conn, "athlete_profiles", id=athlete_id)
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute("select count(*) from auth.users where id = %s", (user_id,))
        row = cur.fetchone()
    assert row is not None
    counts["auth.users"] = int(row[0])
    return counts


def assert_link_consistent(conn: Conn, athlete_id: Any) -> None:  # noqa: ANN401 - a uuid
    """Both sides agree for every row of the athlete, and the deferred uniques hold now."""
    days = conn.execute(
        "select d.id, d.linked_workout_log_id, d.is_completed, l.training_plan_day_id,"
        " l.completion_status, l.deleted_at from training_plan_days as d"
        " left join workout_logs as l on l.id = d.linked_workout_log_id"
        " where d.athlete_id = %s",
        (athlete_id,),
    ).fetchall()
    for d in days:
        if d["linked_workout_log_id"] is not None:
            assert d["training_plan_day_id"] == d["id"], "day points at a log that is elsewhere"
        derived = (
            d["linked_workout_log_id"] is not None
            and d["completion_status"] in ("completed", "partial")
            and d["deleted_at"] is None
        )
        assert d["is_completed"] == derived
    logs = conn.execute(
        "select l.id, d.linked_workout_log_id from workout_logs as l"
        " left join training_plan_days as d on d.id = l.training_plan_day_id"
        " where l.athlete_id = %s and l.training_plan_day_id is not null",
        (athlete_id,),
    ).fetchall()
    assert all(r["linked_workout_log_id"] == r["id"] for r in logs), "log points at a day it lost"
    with conn.transaction(force_rollback=True):  # the mode reverts with the savepoint
        conn.execute("set constraints all immediate")


@dataclass(frozen=True)
class RealImport:
    """The committed fixture import: who owns which results, what the import reported."""

    conn: psycopg.Connection[DictRow]
    """Superuser connection (autocommit) to the clone holding the import."""
    athletes: dict[uuid.UUID, list[Result]]
    """auth user id -> the results imported as that athlete."""
    report: ImportReport
    seconds: float
    """Wall time of the import itself (every athlete's request), not of the setup."""
