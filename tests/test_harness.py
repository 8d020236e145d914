"""The harness tests itself: isolation, impersonation and the Supabase stand-in."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg.rows import DictRow

from hyrox_schema import catalog, options
from hyrox_schema.impersonation import (
    Actor,
    acting_as,
    anon_claims,
    athlete_claims,
    service_claims,
)
from hyrox_schema.server import PgServer

Connection = psycopg.Connection[DictRow]

ISOLATION_USER_ID = uuid.uuid5(uuid.NAMESPACE_URL, "hyrox-ai-coach/tests/harness/isolation")


def insert_user(conn: Connection, user_id: uuid.UUID, email: str) -> None:
    """Insert a minimal confirmed auth.users row, as GoTrue would."""
    conn.execute(
        "insert into auth.users (id, aud, role, email, email_confirmed_at, created_at, updated_at)"
        " values (%s, 'authenticated', 'authenticated', %s, now(), now(), now())",
        (user_id, email),
    )


# --------------------------------------------------------------------------- isolation


@pytest.mark.parametrize("_", range(3))
def test_rollback_isolates_each_test(conn: Connection, _: int):
    """The same auth.users row is inserted by every repetition without a conflict."""
    insert_user(conn, ISOLATION_USER_ID, "isolation@example.com")
    row = conn.execute(
        "select count(*) as n from auth.users where id = %s", (ISOLATION_USER_ID,)
    ).fetchone()
    assert row == {"n": 1}


def test_conn_is_the_owner_in_an_open_transaction(conn: Connection, pg_server: PgServer):
    """``conn`` is the connection user (superuser or BYPASSRLS) inside a test transaction."""
    row = conn.execute(
        "select current_user as who, rolsuper or rolbypassrls as skips_rls"
        " from pg_roles where rolname = current_user"
    ).fetchone()
    assert row == {"who": pg_server.user, "skips_rls": True}
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS


def test_savepoint_contains_an_expected_failure(conn: Connection):
    """A failure inside a nested transaction leaves the test transaction usable."""
    user_id = uuid.uuid4()
    insert_user(conn, user_id, "savepoint@example.com")
    with pytest.raises(psycopg.errors.UniqueViolation), conn.transaction():
        insert_user(conn, user_id, "savepoint-again@example.com")
    row = conn.execute("select count(*) as n from auth.users where id = %s", (user_id,)).fetchone()
    assert row == {"n": 1}


def test_commit_is_refused_on_the_rolled_back_connection(conn: Connection):
    """``conn.commit()`` cannot escape the per-test transaction."""
    with pytest.raises(psycopg.ProgrammingError):
        conn.commit()


# --------------------------------------------------------------------------- clones


@pytest.mark.commits
@pytest.mark.parametrize("_", range(2))
def test_db_clone_is_fresh_and_commits_are_shared(
    db: Connection, connect: Callable[..., Connection], _: int
):
    """A committed table is seen by a second connection, and absent from the next clone."""
    row = db.execute("select to_regclass('public.harness_commit_probe') as t").fetchone()
    assert row == {"t": None}
    db.execute("create table public.harness_commit_probe (id int primary key)")
    db.execute("insert into public.harness_commit_probe values (1)")
    other = connect()
    assert other.execute("select id from public.harness_commit_probe").fetchall() == [{"id": 1}]


@pytest.mark.commits
def test_db_before_lacks_what_db_has(db_before: Connection, db: Connection):
    """The before-001 clone has only the production table; the after-001 clone adds more."""
    before = {t.name for t in catalog.tables(db_before)}
    after = {t.name for t in catalog.tables(db)}
    assert before == set(catalog.PRE_EXISTING_TABLES)
    assert after > before


# --------------------------------------------------------------------------- impersonation


@pytest.mark.parametrize(
    "claims",
    [anon_claims(), athlete_claims(uuid.uuid4()), service_claims()],
    ids=["anon", "authenticated", "service_role"],
)
def test_acting_as_switches_current_user_and_back(
    conn: Connection, pg_server: PgServer, claims: dict[str, Any]
):
    """Inside the block current_user and auth.role() are the JWT's role; after, the owner's."""
    with acting_as(conn, claims):
        row = conn.execute("select current_user as who, auth.role() as role").fetchone()
        assert row == {"who": claims["role"], "role": claims["role"]}
    row = conn.execute("select current_user as who, auth.role() as role").fetchone()
    assert row == {"who": pg_server.user, "role": None}


def test_acting_as_sets_the_auth_helpers(conn: Connection):
    """auth.uid(), auth.email() and auth.jwt() read the claims, and NULL after the block."""
    user_id = uuid.uuid4()
    claims = athlete_claims(user_id, email="hannah@example.com")
    query = "select auth.uid() as uid, auth.email() as email, auth.jwt() as jwt"
    with acting_as(conn, claims):
        row = conn.execute(query).fetchone()
        assert row == {"uid": user_id, "email": "hannah@example.com", "jwt": claims}
    assert conn.execute(query).fetchone() == {"uid": None, "email": None, "jwt": None}


@pytest.mark.commits
def test_auth_helpers_read_post_transaction_settings_as_null(db: Connection):
    """After a request's transaction the claims setting reads '' and the helpers NULL."""
    with acting_as(db, athlete_claims(uuid.uuid4())):
        pass
    row = db.execute(
        "select current_setting('request.jwt.claims', true) as raw,"
        " auth.uid() as uid, auth.role() as role, auth.email() as email, auth.jwt() as jwt"
    ).fetchone()
    assert row == {"raw": "", "uid": None, "role": None, "email": None, "jwt": None}


