"""The suite's databases on one server: template layers, clones, and dropping them.

Everything here is plain SQL any role with CREATEDB may run on the databases it owns:
``create database ... template ... is_template``, ``alter database``, ``drop database``,
and ``pg_terminate_backend`` on the client backends the login may signal. No dependency's
private API is involved (issue 17: pytest-postgresql's janitor used to be patched for that).

Why only client backends: the suite logs in as ``postgres``, which on Supabase is not a
superuser. A non-superuser may terminate only backends of its own role (or of roles it is a
member of); an autovacuum worker is not one, and on an existing server with autovacuum on,
terminating "every backend of the database" fails at random. ``create database`` and
``drop database`` cancel autovacuum workers themselves, so nothing is lost.

Names under pytest-xdist: every worker is its own process and builds its own layers on its
own server (an embedded cluster per worker) or, with ``--pg-dsn``, in databases whose names
carry the worker (:func:`worker_dbname`) and the process id, so two workers never share one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg
from psycopg import sql

# pytest-xdist names each worker process in this variable ("gw0", "gw1", ...).
XDIST_WORKER_ENV = "PYTEST_XDIST_WORKER"

# The client backends of ``dbname`` this login may terminate: its own, or any when it is a
# superuser. Never autovacuum workers or other roles' sessions (a non-superuser may not).
TERMINATE_CLIENT_BACKENDS = """
select pg_terminate_backend(pid) from pg_stat_activity
where datname = %s and backend_type = 'client backend' and pid <> pg_backend_pid()
  and (usename = current_user
       or (select rolsuper from pg_roles where rolname = current_user))
"""


class Server(Protocol):
    """What this module needs of a server (hyrox_schema.server.PgServer has it)."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def user(self) -> str: ...
    @property
    def password(self) -> str | None: ...
    @property
    def maintenance_dbname(self) -> str: ...
    @property
    def embedded(self) -> bool: ...

    def conninfo(self, dbname: str) -> str: ...


class Loader(Protocol):
    """Fills a database: called with host, port, user, dbname and password keywords."""

    def __call__(self, **kwargs: Any) -> object: ...  # noqa: ANN401 - the loaders' own kwargs


@dataclass(frozen=True)
class Layer:
    """A template database the suite clones; ``template_dbname`` is the name to clone from."""

    template_dbname: str


def worker_dbname(name: str) -> str:
    """``name`` with the pytest-xdist worker appended (``name_gw1``), unchanged without xdist."""
    worker = os.environ.get(XDIST_WORKER_ENV, "").strip()
    return f"{name}_{worker}" if worker else name


@contextmanager
def _maintenance(server: Server) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection to the server's maintenance database (no transaction: the
    database commands refuse to run inside one)."""
    with psycopg.connect(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        dbname=server.maintenance_dbname,
        autocommit=True,
    ) as conn:
        yield conn


def terminate_client_backends(conn: psycopg.Connection[Any], dbname: str) -> None:
    """End the sessions on ``dbname`` that this login may end (see the module docstring)."""
    conn.execute(TERMINATE_CLIENT_BACKENDS, (dbname,))  # type: ignore[arg-type]  # constant text


def create_database(
    server: Server, dbname: str, *, template: str | None = None, is_template: bool = False
) -> None:
    """``create database dbname [template template] [is_template true]``.

    The template must have no other sessions: ours on it are ended first. On the suite's own
    throw-away cluster (fsync off) the copy is ``strategy file_copy``: its two checkpoints
    cost nothing there, and copying files beats WAL-logging every block (the suite's 118
    clones: 7.0 s with the default, 5.1 s with file_copy, on PostgreSQL 18). On an existing
    server the
    server's default stays: a checkpoint there is real I/O others pay for.
    """
    query = sql.SQL("create database {}").format(sql.Identifier(dbname))
    if template:
        query += sql.SQL(" template {}").format(sql.Identifier(template))
    if is_template:
        query += sql.SQL(" is_template true")
    if server.embedded:
        query += sql.SQL(" strategy file_copy")
    with _maintenance(server) as conn:
        if template:
            terminate_client_backends(conn, template)
        conn.execute(query)


def drop_database(server: Server, dbname: str) -> None:
    """Drop ``dbname`` if it exists: no new connections, ours ended, unmarked as a template."""
    name = sql.Identifier(dbname)
    with _maintenance(server) as conn:
        if conn.execute("select from pg_database where datname = %s", (dbname,)).fetchone() is None:
            return
        conn.execute(sql.SQL("alter database {} with allow_connections false").format(name))
        terminate_client_backends(conn, dbname)
        conn.execute(sql.SQL("alter database {} with is_template false").format(name))
        conn.execute(sql.SQL("drop database {}").format(name))


@contextmanager
def cloned_database(server: Server, *, template: str | None, dbname: str) -> Iterator[str]:
    """Create ``dbname`` from ``template`` (None: the server's default) for the duration of
    the block; yield its conninfo; drop it after."""
    create_database(server, dbname, template=template)
    try:
        yield server.conninfo(dbname)
    finally:
        drop_database(server, dbname)


@contextmanager
def template_layer(
    server: Server, *, dbname: str, template: str | None, loaders: Sequence[Loader]
) -> Iterator[Layer]:
    """Build the template ``dbname``: a clone of ``template`` marked ``is_template``, filled by
    each of ``loaders`` in order; dropped after the block (or when a loader fails)."""
    create_database(server, dbname, template=template, is_template=True)
    try:
        for load in loaders:
            load(
                host=server.host,
                port=server.port,
                user=server.user,
                dbname=dbname,
                password=server.password,
            )
        yield Layer(dbname)
    finally:
        drop_database(server, dbname)
