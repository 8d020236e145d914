"""The anonymous visitor (role anon, no ``sub``) reads reference data and nothing else; every
client reads the RAG corpus (knowledge_chunks) and none writes it.

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
from hyrox_schema import catalog
from hyrox_schema.impersonation import anon_claims, service_claims
from tests.rls import actions
from tests.rls.rows import Cast
from tests.support import access_matrix as spec

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


# --------------------------------------------------------------------------- knowledge_chunks
# The RAG corpus pre-dates the migrations and keeps RLS off: public read (the brief). Writing it
# is the backend's: migration 002 took the write grants Supabase's defaults gave the API client
# roles (docs/design_decisions.md 6.2). Clients: the anon key, an athlete, an anonymous sign-in.
CHUNKS = "knowledge_chunks"
CLIENTS = ["anon", "athlete", "anonymous sign-in"]


def client_claims(cast: Cast, who: str) -> dict[str, object]:
    """The request claims of one kind of client."""
    return {
        "anon": anon_claims(),
        "athlete": cast.victim.claims,
        "anonymous sign-in": cast.anonymous.claims,
    }[who]


@pytest.mark.parametrize("command", ["insert", "update", "delete", "truncate"])
@pytest.mark.parametrize("who", CLIENTS)
def test_clients_cannot_write_knowledge_chunks(
    factories_bound: Connection, cast: Cast, who: str, command: str
):
    """Public read does not mean public write: every client write is 'permission denied'."""
    result = actions.attempt(factories_bound, client_claims(cast, who), write_all(CHUNKS, command))
    assert result.current_user == ("anon" if who == "anon" else "authenticated")
    assert result.outcome(CHUNKS) == spec.Outcome.NO_GRANT, result.message


@pytest.mark.parametrize("who", CLIENTS)
def test_clients_still_read_every_knowledge_chunk(
    factories_bound: Connection, cast: Cast, who: str
):
    """Every client sees every chunk postgres sees (RLS stays off, SELECT stays granted)."""
    everything = count_all(CHUNKS)(factories_bound).fetchone()
    seen = actions.attempt(factories_bound, client_claims(cast, who), count_all(CHUNKS))
    assert seen.error is None, seen.message
    assert seen.rows == [everything]
    assert everything is not None
    assert everything["n"] > 0


@pytest.mark.parametrize("who", CLIENTS)
def test_clients_still_search_knowledge_chunks(factories_bound: Connection, cast: Cast, who: str):
    """match_chunks and hybrid_search_chunks answer every client, the query chunk first."""
    chunk = factories_bound.execute(
        "select id, embedding from public.knowledge_chunks order by id limit 1"
    ).fetchone()
    assert chunk is not None

    def search(conn: Connection) -> psycopg.Cursor[DictRow]:
        return conn.execute(
            "select (select array_agg(m.id) from public.match_chunks(%(e)s, 0.0, 5) as m)"
            " as semantic, (select array_agg(h.id)"
            " from public.hybrid_search_chunks('sled push', %(e)s, 5) as h) as hybrid",
            {"e": chunk["embedding"]},
        )

    result = actions.attempt(factories_bound, client_claims(cast, who), search)
    assert result.error is None, result.message
    (found,) = result.rows
    assert found["semantic"][0] == chunk["id"]
    assert chunk["id"] in found["hybrid"]


@pytest.mark.parametrize(
    "statement",
    [
        "insert into public.knowledge_chunks (id, source_doc, content)"
        " values ('ingest_chunk_000', 'ingest', 'A new chunk from the ingestion job.')",
        "update public.knowledge_chunks set word_count = word_count",
        "delete from public.knowledge_chunks",
        "truncate public.knowledge_chunks",
    ],
    ids=["insert", "update", "delete", "truncate"],
)
def test_the_service_role_still_writes_knowledge_chunks(conn: Connection, statement: str):
    """The backend (service_role key) keeps every write: the ingestion job still works."""
    result = actions.attempt(conn, service_claims(), lambda c: c.execute(statement))  # type: ignore[arg-type]  # a constant
    assert result.current_user == "service_role"
    assert result.error is None, result.message
    assert result.rowcount > 0 or statement.startswith("truncate")
