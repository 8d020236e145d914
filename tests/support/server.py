"""The PostgreSQL server under the suite: embedded (pgserver) or an existing one (a DSN)."""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import DictRow, dict_row
from pytest_postgresql.janitor import DatabaseJanitor

from tests.support.loaders import SEARCH_PATH_OPTIONS

# When set, the embedded server's log is copied into this directory at teardown
# (CI uploads it when a job fails; the server's own directory is deleted).
LOG_DIR_ENV = "HYROX_PG_LOG_DIR"

# Settings for a throw-away cluster: durability off (a crash loses nothing we
# need), no autovacuum (tests ANALYZE explicitly when plans matter).
EMBEDDED_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "autovacuum": "off",
}


@dataclass(frozen=True)
class PgServer:
    """Connection facts for a server; NoopExecutor-like, so it can be a layer's ``depends_on``.

    ``template_dbname`` is the database the first layer is cloned from:
    None means the server's default (template1).
    """

    host: str
    port: int
    user: str
    password: str | None
    options: str
    maintenance_dbname: str
    template_dbname: str | None
    embedded: bool
    description: str

    def conninfo(self, dbname: str) -> str:
        """Libpq conninfo for ``dbname`` on this server (with the Supabase search_path)."""
        return make_conninfo(
            "",
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=dbname,
            options=self.options,
        )

    def connect(self, dbname: str, **kwargs: Any) -> psycopg.Connection[DictRow]:  # noqa: ANN401 - psycopg.connect kwargs
        """Open a dict-row connection to ``dbname`` (extra kwargs go to psycopg.connect)."""
        return psycopg.connect(self.conninfo(dbname), row_factory=dict_row, **kwargs)


def _merge_options(theirs: str | None) -> str:
    """Our search_path first, then the DSN's own options (later ``-c`` wins)."""
    return f"{SEARCH_PATH_OPTIONS} {theirs}".strip() if theirs else SEARCH_PATH_OPTIONS


def _import_pgserver() -> ModuleType:
    with warnings.catch_warnings():
        # pgserver resolves platformdirs' user_runtime_path when imported; with
        # XDG_RUNTIME_DIR unset (root shells, CI) platformdirs warns and falls back
        # to /tmp/runtime-<uid>, which is fine for pgserver's lock file.
        warnings.filterwarnings("ignore", message=r".*XDG_RUNTIME_DIR", category=UserWarning)
        # Imported lazily: only the embedded mode needs it.
        import pgserver

    return pgserver


@contextmanager
def embedded_server() -> Iterator[PgServer]:
    """Start a throw-away PostgreSQL (pgserver: PG 18 + pgvector) in a temp dir; delete it after.

    As root, pgserver runs the server as its own OS user ``pgserver``; it
    listens on a Unix socket only.
    """
    pgserver = _import_pgserver()
    parent = Path(tempfile.mkdtemp(prefix="hyrox-pg-"))
    server = None
    try:
        server = pgserver.get_server(parent / "data", cleanup_mode="delete")
        info = server.get_postmaster_info()
        facts = PgServer(
            host=str(info.socket_dir),
            port=int(info.port),
            user="postgres",
            password=None,
            options=SEARCH_PATH_OPTIONS,
            maintenance_dbname="postgres",
            template_dbname=None,
            embedded=True,
            description=f"embedded PostgreSQL (pgserver) in {parent}",
        )
        with psycopg.connect(facts.conninfo("postgres"), autocommit=True) as conn:
            for name, value in EMBEDDED_SETTINGS.items():
                conn.execute(
                    sql.SQL("alter system set {} = {}").format(
                        sql.Identifier(name), sql.Literal(value)
                    )
                )
            conn.execute("select pg_reload_conf()")
        yield facts
    finally:
        keep_log(parent / "data" / "log", os.environ.get(LOG_DIR_ENV, "").strip())
        if server is not None:
            server.cleanup()
        shutil.rmtree(parent, ignore_errors=True)


