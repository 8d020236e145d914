"""The platform the suite proves on is Supabase's: its roles, who runs what, and the
behaviours that differ between PostgreSQL 15, 17 and 18 (asserted per engine, never skipped).

Expectations come from Supabase's own SQL as summarised in ../shared/notes/supabase-platform.md
(sources in tests/sql/00_supabase_roles.sql), not from the cluster under test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg.rows import DictRow

from hyrox_schema import engines
from hyrox_schema.server import PgServer

Connection = psycopg.Connection[DictRow]

# role -> (superuser, inherit, createrole, createdb, login, replication, bypassrls)
ROLE_ATTRIBUTES = {
    "postgres": (False, True, True, True, True, True, True),
    "anon": (False, True, False, False, False, False, False),
    "authenticated": (False, True, False, False, False, False, False),
    "service_role": (False, True, False, False, False, False, True),
    "authenticator": (False, False, False, False, True, False, False),
    "supabase_auth_admin": (False, False, False, False, True, False, False),
}

# (member, role): whether ``member`` is a member of ``role`` (today's Supabase)
MEMBERSHIPS = {
    ("postgres", "anon"): True,
    ("postgres", "authenticated"): True,
    ("postgres", "service_role"): True,
    ("postgres", "supabase_auth_admin"): False,  # revoked in 2025
    ("authenticator", "anon"): True,
    ("authenticator", "authenticated"): True,
    ("authenticator", "service_role"): True,
    ("supabase_auth_admin", "postgres"): False,
}


@pytest.mark.parametrize("role", sorted(ROLE_ATTRIBUTES))
def test_each_role_has_supabases_attributes(conn: Connection, role: str):
    """Every platform role exists with the attributes Supabase gives it today."""
    row = conn.execute(
        "select rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,"
        " rolbypassrls from pg_roles where rolname = %s",
        (role,),
    ).fetchone()
    assert row is not None, f"role {role} is missing"
    assert tuple(row.values()) == ROLE_ATTRIBUTES[role]


@pytest.mark.parametrize(("member", "role"), sorted(MEMBERSHIPS))
def test_role_memberships_are_supabases(conn: Connection, member: str, role: str):
    """Who may act as whom, as on Supabase (postgres no longer a member of GoTrue's role)."""
    row = conn.execute("select pg_has_role(%s, %s, 'MEMBER') as member", (member, role))
    assert row.fetchone() == {"member": MEMBERSHIPS[member, role]}


def test_the_suite_connects_as_postgres_which_is_not_a_superuser(conn: Connection):
    """Every default connection of the suite is postgres, as migrations run on Supabase."""
    row = conn.execute(
        "select session_user as login, current_user as role,"
        " current_setting('is_superuser') as superuser"
    ).fetchone()
    assert row == {"login": "postgres", "role": "postgres", "superuser": "off"}


def test_the_migrations_objects_belong_to_postgres(conn: Connection):
    """The tables, functions and schema of the migrations are owned by their runner,
    postgres, as on the live project (and so definer functions run as postgres)."""
    owners = conn.execute(
        "select distinct pg_get_userbyid(relowner) as owner from pg_class"
        " where relnamespace = 'public'::regnamespace and relkind in ('r', 'p')"
        " union select distinct pg_get_userbyid(proowner) from pg_proc"
        " where pronamespace = 'private'::regnamespace"
        " union select pg_get_userbyid(nspowner) from pg_namespace where nspname = 'private'"
    ).fetchall()
    assert [r["owner"] for r in owners] == ["postgres"]


def test_postgres_cannot_become_gotrue(conn: Connection):
    """Since 2025 ``set role supabase_auth_admin`` is refused to postgres: tests that act as
    GoTrue log in as it (``auth_admin_connect``)."""
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute("set local role supabase_auth_admin")


@pytest.mark.parametrize(
    ("setting", "value", "allowed"),
    [("session_replication_role", "replica", True), ("deadlock_timeout", "'50ms'", False)],
)
def test_postgres_sets_only_what_supautils_allows(
    conn: Connection, setting: str, value: str, allowed: bool
):
    """session_replication_role is on supautils' list for postgres; deadlock_timeout is not."""
    statement = f"set local {setting} = {value}"
    if allowed:
        with conn.transaction(force_rollback=True):
            conn.execute(statement)  # type: ignore[arg-type]  # constant
    else:
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute(statement)  # type: ignore[arg-type]  # constant


# --------------------------------------------------------------------------- engine behaviours

RESTRICT_PROBE = """
create table probe_parent (id int primary key);
create table probe_child (
  id int primary key,
  parent_id int references probe_parent on delete restrict
);
insert into probe_parent values (1);
insert into probe_child values (1, 1);
"""

# A role with only DELETE on the parent deletes a row whose child has `on delete set null`
# and an AFTER UPDATE trigger (invoker) recording who it runs as, in a third table.
TRIGGER_ROLE_PROBE = """
create table probe_parent (id int primary key);
create table probe_child (
  id int primary key,
  parent_id int references probe_parent on delete set null
);
create table probe_seen (role name);
create function probe_record() returns trigger language plpgsql security invoker as $$
begin
  insert into public.probe_seen values (current_user);
  return null;
end $$;
create trigger probe_child_after_update after update on probe_child
  for each row execute function probe_record();
insert into probe_parent values (1);
insert into probe_child values (1, 1);
grant select, delete on probe_parent to anon;
grant insert on probe_seen to anon;
"""


def test_restrict_raises_the_engines_sqlstate(conn: Connection):
    """``on delete restrict``: 23001 on PostgreSQL 18, 23503 up to 17 (the suite expects
    :func:`engines.restrict_violation`, and here it is checked against the engine)."""
    conn.execute(RESTRICT_PROBE)
    expected = "23001" if conn.info.server_version >= 180000 else "23503"
    with pytest.raises(psycopg.Error) as raised, conn.transaction():
        conn.execute("delete from probe_parent")
    assert raised.value.sqlstate == expected
    assert isinstance(raised.value, engines.restrict_violation(conn))


def test_a_referential_after_trigger_runs_as_the_engine_says(conn: Connection):
    """The AFTER trigger queued by ``on delete set null`` runs as the deleting role up to 17
    and as the table owner from 18: why the link triggers have definer rights."""
    conn.execute(TRIGGER_ROLE_PROBE)
    with conn.transaction():
        conn.execute("set local role anon")
        conn.execute("delete from probe_parent")
    seen = conn.execute("select role from probe_seen").fetchall()
    expected = engines.referential_trigger_role(
        conn.info.server_version, statement_role="anon", owner="postgres"
    )
    assert seen == [{"role": expected}]


def test_the_engine_is_the_one_asked_for(conn: Connection, pg_server: PgServer):
    """The run's server is the engine the report header names (15, 17 or 18)."""
    if pg_server.engine == "existing":
        pytest.skip("an existing server: its version is whatever it runs")
    assert conn.info.server_version // 10000 == pg_server.major == int(pg_server.engine)


def test_vector_is_real_pgvector_or_the_named_stand_in(conn: Connection):
    """PG 18 (pgserver) has the real pgvector; an engine without it carries the stand-in of
    tests/sql/05_pgvector_stand_in.sql, which says so in its version and comment."""
    row: dict[str, Any] | None = conn.execute(
        "select e.extversion, obj_description(e.oid, 'pg_extension') as comment,"
        " exists (select from pg_available_extensions where name = 'vector') as available"
        " from pg_extension as e where e.extname = 'vector'"
    ).fetchone()
    assert row is not None
    if row["available"]:
        assert row["extversion"] != "stand-in"
    else:
        assert row["extversion"] == "stand-in"
        assert "STAND-IN" in row["comment"]


def test_gotrue_logs_in_as_itself(auth_admin_connect: Callable[..., Connection]):
    """GoTrue's connection is a real login as supabase_auth_admin (never ``set role``)."""
    gotrue = auth_admin_connect()
    row = gotrue.execute("select session_user as login, current_user as role").fetchone()
    assert row == {"login": "supabase_auth_admin", "role": "supabase_auth_admin"}
