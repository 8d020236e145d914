"""Migration 001 as an operation: applies on production state, atomic, run-once, non-invasive."""

import re
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors

from tests.support.brief import NEW_TABLES
from tests.support.loaders import execute_script

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
    """Rows, RLS flag, grants, indexes and RPC definitions of the pre-existing objects."""
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


def test_migration_is_a_single_explicit_transaction(migration_path: Path) -> None:
    """The file's first statement is begin, its last commit, and nothing else ends it early."""
    statements = [
        line.strip().lower()
        for line in migration_path.read_text().splitlines()
        if re.match(r"^\s*(begin|commit|rollback|end|savepoint|release)\b\s*;", line, re.I)
    ]
    assert statements == ["begin;", "commit;"]
    code = [
        line
        for line in migration_path.read_text().splitlines()
        if line.strip() and not line.strip().startswith("--")
    ]
    assert code[0].strip() == "begin;"
    assert code[-1].strip() == "commit;"


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


def test_a_second_run_fails_loudly_and_changes_nothing(
    db_before: Conn, migration_path: Path
) -> None:
    """Running the migration again raises a clear error and leaves the catalog as it was."""
    execute_script(db_before, migration_path)
    after_first = fingerprint(db_before)
    with pytest.raises(errors.DuplicateObject, match="already been applied"):
        run_script(db_before, migration_path.read_text())
    assert fingerprint(db_before) == after_first


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