def test_acting_as_survives_an_expected_error(conn: Connection, pg_server: PgServer):
    """An error inside the block is catchable and the outer transaction goes on as the owner."""
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(conn, anon_claims()):
        conn.execute("select * from auth.users")
    row = conn.execute("select current_user as who, auth.uid() as uid").fetchone()
    assert row == {"who": pg_server.user, "uid": None}


def test_acting_as_nests_and_restores_the_outer_actor(conn: Connection):
    """A nested block restores the outer actor's role and claims on exit."""
    user_id = uuid.uuid4()
    with acting_as(conn, athlete_claims(user_id)):
        with acting_as(conn, service_claims()):
            assert conn.execute("select current_user as who").fetchone() == {"who": "service_role"}
        row = conn.execute("select current_user as who, auth.uid() as uid").fetchone()
        assert row == {"who": "authenticated", "uid": user_id}


def test_acting_as_sets_the_request_search_path(conn: Connection):
    """Like PostgREST, the request runs with search_path public, extensions."""
    before = conn.execute("select current_setting('search_path') as p").fetchone()
    with acting_as(conn, anon_claims()):
        row = conn.execute("select current_setting('search_path') as p").fetchone()
        assert row == {"p": "public, extensions"}
    assert conn.execute("select current_setting('search_path') as p").fetchone() == before


def test_actor_rejects_a_non_api_role():
    """Only anon, authenticated and service_role can be impersonated."""
    with pytest.raises(ValueError, match="not a Supabase API role"):
        Actor.from_claims({"role": "postgres"})


def test_claim_helpers_look_like_supabase_tokens():
    """The helpers produce the claim sets GoTrue and the API keys carry."""
    user_id = uuid.uuid4()
    athlete = athlete_claims(user_id, email="a@example.com")
    anonymous = athlete_claims(user_id, is_anonymous=True)
    assert set(athlete) == {
        "iss", "sub", "aud", "exp", "iat", "email", "phone", "app_metadata",
        "user_metadata", "role", "aal", "amr", "session_id", "is_anonymous",
    }  # fmt: skip
    assert (athlete["role"], athlete["sub"], athlete["is_anonymous"]) == (
        "authenticated",
        str(user_id),
        False,
    )
    assert (anonymous["role"], anonymous["email"], anonymous["is_anonymous"]) == (
        "authenticated",
        "",
        True,
    )
    assert "sub" not in anon_claims()
    assert service_claims()["role"] == "service_role"


# --------------------------------------------------------------------------- the stand-in


@pytest.mark.parametrize(
    "actor", [anon_claims(), athlete_claims(uuid.uuid4())], ids=["anon", "athlete"]
)
def test_api_roles_cannot_read_auth_users(conn: Connection, actor: dict[str, Any]):
    """anon and authenticated have no privilege on auth.users (error 42501)."""
    insert_user(conn, uuid.uuid4(), "hidden@example.com")
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(conn, actor):
        conn.execute("select id from auth.users")


