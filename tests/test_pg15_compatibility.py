"""Migration 001 runs unchanged on PostgreSQL 15 and builds the same schema as on PG 18.

Supabase projects run PG 15 or 17; the embedded engine is PG 18, where syntax
newer than 15 would slip through. Here the file runs on a real PG 15 server
(tests/support/pg15.py) over the same Supabase stand-in, and its catalog is
compared with the PG 18 template's. The only thing faked on PG 15 is the
pgvector extension row (see pg15.VECTOR_STUB_SQL): the migration creates no
vector column.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg import errors
from psycopg.rows import DictRow, dict_row

import tests.contract as contract
from tests.contract import reader
from tests.support import catalog, loaders, pg15
from tests.support.brief import NEW_TABLES

pytestmark = pytest.mark.slow

Conn = psycopg.Connection[Any]


# Every named constraint of the new tables. NOT NULL rows (contype 'n') are left
# out: PG 18 records NOT NULL as constraints, PG 15 does not (columns compare it).
CONSTRAINTS = """
    select c.relname as table, con.conname as name, con.contype::text as kind,
           pg_get_constraintdef(con.oid, true) as definition
    from pg_constraint as con
    join pg_class as c on c.oid = con.conrelid
    where c.relnamespace = 'public'::regnamespace and c.relname = any(%(tables)s)
      and con.contype <> 'n'
    order by 1, 2
"""

# Effective privileges of the API roles, asked one by one: ACL strings differ by
# version (PG 17+ adds MAINTAIN to ALL), the answers to these questions must not.
TABLE_PRIVILEGES = """
    select t as table, r as role, p as privilege,
           has_table_privilege(r, format('public.%%I', t), p) as granted
    from unnest(%(tables)s::text[]) as t, unnest(%(roles)s::text[]) as r,
         unnest(array['select', 'insert', 'update', 'delete', 'truncate', 'references',
                      'trigger']) as p
    order by 1, 2, 3
"""

COLUMN_PRIVILEGES = """
    select c.relname as table, a.attname as column, r as role, p as privilege,
           has_column_privilege(r, c.oid, a.attnum, p) as granted
    from pg_class as c
    join pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped,
         unnest(%(roles)s::text[]) as r,
         unnest(array['select', 'insert', 'update', 'references']) as p
    where c.relnamespace = 'public'::regnamespace and c.relname = any(%(tables)s)
    order by 1, 2, 3, 4
