"""Every migration as an operation: applies on the previous state, atomic, run-once,
non-invasive. The per-migration tests are generated from the chain (hyrox_schema/chain.py), so a
new migrations/NNN_name.sql gets them without a hand-written test; 001 keeps its own, deeper
ones (the brief's 16 tables, failures injected at each section).
"""

import re
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors

from hyrox_schema.chain import (
    EXTERNAL_CHANGES,
    SELECTION,
    Migration,
    discover,
    end_of_guard,
    guard_problems,
    transaction_problems,
)
from hyrox_schema.loaders import execute_script
from tests.support.brief import NEW_TABLES

Conn = psycopg.Connection[Any]

# Everything a migration could create, alter or drop, as comparable rows.
FINGERPRINT_QUERIES = {
    "schemas": "select nspname, nspacl::text from pg_namespace",
    "relations": """
        select n.nspname, c.relname, c.relkind, c.relrowsecurity, c.relacl::text
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
    """,
    "columns": """
        select c.oid::regclass::text, a.attname, format_type(a.atttypid, a.atttypmod),
               a.attnotnull, a.attacl::text
        from pg_attribute a join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
          and a.attnum > 0 and not a.attisdropped
    """,
    "functions": """
        select n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
               md5(pg_get_functiondef(p.oid)), p.proacl::text
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname not in ('pg_catalog', 'information_schema') and p.prokind = 'f'
    """,
    "constraints": "select conrelid::regclass::text, conname from pg_constraint"
    " where conrelid <> 0",
    "policies": "select schemaname, tablename, policyname from pg_policies",
    "triggers": "select tgrelid::regclass::text, tgname from pg_trigger where not tgisinternal",
    "extensions": "select e.extname, n.nspname from pg_extension e join pg_namespace n"
    " on n.oid = e.extnamespace",
    "default_acls": "select defaclrole::regrole::text, defaclnamespace, defaclobjtype,"
    " defaclacl::text from pg_default_acl",
    "comments": "select objoid, classoid, objsubid, md5(description) from pg_description",
}

KNOWLEDGE_CHUNKS_STATE = """
    select count(*) as row_count,
           md5(string_agg(k::text, '|' order by k.id)) as content_md5,
           (select relrowsecurity from pg_class where oid = 'public.knowledge_chunks'::regclass)
             as rls_enabled,
           (select relacl::text from pg_class where oid = 'public.knowledge_chunks'::regclass)
             as acl,
           (select array_agg(format('%s:%s:%s:%s', a.grantee::regrole, a.privilege_type,
                                    a.grantor::regrole, a.is_grantable) order by 1)
              from pg_class as c,
                   aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) as a
             where c.oid = 'public.knowledge_chunks'::regclass) as grants,
           (select row(c.relowner::regrole, c.relforcerowsecurity,
                       md5(obj_description(c.oid, 'pg_class')))::text
              from pg_class as c where c.oid = 'public.knowledge_chunks'::regclass) as table_facts,
           (select string_agg(format('%s %s %s %s %s', a.attname,
                                     format_type(a.atttypid, a.atttypmod), a.attnotnull,
                                     a.attacl, md5(col_description(a.attrelid, a.attnum))),
                              ', ' order by a.attnum)
              from pg_attribute as a
             where a.attrelid = 'public.knowledge_chunks'::regclass
               and a.attnum > 0 and not a.attisdropped) as columns,
           (select string_agg(indexdef, ';' order by indexname) from pg_indexes
             where schemaname = 'public' and tablename = 'knowledge_chunks') as indexes,
           (select string_agg(md5(pg_get_functiondef(p.oid)) || coalesce(p.proacl::text, ''),
                              ';' order by p.proname)
              from pg_proc p where p.pronamespace = 'public'::regnamespace
               and p.proname in ('hybrid_search_chunks', 'match_chunks')) as rpcs
    from public.knowledge_chunks k
"""


def fingerprint(conn: Conn) -> dict[str, list[tuple[Any, ...]]]:
    """Sorted catalog rows per object kind: equal fingerprints mean nothing changed."""
    result = {}
    with conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        for kind, query in FINGERPRINT_QUERIES.items():
            cur.execute(query)
            result[kind] = sorted(cur.fetchall(), key=repr)
    return result