def test_only_service_role_bypasses_rls(conn: Connection):
    """service_role has BYPASSRLS; anon and authenticated do not."""
    rows = conn.execute(
        "select rolname, rolbypassrls from pg_roles"
        " where rolname in ('anon', 'authenticated', 'service_role') order by rolname"
    ).fetchall()
    assert rows == [
        {"rolname": "anon", "rolbypassrls": False},
        {"rolname": "authenticated", "rolbypassrls": False},
        {"rolname": "service_role", "rolbypassrls": True},
    ]


def test_api_roles_have_supabase_statement_timeouts(conn: Connection):
    """anon times out after 3 s and authenticated after 8 s, as on Supabase."""
    rows = conn.execute(
        "select r.rolname, s.setting from pg_roles as r"
        " cross join lateral unnest(("
        "   select setconfig from pg_db_role_setting"
        "   where setrole = r.oid and setdatabase = 0)) as s(setting)"
        " where r.rolname in ('anon', 'authenticated') and s.setting like 'statement_timeout=%%'"
        " order by r.rolname"
    ).fetchall()
    assert rows == [
        {"rolname": "anon", "setting": "statement_timeout=3s"},
        {"rolname": "authenticated", "setting": "statement_timeout=8s"},
    ]


def test_default_privileges_grant_api_roles_all_on_new_public_tables(conn: Connection):
    """A table the connection user creates in public is granted ALL to the API roles."""
    conn.execute("create table public.harness_privilege_probe (id int)")
    rows = conn.execute(
        "select r as role,"
        " bool_and(has_table_privilege(r, 'public.harness_privilege_probe', p)) as all_privs"
        " from unnest(array['anon', 'authenticated', 'service_role']) as r"
        " cross join unnest(array['select', 'insert', 'update', 'delete', 'truncate',"
        "   'references', 'trigger']) as p"
        " group by r order by r"
    ).fetchall()
    assert [(r["role"], r["all_privs"]) for r in rows] == [
        ("anon", True),
        ("authenticated", True),
        ("service_role", True),
    ]


def test_auth_helpers_are_the_platform_definitions(conn: Connection):
    """auth.uid/role/email/jwt are sql, stable, invoker, without a pinned search_path."""
    functions = {f.name: f for f in catalog.functions(conn, schema="auth")}
    expected = {"uid": "uuid", "role": "text", "email": "text", "jwt": "jsonb"}
    for name, result in expected.items():
        function = functions[name]
        assert (function.language, function.volatility, function.result) == (
            "sql",
            "stable",
            result,
        )
        assert not function.security_definer
        assert function.config == []


def test_supabase_flavour_matches_the_server(supabase_flavour: str, pg_server: PgServer):
    """The embedded engine always runs on the stand-in auth schema."""
    if pg_server.embedded:
        assert supabase_flavour == "stand-in"
    else:
        assert supabase_flavour in {"stand-in", "supabase"}


def test_pgvector_lives_in_schema_extensions(conn: Connection):
    """pgvector is installed in schema extensions, as on Supabase."""
    row = conn.execute(
        "select extnamespace::regnamespace::text as schema"
        " from pg_extension where extname = 'vector'"
    ).fetchone()
    assert row == {"schema": "extensions"}


# --------------------------------------------------------------------------- options


def test_factory_seed_resolution_prefers_cli_then_env_then_default(factory_seed: int):
    """--factory-seed beats HYROX_FACTORY_SEED, which beats 20261125."""
    env = {options.FACTORY_SEED_ENV: "7"}
    assert options.resolve_factory_seed(None, {}) == options.DEFAULT_FACTORY_SEED
    assert options.resolve_factory_seed(None, env) == 7
    assert options.resolve_factory_seed(3, env) == 3
    assert isinstance(factory_seed, int)


def test_dsn_resolution_prefers_cli_then_env_then_embedded():
    """--pg-dsn beats HYROX_TEST_DSN; neither means the embedded engine."""
    env = {options.DSN_ENV: "postgresql:///from-env"}
    assert options.resolve_dsn(None, {}) is None
    assert options.resolve_dsn(None, {options.DSN_ENV: "  "}) is None
    assert options.resolve_dsn(None, env) == "postgresql:///from-env"
    assert options.resolve_dsn("postgresql:///from-cli", env) == "postgresql:///from-cli"
