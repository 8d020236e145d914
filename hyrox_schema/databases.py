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

Background work: a serial run leaves one core of two mostly idle, so the next clone of a
finished layer is copied ahead (:func:`cloned_ahead`) and a clone is dropped after its block
in a background thread; :func:`settle` waits for that work.

Names under pytest-xdist: every worker is its own process and builds its own layers on its
own server (an embedded cluster per worker) or, with ``--pg-dsn``, in databases whose names
carry the worker (:func:`worker_dbname`) and the process id, so two workers never share one.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg
from psycopg import sql

# pytest-xdist names each worker process in this variable ("gw0", "gw1", ...).
XDIST_WORKER_ENV = "PYTEST_XDIST_WORKER"

log = logging.getLogger(__name__)

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

    The template must have no other sessions: ours on it are ended first.
    """
    with _maintenance(server) as conn:
        if template:
            terminate_client_backends(conn, template)
        conn.execute(_create_query(server, dbname, template=template, is_template=is_template))


def _create_query(
    server: Server, dbname: str, *, template: str | None, is_template: bool = False
) -> sql.Composed:
    """The ``create database`` statement. On the suite's own throw-away cluster (fsync off)
    the copy is ``strategy file_copy``: its two checkpoints cost nothing there, and copying
    files beats WAL-logging every block (the suite's 118 clones: 7.0 s with the default,
    5.1 s with file_copy, on PostgreSQL 18). On an existing server the server's default
    stays: a checkpoint there is real I/O others pay for."""
    query = sql.SQL("create database {}").format(sql.Identifier(dbname))
    if template:
        query += sql.SQL(" template {}").format(sql.Identifier(template))
    if is_template:
        query += sql.SQL(" is_template true")
    if server.embedded:
        query += sql.SQL(" strategy file_copy")
    return query


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
    the block; yield its conninfo; drop it after, in the background (:func:`settle` waits for
    it; a later clone of the same name waits for it by itself). A template inside
    :func:`cloned_ahead` usually has a clone ready: it is renamed to ``dbname`` instead of
    copied now."""
    _ahead.wait_dropped(dbname)
    spare = _ahead.take(template) if template else None
    if spare is None:
        create_database(server, dbname, template=template)
    else:
        with _maintenance(server) as conn:
            conn.execute(
                sql.SQL("alter database {} rename to {}").format(
                    sql.Identifier(spare), sql.Identifier(dbname)
                )
            )
    try:
        yield server.conninfo(dbname)
    finally:
        _ahead.drop_later(server, dbname)


# --------------------------------------------------------------------------- clones made ahead


@contextmanager
def cloned_ahead(server: Server, template: str) -> Iterator[None]:
    """Inside the block, keep one clone of ``template`` made ahead, in a background thread.

    A serial run alternates between the test (Python) and the server; copying the next
    clone while the test runs uses the idle core, and the fixture that asks for a clone
    gets it by a rename. Only for a template nothing changes any more during the block (a
    finished layer): the clone made ahead must be what a clone made now would be. And only
    for one cloned again and again (the suite's two layers, the samples' filled template):
    the spare dropped at the end is a copy made for nothing (the benchmark's datasets, up to
    11 M plan days, are not cloned ahead). A clone that could not be made ahead (say, a
    session was open on the template) is made when asked for, as without this block.
    """
    _ahead.start(server, template)
    try:
        yield
    finally:
        _ahead.stop(template)


def settle() -> None:
    """Wait until the background work is done (clones made ahead, clones being dropped): at
    the end of a run, and for a test that needs the server quiet (one that counts
    transaction ids or databases server-wide)."""
    _ahead.settle()


class _Ahead:
    """The background work: the templates in a :func:`cloned_ahead` block with, for each, its
    clone being made, and the clones being dropped. One thread, first come first served."""

    def __init__(self) -> None:
        # no thread starts before the first submit
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="databases")
        self._servers: dict[str, Server] = {}
        self._spares: dict[str, Future[str | None]] = {}
        self._drops: dict[str, Future[None]] = {}
        self._numbers = itertools.count(1)

    def drop_later(self, server: Server, dbname: str) -> None:
        self._drops[dbname] = self._executor.submit(drop_database, server, dbname)

    def wait_dropped(self, dbname: str) -> None:
        """Return once a drop of ``dbname`` under way has ended (raising what it raised)."""
        future = self._drops.pop(dbname, None)
        if future is not None:
            future.result()

    def start(self, server: Server, template: str) -> None:
        self._servers[template] = server
        self._make(template)

    def take(self, template: str) -> str | None:
        """The name of a clone of ``template`` made ahead (and start the next), or None."""
        future = self._spares.pop(template, None)
        if future is None:
            return None
        spare = future.result()
        self._make(template)
        return spare

    def settle(self) -> None:
        for future in list(self._spares.values()):
            future.result()
        for dbname in list(self._drops):
            self.wait_dropped(dbname)

    def stop(self, template: str) -> None:
        server = self._servers.pop(template, None)
        future = self._spares.pop(template, None)
        spare = future.result() if future is not None else None
        if server is not None and spare is not None:
            drop_database(server, spare)

    def _make(self, template: str) -> None:
        spare = f"{template[:50]}_ahead{next(self._numbers)}"
        self._spares[template] = self._executor.submit(
            _make_spare, self._servers[template], template, spare
        )


def _make_spare(server: Server, template: str, spare: str) -> str | None:
    """``create database spare template template``; None when the server refuses (a session
    on the template, say). Never ends anyone's session: the test may be using the template."""
    try:
        with _maintenance(server) as conn:
            busy = conn.execute(
                "select from pg_stat_activity where datname = %s limit 1", (template,)
            ).fetchone()
            if busy is not None:
                return None  # create database would wait 5 s for that session, then fail
            conn.execute(_create_query(server, spare, template=template))
    except psycopg.Error as error:
        log.info("no clone of %s made ahead: %s", template, error)
        return None
    return spare


_ahead = _Ahead()


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