"""

API_ROLES = ["anon", "authenticated", "service_role"]


def rows_of(query: str) -> Callable[[Conn], list[Any]]:
    """A snapshot taking every row of ``query`` over the new tables and the API roles."""

    def snapshot(conn: Conn) -> list[Any]:
        params = {"tables": sorted(NEW_TABLES), "roles": API_ROLES}
        with conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(query, params).fetchall()  # type: ignore[arg-type]  # a constant

    return snapshot


def run_script(conn: Conn, script: str) -> None:
    """Execute a whole script in one call; on failure, end its aborted transaction block."""
    try:
        conn.execute(script)  # type: ignore[arg-type]  # the migration text, not a literal
    except psycopg.Error:
        conn.execute("rollback")
        raise


def public_rows(rows: list[Any]) -> list[Any]:
    """Catalog rows minus those of the pre-existing tables (loaded without pgvector on PG 15)."""
    return [r for r in rows if r.table not in catalog.PRE_EXISTING_TABLES]


SNAPSHOTS: dict[str, Callable[[Conn], list[Any]]] = {
    # the owner is whoever ran the migration (postgres here, supabase_admin on the image)
    "tables": lambda c: [
        dataclasses.replace(t, owner="<migration role>")
        for t in catalog.tables(c, exclude=catalog.PRE_EXISTING_TABLES)
    ],
    "columns": lambda c: [col for t in sorted(NEW_TABLES) for col in catalog.columns(c, t)],
    "policies": lambda c: public_rows(catalog.policies(c)),
    "triggers": lambda c: public_rows(catalog.triggers(c)),
    "indexes": lambda c: public_rows(catalog.indexes(c)),
    "constraints": rows_of(CONSTRAINTS),
    "check-constraints": lambda c: public_rows(catalog.check_constraints(c)),
    "foreign-keys": lambda c: public_rows(catalog.foreign_keys(c)),
    "private-functions": lambda c: catalog.functions(c, schema="private"),
    "table-privileges": rows_of(TABLE_PRIVILEGES),
    "column-privileges": rows_of(COLUMN_PRIVILEGES),
}


@pytest.fixture(scope="module")
def pg15_migrated() -> Iterator[tuple[str, reader.Baseline]]:
    """A PG 15 cluster with the Supabase stand-in + migration 001: conninfo, pre-001 baseline."""
    directory = pg15.bindir()
    missing = pg15.missing_binaries(directory)
    if missing:
        pytest.skip(
            f"PostgreSQL 15 binaries {missing} not found in {directory} "
            f"(install postgresql-15 or set {pg15.BINDIR_ENV})"
        )
    with pg15.pg15_cluster(directory) as dsn:
        pg15.load_stand_in(dsn)
        with psycopg.connect(dsn) as conn:
            before = reader.baseline(conn)
        pg15.apply_migration(dsn)
        yield dsn, before


@pytest.fixture(scope="module")
def pg15_dsn(pg15_migrated: tuple[str, reader.Baseline]) -> str:
    """Conninfo of the migrated PG 15 database."""
    return pg15_migrated[0]


@pytest.fixture
def pg15_conn(pg15_dsn: str) -> Iterator[psycopg.Connection[DictRow]]:
    """Autocommit superuser connection (dict rows) to the migrated PG 15 database."""
    with psycopg.connect(pg15_dsn, autocommit=True, row_factory=dict_row) as connection:
        yield connection


def test_the_server_is_postgresql_15(pg15_conn: Conn) -> None:
    """The compatibility server really is PG 15 (not the embedded PG 18)."""
    assert 150000 <= pg15.server_version_num(pg15_conn) < 160000


def test_migrations_create_the_contracts_tables_on_pg15(pg15_conn: Conn) -> None:
    """On PG 15 the migrations create exactly the contract's tables, the brief's 16 among them."""
    names = {t.name for t in catalog.tables(pg15_conn, exclude=catalog.PRE_EXISTING_TABLES)}
    assert names >= NEW_TABLES
    assert names == set(contract.load().tables())


@pytest.mark.parametrize("kind", list(SNAPSHOTS), ids=list(SNAPSHOTS))
def test_pg15_schema_matches_pg18(pg15_conn: Conn, conn: Conn, kind: str) -> None:
    """The PG 15 catalog equals the PG 18 template's for each object kind."""
    snapshot = SNAPSHOTS[kind]
    on_pg15, on_pg18 = snapshot(pg15_conn), snapshot(conn)
    assert on_pg18, f"no {kind} on PG 18: the comparison would prove nothing"
    assert on_pg15 == on_pg18


def test_a_second_run_on_pg15_fails_with_already_applied(pg15_conn: Conn) -> None:
    """Run again on PG 15, the migration stops at its guard and changes nothing."""
    before = {kind: snapshot(pg15_conn) for kind, snapshot in SNAPSHOTS.items()}
    script = loaders.migration_path().read_text(encoding="utf-8")
    with pytest.raises(errors.DuplicateObject, match="already been applied"):
        run_script(pg15_conn, script)
    assert {kind: snapshot(pg15_conn) for kind, snapshot in SNAPSHOTS.items()} == before


def test_pg15_writes_the_committed_contract(pg15_migrated: tuple[str, reader.Baseline]):
    """PostgreSQL 15 writes the contract PG 18 wrote, byte for byte.

    external.txt records only what the migration changes on objects it does not own,
    so the pgvector table PG 15 does not load is no exception.
    """
    dsn, before = pg15_migrated
    with psycopg.connect(dsn) as conn:
        on_pg15 = contract.render_files(reader.read(conn, before))
    diffs = contract.differences(contract.load().files, on_pg15)
    assert diffs == [], "\n".join(diffs)
