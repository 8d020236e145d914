"""One committing clone per module, the gate installed, and request sessions on it.

Scenarios share the module's clone and its connections; each builds a fresh
athlete (:mod:`tests.concurrency.world`), so no scenario sees another's rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import DictRow, dict_row

from hyrox_schema.databases import Layer, worker_dbname
from hyrox_schema.server import PgServer, cloned_database
from tests.support.concurrency import install_gate, session

Connection = psycopg.Connection[DictRow]


@pytest.fixture(scope="module")
def module_dsn(
    pg_server: PgServer, layer_after_001: Layer, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A fresh after-001 clone for the whole module, with the gate installed."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    with cloned_database(
        pg_server,
        template=layer_after_001.template_dbname,
        dbname=worker_dbname(f"hyrox_{os.getpid()}_{name}"),
    ) as dsn:
        with psycopg.connect(dsn, autocommit=True) as owner:
            install_gate(owner)
        yield dsn


@pytest.fixture(scope="module")
def owner(module_dsn: str) -> Iterator[Connection]:
    """``postgres`` connection (the tables' owner, autocommit): builds worlds, reads end states."""
    with psycopg.connect(module_dsn, autocommit=True, row_factory=dict_row) as connection:
        yield connection


@pytest.fixture(scope="module")
def control(module_dsn: str) -> Iterator[Connection]:
    """The test's own connection: holds the gate and watches pg_locks."""
    with psycopg.connect(module_dsn, autocommit=True, row_factory=dict_row) as connection:
        yield connection


@pytest.fixture(scope="module")
def auth_admin_session(pg_server: PgServer, module_dsn: str) -> Iterator[Connection]:
    """GoTrue's own login (supabase_auth_admin) to the module's clone, as a request session."""
    dbname = str(conninfo_to_dict(module_dsn)["dbname"])
    connection = session(pg_server.auth_admin_conninfo(dbname))
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def sessions(module_dsn: str) -> Iterator[list[Connection]]:
    """Three request connections (devices), reused by every scenario of the module."""
    opened = [session(module_dsn) for _ in range(3)]
    yield opened
    for connection in opened:
        connection.close()
