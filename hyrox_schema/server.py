"""The PostgreSQL server under the suite: a throw-away cluster of an engine, or an existing one.

Who connects as whom, as on Supabase (tests/sql/00_supabase_roles.sql has the sources):

    postgres             the suite's own connections, the migrations and the seeds: NOT a
                         superuser (NOSUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS)
    supabase_auth_admin  GoTrue's login: account deletion (``auth_admin`` connections)
    anon / authenticated / service_role
                         requests, switched to with ``set local role`` (impersonation.py)
    supabase_admin       the platform's superuser: creates roles and privileged extensions,
                         and serves the few tests that need a superuser, by name
                         (``superuser_*`` fixtures); never the suite's default
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import DictRow, dict_row

from hyrox_schema import engines
from hyrox_schema.databases import cloned_database, settle
from hyrox_schema.loaders import (
    SEARCH_PATH_OPTIONS,
    SQL_DIR,
    Login,
    execute_script,
)

# When set, the embedded server's log is copied into this directory at teardown
# (CI uploads it when a job fails; the server's own directory is deleted).
LOG_DIR_ENV = "HYROX_PG_LOG_DIR"

# The role migrations, seeds and the suite's connections use, and GoTrue's login.
MIGRATION_ROLE = "postgres"
AUTH_ADMIN_ROLE = "supabase_auth_admin"


@dataclass(frozen=True)
class PgServer:
    """Connection facts for a server (what hyrox_schema.databases needs of one).

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
    engine: str
    major: int
    superuser: Login | None
    auth_admin: Login

    def conninfo(self, dbname: str, login: Login | None = None) -> str:
        """Libpq conninfo for ``dbname`` on this server (with the Supabase search_path), as
        ``login`` (default: the suite's own role, ``postgres`` on Supabase)."""
        return make_conninfo(
            "",
            host=self.host,
            port=self.port,
            user=login.user if login else self.user,
            password=login.password if login else self.password,
            dbname=dbname,
            options=self.options,
        )

    def superuser_conninfo(self, dbname: str) -> str:
        """Conninfo of the platform's superuser; raises when the run has none."""
        if self.superuser is None:
            raise LookupError(
                "this run has no superuser connection (existing server: give "
                "--pg-superuser-dsn / HYROX_TEST_SUPERUSER_DSN)"
            )
        return self.conninfo(dbname, self.superuser)

    def auth_admin_conninfo(self, dbname: str) -> str:
        """Conninfo of GoTrue's own login, ``supabase_auth_admin``."""
        return self.conninfo(dbname, self.auth_admin)

    def connect(self, dbname: str, **kwargs: Any) -> psycopg.Connection[DictRow]:  # noqa: ANN401 - psycopg.connect kwargs
        """Open a dict-row connection to ``dbname`` (extra kwargs go to psycopg.connect)."""
        return psycopg.connect(self.conninfo(dbname), row_factory=dict_row, **kwargs)


def _merge_options(theirs: str | None) -> str:
    """Our search_path first, then the DSN's own options (later ``-c`` wins)."""
    return f"{SEARCH_PATH_OPTIONS} {theirs}".strip() if theirs else SEARCH_PATH_OPTIONS


@contextmanager
def embedded_server(engine_name: str = engines.DEFAULT_ENGINE) -> Iterator[PgServer]:
    """Start a throw-away cluster of ``engine_name`` (15, 17 or 18); delete it after.

    The cluster is initialised like Supabase's image (superuser ``supabase_admin``), then the
    platform's roles are created as that superuser (tests/sql/00_supabase_roles.sql). It
    listens on a Unix socket only and trusts local connections, so every role logs in
    without a password.
    """
    engine = engines.locate(engine_name)
    with engines.cluster(engine) as running:
        superuser = Login(running.superuser)
        facts = PgServer(
            host=str(running.socket_dir),
            port=running.port,
            user=MIGRATION_ROLE,
            password=None,
            options=SEARCH_PATH_OPTIONS,
            maintenance_dbname="postgres",
            template_dbname=None,
            embedded=True,
            description=f"PostgreSQL {engine.name} ({engine.source}) in {running.socket_dir}",
            engine=engine.name,
            major=engine.major,
            superuser=superuser,
            auth_admin=Login(AUTH_ADMIN_ROLE),
        )
        with psycopg.connect(facts.superuser_conninfo("postgres"), autocommit=True) as conn:
            execute_script(conn, SQL_DIR / "00_supabase_roles.sql")
        try:
            yield facts
            settle()  # the clones still being dropped or made ahead, before the server stops
        finally:
            keep_log(running.log, os.environ.get(LOG_DIR_ENV, "").strip())


