"""The suite's own database plumbing (hyrox_schema/databases.py): layers are templates, clones
go away even with sessions left open, and only sessions the login may end are ended."""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from hyrox_schema import databases
from hyrox_schema.databases import Layer
from hyrox_schema.server import PgServer

PREFIX = f"hyrox_{os.getpid()}_plumbing"


def exists(server: PgServer, dbname: str) -> bool:
    """Whether ``dbname`` is on the server (read as the suite's own login)."""
    with psycopg.connect(server.conninfo(server.maintenance_dbname)) as conn:
        return (
            conn.execute("select from pg_database where datname = %s", (dbname,)).fetchone()
            is not None
        )


def test_layers_are_marked_as_templates(pg_server: PgServer, layer_after_001: Layer):
    """A layer is a template database (any CREATEDB role may clone it), not a plain one."""
    with psycopg.connect(pg_server.conninfo(pg_server.maintenance_dbname)) as conn:
        row = conn.execute(
            "select datistemplate from pg_database where datname = %s",
            (layer_after_001.template_dbname,),
        ).fetchone()
    assert row == (True,)


def test_a_clone_is_dropped_with_a_session_still_open(pg_server: PgServer, layer_after_001: Layer):
    """The clone's own sessions (the suite's login) are ended before it is dropped (in the
    background: settle() waits for it)."""
    dbname = databases.worker_dbname(f"{PREFIX}_open")
    with databases.cloned_database(
        pg_server, template=layer_after_001.template_dbname, dbname=dbname
    ) as dsn:
        left_open = psycopg.connect(dsn)
        assert exists(pg_server, dbname)
    databases.settle()
    assert not exists(pg_server, dbname)
    assert left_open.broken or left_open.closed or _is_dead(left_open)
    left_open.close()


def _is_dead(conn: psycopg.Connection[object]) -> bool:
    try:
        conn.execute("select 1")
    except psycopg.OperationalError:
        return True
    return False


def test_sessions_of_other_roles_are_left_alone(pg_server: PgServer, layer_after_001: Layer):
    """Only the suite's own sessions are ended. The stock "terminate every backend" query ends
    GoTrue's session here (postgres holds pg_signal_backend) and fails on an autovacuum
    worker, which a non-superuser may not signal."""
    dbname = databases.worker_dbname(f"{PREFIX}_other")
    with databases.cloned_database(
        pg_server, template=layer_after_001.template_dbname, dbname=dbname
    ):
        others = psycopg.connect(pg_server.auth_admin_conninfo(dbname), autocommit=True)
        try:
            with psycopg.connect(
                pg_server.conninfo(pg_server.maintenance_dbname), autocommit=True
            ) as conn:
                databases.terminate_client_backends(conn, dbname)
            assert others.execute("select current_user").fetchone() == ("supabase_auth_admin",)
        finally:
            others.close()


def test_a_failed_layer_build_leaves_no_database(pg_server: PgServer, layer_after_001: Layer):
    """A loader's error propagates and the half-built template is dropped."""
    dbname = databases.worker_dbname(f"{PREFIX}_broken")

    def broken(**_: object) -> None:
        raise RuntimeError("loader failed")

    with (
        pytest.raises(RuntimeError, match="loader failed"),
        databases.template_layer(
            pg_server, dbname=dbname, template=layer_after_001.template_dbname, loaders=[broken]
        ),
    ):
        pass
    assert not exists(pg_server, dbname)


def test_worker_names_carry_the_xdist_worker(monkeypatch: pytest.MonkeyPatch):
    """Under pytest-xdist each worker's databases get its name; without xdist, none."""
    monkeypatch.setenv(databases.XDIST_WORKER_ENV, "gw3")
    assert databases.worker_dbname("hyrox_1_shared") == "hyrox_1_shared_gw3"
    monkeypatch.delenv(databases.XDIST_WORKER_ENV)
    assert databases.worker_dbname("hyrox_1_shared") == "hyrox_1_shared"


def test_no_dependency_is_patched():
    """pytest-postgresql (whose janitor was once patched) is no longer a dependency."""
    import tomllib

    from hyrox_schema.loaders import REPO_ROOT

    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = " ".join(project["project"]["optional-dependencies"]["test"])
    assert "pytest-postgresql" not in requirements
    assert "pytest-xdist" in requirements


def databases_named(server: PgServer, pattern: str) -> list[str]:
    """Names on the server matching the LIKE ``pattern``."""
    with psycopg.connect(server.conninfo(server.maintenance_dbname)) as conn:
        rows = conn.execute(
            "select datname from pg_database where datname like %s order by datname", (pattern,)
        ).fetchall()
    return [row[0] for row in rows]


@pytest.fixture
def small_template(pg_server: PgServer) -> Iterator[str]:
    """A template of one table and one row, made for this test (nothing clones it ahead yet)."""
    dbname = databases.worker_dbname(f"{PREFIX}_small")
    databases.create_database(pg_server, dbname, is_template=True)
    try:
        with psycopg.connect(pg_server.conninfo(dbname), autocommit=True) as conn:
            conn.execute("create table public.marker (v text); insert into marker values ('a')")
        yield dbname
    finally:
        databases.drop_database(pg_server, dbname)


def marker(server: PgServer, dsn: str) -> list[tuple[str]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute("select v from public.marker").fetchall()


def test_a_clone_made_ahead_is_the_template_under_the_asked_name(
    pg_server: PgServer, small_template: str
):
    """Inside cloned_ahead each clone is a copy of the template, under the name asked for,
    and the next one is being made; after the block no spare is left on the server."""
    names = [databases.worker_dbname(f"{PREFIX}_ahead_{n}") for n in (1, 2)]
    with databases.cloned_ahead(pg_server, small_template):
        for name in names:
            with databases.cloned_database(pg_server, template=small_template, dbname=name) as dsn:
                assert marker(pg_server, dsn) == [("a",)]
                assert conninfo_to_dict(dsn)["dbname"] == name
        databases.settle()
        assert len(databases_named(pg_server, f"{small_template}_ahead%")) == 1
    assert databases_named(pg_server, f"{small_template}_ahead%") == []
    databases.settle()
    assert not any(exists(pg_server, name) for name in names)


def test_a_template_with_a_session_open_is_cloned_when_asked(
    pg_server: PgServer, small_template: str
):
    """A session on the template keeps the clone from being made ahead (nobody's session is
    ended from the background); the clone asked for is then made at once, as without
    cloned_ahead (which ends the suite's own sessions on the template first)."""
    on_template = psycopg.connect(pg_server.conninfo(small_template), autocommit=True)
    try:
        with databases.cloned_ahead(pg_server, small_template):
            databases.settle()
            assert databases_named(pg_server, f"{small_template}_ahead%") == []
            with databases.cloned_database(
                pg_server,
                template=small_template,
                dbname=databases.worker_dbname(f"{PREFIX}_asked"),
            ) as dsn:
                assert marker(pg_server, dsn) == [("a",)]
    finally:
        on_template.close()
    assert databases_named(pg_server, f"{small_template}_ahead%") == []