def knowledge_chunks_state(conn: Conn) -> dict[str, Any]:
    """Rows, columns, owner, comments, RLS flags, grants, indexes and RPC definitions of the
    pre-existing objects."""
    row = conn.execute(KNOWLEDGE_CHUNKS_STATE).fetchone()
    assert row is not None
    return dict(row)


def public_tables(conn: Conn) -> set[str]:
    """Names of the ordinary tables in schema public."""
    rows = conn.execute("select tablename from pg_tables where schemaname = 'public'").fetchall()
    return {r["tablename"] for r in rows}


def inject_failure(script: str, before: str) -> str:
    """The migration with a statement that fails inserted before the marker line."""
    index = script.rindex(before)
    return script[:index] + "select 1 / 0;  -- injected failure\n" + script[index:]


def run_script(conn: Conn, script: str) -> None:
    """Execute a whole script in one call; on failure, end the aborted transaction block."""
    try:
        conn.execute(script)  # type: ignore[arg-type]  # the migration text, not a literal
    except psycopg.Error:
        conn.execute("rollback")
        raise


def test_migration_applies_on_the_production_state(db_before: Conn, migration_path: Path) -> None:
    """On the pre-001 state, the migration creates exactly the 16 tables of the brief."""
    assert public_tables(db_before) == {"knowledge_chunks"}
    execute_script(db_before, migration_path)
    assert public_tables(db_before) == NEW_TABLES | {"knowledge_chunks"}


CHAIN = SELECTION.chain()


def apply_predecessors(conn: Conn, migration: Migration) -> None:
    """Bring a before-001 clone to the state just before ``migration`` (the chain up to N-1)."""
    for earlier in CHAIN:
        if earlier.number < migration.number:
            execute_script(conn, earlier.path)


@pytest.mark.parametrize("migration", CHAIN, ids=lambda m: m.label)
def test_migration_is_a_single_explicit_transaction(migration: Migration) -> None:
    """The file's first statement is begin, its last commit, and nothing else ends it early."""
    assert transaction_problems(migration) == []


@pytest.mark.parametrize("migration", CHAIN, ids=lambda m: m.label)
def test_migration_starts_with_a_guard_that_names_it(migration: Migration) -> None:
    """Right after begin, a do block raises duplicate_object 'migration <stem> has already been
    applied' (the guard convention, hyrox_schema/chain.py)."""
    assert guard_problems(migration) == []


@pytest.mark.parametrize("migration", CHAIN, ids=lambda m: m.label)
def test_migration_applies_on_the_previous_state(db_before: Conn, migration: Migration) -> None:
    """On the database at N-1 (the chain before it), the migration runs without an error."""
    apply_predecessors(db_before, migration)
    execute_script(db_before, migration.path)
    status = db_before.execute("select 1 as ok").fetchone()
    assert status == {"ok": 1}
    assert db_before.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


@pytest.mark.parametrize("where", ["after-guard", "before-commit"])
@pytest.mark.parametrize("migration", CHAIN, ids=lambda m: m.label)
def test_a_failure_in_any_migration_leaves_nothing_behind(
    db_before: Conn, migration: Migration, where: str
) -> None:
    """A statement failing after the guard or just before commit rolls the whole file back."""
    apply_predecessors(db_before, migration)
    before = fingerprint(db_before)
    chunks_before = knowledge_chunks_state(db_before)
    script = migration.text
    at = end_of_guard(script) if where == "after-guard" else script.rindex("commit;")
    with pytest.raises(errors.DivisionByZero):
        run_script(db_before, script[:at] + "select 1 / 0;  -- injected failure\n" + script[at:])
    assert fingerprint(db_before) == before
    assert knowledge_chunks_state(db_before) == chunks_before


