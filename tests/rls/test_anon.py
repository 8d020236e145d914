"""The anonymous visitor (role anon, no ``sub``) reads reference data and nothing else.

Driven by the catalog, not the spec: a table added later is covered the day
it appears. (Anonymous *sign-ins* are role authenticated and are athletes:
see the ``anonymous_owner`` / ``anonymous_stranger`` columns of the matrix.)
"""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import DictRow

from factories.reference import AchievementDefinitionFactory, ExerciseFactory
from tests.rls import actions
from tests.rls.rows import Cast
from tests.support import access_matrix as spec
from tests.support import catalog
from tests.support.impersonation import anon_claims

Connection = psycopg.Connection[DictRow]
REFERENCE = {table.name for table in spec.reference_tables()}


def count_all(table: str) -> actions.Statement:
    """``select count(*) from t`` (the whole table, as a list endpoint would)."""

    def run(conn: Connection) -> psycopg.Cursor[DictRow]:
        query = sql.SQL("select count(*) as n from {}").format(actions.table_sql(table))
        return conn.execute(query)

    return run


def write_all(table: str, command: str) -> actions.Statement:
    """A write that touches the whole table; the grant check refuses it before any row."""

    def run(conn: Connection) -> psycopg.Cursor[DictRow]:
        query = {
            "insert": sql.SQL("insert into {} default values"),
            "update": sql.SQL("update {} set id = id"),
            "delete": sql.SQL("delete from {}"),
            "truncate": sql.SQL("truncate {}"),
        }[command]
        return conn.execute(query.format(actions.table_sql(table)))

    return run


@pytest.fixture
def migration_tables(conn: Connection) -> list[str]:
    """Every public table of migration 001 (knowledge_chunks pre-dates it)."""
    return [t.name for t in catalog.tables(conn, exclude=spec.PUBLIC_WITHOUT_RLS)]


def test_anon_reads_every_reference_row(factories_bound: Connection):
    """Each reference table shows anon exactly the rows postgres sees."""
    ExerciseFactory()
    AchievementDefinitionFactory()
    for table in sorted(REFERENCE):
        everything = count_all(table)(factories_bound).fetchone()
        seen = actions.attempt(factories_bound, anon_claims(), count_all(table))
        assert seen.current_user == "anon"
        assert seen.rows == [everything], table
        assert everything["n"] > 0, table


def test_anon_cannot_read_athlete_data(conn: Connection, migration_tables: list[str]):
    """Every non-reference table answers anon 'permission denied', not an empty list."""
    outcomes = {
        table: actions.attempt(conn, anon_claims(), count_all(table)).outcome(table)
        for table in migration_tables
        if table not in REFERENCE
    }
    assert outcomes
    assert set(outcomes.values()) == {spec.Outcome.NO_GRANT}, outcomes


@pytest.mark.parametrize("command", ["insert", "update", "delete", "truncate"])
def test_anon_cannot_write_anything(conn: Connection, migration_tables: list[str], command: str):
    """No table of the migration accepts a write from anon, reference tables included."""
    outcomes = {
        table: actions.attempt(conn, anon_claims(), write_all(table, command)).outcome(table)
        for table in migration_tables
    }
    assert set(outcomes.values()) == {spec.Outcome.NO_GRANT}, outcomes


@pytest.mark.parametrize("command", ["insert", "update", "delete", "truncate"])
def test_signed_in_users_cannot_write_reference_tables(
    factories_bound: Connection, cast: Cast, command: str
):
    """Athletes (anonymous sign-ins too) get 'permission denied' on every reference write."""
    for person in (cast.victim, cast.anonymous):
        for table in sorted(REFERENCE):
            result = actions.attempt(factories_bound, person.claims, write_all(table, command))
            assert result.current_user == "authenticated"
            assert result.outcome(table) == spec.Outcome.NO_GRANT, (person.anonymous, table)


def test_anon_cannot_reach_the_private_helpers(conn: Connection):
    """The private schema is not anon's: current_athlete_id() is 'permission denied'."""
    result = actions.attempt(
        conn,
        anon_claims(),
        lambda c: c.execute("select private.current_athlete_id() as id"),
    )
    assert result.current_user == "anon"
    assert result.sqlstate == "42501"
    assert result.message == "permission denied for schema private"


@pytest.mark.parametrize("who", ["anon", "athlete"])
def test_clients_cannot_read_auth_users(factories_bound: Connection, cast: Cast, who: str):
    """auth.users (emails, metadata) stays closed to every client role."""
    claims = anon_claims() if who == "anon" else cast.victim.claims
    result = actions.attempt(
        factories_bound,
        claims,
        lambda c: c.execute("select count(*) as n from auth.users"),
    )
    assert result.sqlstate == "42501"
    assert result.message == "permission denied for table users"


@pytest.mark.xfail(
    strict=True,
    reason="pre-existing Supabase default grants: anon holds ALL on knowledge_chunks "
    "(RLS off by design); see docs/design_decisions.md, 6.2",
)
@pytest.mark.parametrize("command", ["insert", "update", "delete", "truncate"])
def test_anon_cannot_write_knowledge_chunks(conn: Connection, command: str):
    """Public read must not mean public write: the RAG corpus is the backend's."""
    result = actions.attempt(conn, anon_claims(), write_all("knowledge_chunks", command))
    assert result.outcome("knowledge_chunks") == spec.Outcome.NO_GRANT