def keep_log(log: Path, directory: str) -> None:
    """Copy the embedded server's log to ``directory``/postgres-embedded.log (if both exist)."""
    if directory and log.is_file():
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, target / "postgres-embedded.log")


def existing_server(dsn: str, source_db: str | None = None) -> PgServer:
    """Describe an existing server from a libpq DSN (URI or conninfo).

    The DSN's database becomes the maintenance database (where test databases
    are created and dropped from); ``source_db``, if given, is the database the
    first layer is cloned from. Libpq parameters other than host, port, user,
    password, dbname and options reach pytest-postgresql's connections only
    through the PG* environment variables.
    """
    with psycopg.connect(dsn, autocommit=True) as conn:
        info = conn.info
        row = conn.execute(
            "select rolsuper or rolcreatedb from pg_roles where rolname = current_user"
        ).fetchone()
        can_create = bool(row and row[0])
        options = conninfo_to_dict(dsn).get("options")
        facts = PgServer(
            host=info.host,
            port=int(info.port),
            user=info.user,
            password=info.password or None,
            options=_merge_options(str(options) if options else None),
            maintenance_dbname=info.dbname,
            template_dbname=source_db,
            embedded=False,
            description=f"existing server {redact(dsn)}",
        )
    if not can_create:
        raise RuntimeError(f"{facts.user} may not create databases (needs CREATEDB)")
    if source_db is not None and source_db == facts.maintenance_dbname:
        # The janitor terminates every connection to a template before cloning
        # it, its own maintenance connection included.
        raise RuntimeError(
            f"the source database {source_db!r} cannot also be the DSN's database; "
            "point the DSN at another one (e.g. template1)"
        )
    return facts


def redact(dsn: str) -> str:
    """The DSN as conninfo, without its password."""
    params = {k: v for k, v in conninfo_to_dict(dsn).items() if k != "password"}
    return make_conninfo("", **params)


class ClientBackendJanitor(DatabaseJanitor):
    """pytest-postgresql's janitor, terminating only client backends it may terminate.

    The stock janitor terminates every backend connected to a database before
    cloning or dropping it, autovacuum workers included. A non-superuser
    (``postgres`` on Supabase) may not signal those, so on a server with
    autovacuum on it fails at random — while CREATE/DROP DATABASE already
    cancel autovacuum workers themselves.
    """

    @staticmethod
    def _terminate_connection(cur: psycopg.Cursor[Any], dbname: str) -> None:
        cur.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity"
            " where datname = %s and backend_type = 'client backend'"
            " and pid <> pg_backend_pid()"
            " and (usename = current_user"
            "      or (select rolsuper from pg_roles where rolname = current_user))",
            (dbname,),
        )


@contextmanager
def cloned_database(server: PgServer, *, template: str | None, dbname: str) -> Iterator[str]:
    """Create ``dbname`` from ``template`` (None: the server's default) for the duration of
    the block; yield its conninfo."""
    janitor = ClientBackendJanitor(
        user=server.user,
        host=server.host,
        port=server.port,
        password=server.password,
        dbname=dbname,
        template_dbname=template,
        maintenance_dbname=server.maintenance_dbname,
    )
    with janitor:
        yield server.conninfo(dbname)


class ReusableConnection:
    """One long-lived connection, reopened if a test closed or broke it."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._conn: psycopg.Connection[DictRow] | None = None

    def get(self) -> psycopg.Connection[DictRow]:
        """The open connection, idle and outside any transaction."""
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            # No auto-prepare: a prepared statement survives the rollback of the DDL
            # it depended on, and every test here rolls back.
            conn = psycopg.connect(self._conninfo, row_factory=dict_row, prepare_threshold=None)
            self._conn = conn
        elif conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.rollback()
        return conn

    def close(self) -> None:
        """Close the connection if open."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