@pytest.mark.parametrize("migration", CHAIN, ids=lambda m: m.label)
def test_a_second_run_of_any_migration_fails_loudly_and_changes_nothing(
    db_before: Conn, migration: Migration
) -> None:
    """Run twice, the guard stops the second run with its message; the catalog is unchanged."""
    apply_predecessors(db_before, migration)
    execute_script(db_before, migration.path)
    after_first = fingerprint(db_before)
    with pytest.raises(errors.DuplicateObject, match=re.escape(migration.guard_message)):
        run_script(db_before, migration.text)
    assert fingerprint(db_before) == after_first


@pytest.mark.parametrize("migration", CHAIN, ids=lambda m: m.label)
def test_any_migration_leaves_knowledge_chunks_and_rpcs_untouched(
    db_before: Conn, migration: Migration
) -> None:
    """knowledge_chunks' rows, columns, RLS flag, grants and indexes and the two RPCs survive
    it, but for the one change hyrox_schema/chain.EXTERNAL_CHANGES declares for it (which
    must then happen exactly as declared)."""
    apply_predecessors(db_before, migration)
    before = knowledge_chunks_state(db_before)
    execute_script(db_before, migration.path)
    after = knowledge_chunks_state(db_before)
    change = migration.external_change
    if change is None:
        assert after == before
        return
    assert change.table == "public.knowledge_chunks", "only knowledge_chunks is watched here"
    grants = {"acl", "grants"}
    assert {k: v for k, v in after.items() if k not in grants} == {
        k: v for k, v in before.items() if k not in grants
    }
    expected = change.expected_grants(frozenset(before["grants"]))
    assert expected != frozenset(before["grants"]), "the declared change is already there"
    actual = frozenset(after["grants"])
    assert (sorted(expected - actual), sorted(actual - expected)) == ([], []), (
        "knowledge_chunks grants (lost, kept or added) against chain.EXTERNAL_CHANGES"
    )


@pytest.mark.parametrize(
    "marker",
    [
        "-- Section: extensions",
        "create table public.athlete_profiles",
        "-- Section: indexes",
        "-- Section: row level security",
        "commit;",
    ],
    ids=["after-guard", "after-reference-tables", "before-indexes", "before-rls", "before-commit"],
)
def test_a_failure_anywhere_leaves_nothing_behind(
    db_before: Conn, migration_path: Path, marker: str
) -> None:
    """A statement failing at any point of the migration rolls back every earlier change."""
    before = fingerprint(db_before)
    chunks_before = knowledge_chunks_state(db_before)
    with pytest.raises(errors.DivisionByZero):
        run_script(db_before, inject_failure(migration_path.read_text(), marker))
    assert fingerprint(db_before) == before
    assert knowledge_chunks_state(db_before) == chunks_before


def test_knowledge_chunks_and_rpcs_are_untouched(db_before: Conn, migration_path: Path) -> None:
    """knowledge_chunks keeps its 239 rows, RLS off, grants and indexes; the RPCs are unchanged."""
    before = knowledge_chunks_state(db_before)
    assert before["row_count"] == 239
    assert before["rls_enabled"] is False
    execute_script(db_before, migration_path)
    assert knowledge_chunks_state(db_before) == before


def test_rpcs_still_answer_after_the_migration(db_before: Conn, migration_path: Path) -> None:
    """match_chunks and hybrid_search_chunks return the query chunk first after 001."""
    execute_script(db_before, migration_path)
    chunk = db_before.execute(
        "select id, embedding from public.knowledge_chunks order by id limit 1"
    ).fetchone()
    assert chunk is not None
    matched = db_before.execute(
        "select id from public.match_chunks(%s, 0.0, 5)", (chunk["embedding"],)
    ).fetchall()
    assert matched[0]["id"] == chunk["id"]
    hybrid = db_before.execute(
        "select id from public.hybrid_search_chunks(%s, %s, 5)",
        ("sled push", chunk["embedding"]),
    ).fetchall()
    assert chunk["id"] in {r["id"] for r in hybrid}


def test_every_declared_external_change_names_a_migration_of_the_chain() -> None:
    """A declaration in chain.EXTERNAL_CHANGES is for a migration that exists (no stale line)."""
    stems = {m.stem for m in discover(SELECTION.folder)}
    assert set(EXTERNAL_CHANGES) - stems == set()