def keep_log(log: Path, directory: str) -> None:
    """Copy the cluster's log to ``directory``/postgres-embedded.log (if both exist)."""
    if directory and log.is_file():
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, target / "postgres-embedded.log")


def existing_server(
    dsn: str,
    source_db: str | None = None,
    *,
    superuser_dsn: str | None = None,
    auth_admin_dsn: str | None = None,
) -> PgServer:
    """Describe an existing server from a libpq DSN (URI or conninfo).

    The DSN's user is the suite's own role: on a server prepared like Supabase, the
    non-superuser ``postgres`` (README "Running against an existing server"). The DSN's
    database becomes the maintenance database (where test databases are created and dropped
    from); ``source_db``, if given, is the database the first layer is cloned from.
    ``superuser_dsn`` and ``auth_admin_dsn`` name the other two logins (only their user and
    password are used; default for GoTrue's: ``supabase_auth_admin`` with the DSN's
    password). Libpq parameters other than host, port, user, password, dbname and options
    reach the layers' and clones' connections only through the PG* environment variables.
    """
    with psycopg.connect(dsn, autocommit=True) as conn:
        info = conn.info
        row = conn.execute(
            "select rolsuper or rolcreatedb, current_setting('server_version_num')::int"
            " from pg_roles where rolname = current_user"
        ).fetchone()
        can_create = bool(row and row[0])
        version = int(row[1]) if row else 0
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
            engine="existing",
            major=version // 10000,
            superuser=_login_of(superuser_dsn) if superuser_dsn else None,
            auth_admin=_login_of(auth_admin_dsn)
            if auth_admin_dsn
            else Login(AUTH_ADMIN_ROLE, info.password or None),
        )
    if not can_create:
        raise RuntimeError(f"{facts.user} may not create databases (needs CREATEDB)")
    if source_db is not None and source_db == facts.maintenance_dbname:
        # Cloning a template ends our sessions on it (hyrox_schema.databases), and
        # the maintenance connection would be one of them.
        raise RuntimeError(
            f"the source database {source_db!r} cannot also be the DSN's database; "
            "point the DSN at another one (e.g. template1)"
        )
    return facts


def _login_of(dsn: str) -> Login:
    """The user and password of a DSN."""
    params = conninfo_to_dict(dsn)
    password = params.get("password")
    return Login(str(params.get("user") or ""), str(password) if password else None)


def redact(dsn: str) -> str:
    """The DSN as conninfo, without its password."""
    params = {k: v for k, v in conninfo_to_dict(dsn).items() if k != "password"}
    return make_conninfo("", **params)


__all__ = ["cloned_database"]  # re-exported: hyrox_schema.databases has it


class ReusableConnection:
    """One long-lived connection, reopened if a test closed or broke it."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._conn: psycopg.Connection[DictRow] | None = None
        self._held = 0

    def get(self) -> psycopg.Connection[DictRow]:
        """The open connection: idle and outside any transaction, or inside the transaction
        :meth:`held` keeps open (a test's own transaction is then a savepoint in it)."""
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            if self._held:
                raise RuntimeError("the connection holding shared rows was closed or broken")
            # No auto-prepare: a prepared statement survives the rollback of the DDL
            # it depended on, and every test here rolls back.
            conn = psycopg.connect(self._conninfo, row_factory=dict_row, prepare_threshold=None)
            self._conn = conn
        elif not self._held and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.rollback()
        return conn

    @contextmanager
    def held(self) -> Iterator[psycopg.Connection[DictRow]]:
        """One transaction around many tests, rolled back at the end: rows made in it are
        shared by those tests, each of which runs in a savepoint rolled back after it."""
        conn = self.get()
        with conn.transaction(force_rollback=True):
            self._held += 1
            try:
                yield conn
            finally:
                self._held -= 1

    def close(self) -> None:
        """Close the connection if open."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
