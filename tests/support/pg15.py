"""A throw-away PostgreSQL 15 cluster (Debian's binaries): the oldest server Supabase runs.

The embedded test engine is PostgreSQL 18, so syntax newer than 15 in the
migration would pass there and fail on a real PG 15 project. This module
starts a real PG 15 server for a compatibility check: ``initdb`` into a temp
dir, socket only, durability off, stopped and deleted at exit.

One thing is faked, and only when the server lacks pgvector (Debian ships no
pgvector package for PG 15 here): the ``vector`` extension is registered as a
stub row in ``pg_extension`` so that the migration's
``create extension if not exists vector with schema extensions`` is a no-op.
That is honest for this check because the migrations create no vector column,
type or operator. The pre-existing ``knowledge_chunks`` table, which uses
pgvector, is then loaded without its ``embedding`` column, its vector index and
the two search RPCs (:data:`KNOWLEDGE_CHUNKS_WITHOUT_VECTOR_SQL`): migration 002
changes its grants, which need the table, not the vectors. With a real pgvector
the whole production state (tests/sql/10_production_state.sql) is loaded.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import tuple_row

from tests.support import chain, loaders
from tests.support.server import EMBEDDED_SETTINGS

BINDIR_ENV = "HYROX_PG15_BINDIR"
DEFAULT_BINDIR = Path("/usr/lib/postgresql/15/bin")
BINARIES = ("initdb", "pg_ctl", "postgres")

# initdb refuses to run as root: as root, the server binaries run as this OS user.
OS_USER = "postgres"
SUPERUSER = "postgres"
DBNAME = "postgres"
PORT = 5432  # only names the socket file (.s.PGSQL.5432); nothing listens on TCP

# Registers pgvector's extension name without pgvector (see the module docstring).
# Skipped when the server has a real pgvector, which the migration then installs.
VECTOR_STUB_SQL = """
do $$
begin
  if exists (select from pg_catalog.pg_available_extensions where name = 'vector')
     or exists (select from pg_catalog.pg_extension where extname = 'vector') then
    return;
  end if;
  insert into pg_catalog.pg_extension
    (oid, extname, extowner, extnamespace, extrelocatable, extversion, extconfig, extcondition)
  values (
    pg_catalog.pg_nextoid('pg_catalog.pg_extension', 'oid', 'pg_catalog.pg_extension_oid_index'),
    'vector',
    (select oid from pg_catalog.pg_roles where rolname = current_user),
    'extensions'::regnamespace,
    false,
    'stub',
    null,
    null
  );
  comment on extension vector is
    'STUB registered by tests/support/pg15.py: pgvector is not installed on this PG 15 server; '
    'migration 001 only needs CREATE EXTENSION IF NOT EXISTS vector to be a no-op.';
end
$$;
"""


# The live project's knowledge_chunks (tests/sql/10_production_state.sql) minus what needs
# pgvector: created, like there, under Supabase's default privileges (ALL to the API roles),
# RLS off, commented; a few rows so a migration that loses them is seen.
KNOWLEDGE_CHUNKS_WITHOUT_VECTOR_SQL = """
create table public.knowledge_chunks (
  id text primary key,
  source_doc text not null,
  source_name text,
  section text,
  content text not null,
  topic_tags text[],
  chunk_index int,
  word_count int,
  est_tokens int,
  fts tsvector,
  created_at timestamptz
);
comment on table public.knowledge_chunks is
  'RAG corpus for the AI coach. STUB loaded by tests/support/pg15.py without its embedding '
  'column (no pgvector on this PG 15 server). RLS disabled on purpose: public read.';
create index knowledge_chunks_fts_idx on public.knowledge_chunks using gin (fts);
insert into public.knowledge_chunks (id, source_doc, content, fts, created_at)
select format('pg15-stub_chunk_%s', lpad(n::text, 3, '0')), 'pg15-stub',
       format('Chunk %s of the PG 15 stand-in corpus.', n),
       to_tsvector('english', format('Chunk %s of the PG 15 stand-in corpus.', n)),
       timestamptz '2025-01-01 00:00:00+00'
from generate_series(0, 2) as n;
"""


def bindir() -> Path:
    """Directory of the PG 15 server binaries: ``$HYROX_PG15_BINDIR``, else Debian's."""
    configured = os.environ.get(BINDIR_ENV, "").strip()
    return Path(configured) if configured else DEFAULT_BINDIR


def missing_binaries(directory: Path) -> list[str]:
    """Names of the needed binaries (initdb, pg_ctl, postgres) absent from ``directory``."""
    return [name for name in BINARIES if not os.access(directory / name, os.X_OK)]


def _run_kwargs() -> dict[str, Any]:
    """subprocess arguments that drop to the ``postgres`` OS user when we are root."""
    if os.geteuid() != 0:
        return {}
    account = pwd.getpwnam(OS_USER)
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def _run(args: list[str], *, cwd: Path, log: Path | None = None) -> None:
    """Run a server binary; on failure raise with its output (and the server log)."""
    result = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, check=False, **_run_kwargs()
    )
    if result.returncode != 0:
        details = result.stdout + result.stderr
        if log is not None and log.is_file():
            details += f"\n--- {log} ---\n" + log.read_text(errors="replace")[-4000:]
        raise RuntimeError(f"{Path(args[0]).name} failed ({result.returncode}):\n{details}")


def _server_options(socket_dir: Path) -> str:
    """postgres command line for ``pg_ctl -o``: socket only, durability off."""
    settings = {"listen_addresses": "", "unix_socket_directories": str(socket_dir)}
    settings |= EMBEDDED_SETTINGS
    return " ".join(f"-c {name}='{value}'" for name, value in settings.items())


def conninfo(socket_dir: Path, dbname: str = DBNAME) -> str:
    """Libpq conninfo of the cluster (the Supabase search_path, as the harness uses)."""
    return make_conninfo(
        "",
        host=str(socket_dir),
        port=PORT,
        user=SUPERUSER,
        dbname=dbname,
        options=loaders.SEARCH_PATH_OPTIONS,
    )


@contextmanager
def pg15_cluster(directory: Path | None = None) -> Iterator[str]:
    """initdb + start a PG 15 cluster in a temp dir; yield its conninfo; stop and delete it."""
    binaries = directory or bindir()
    missing = missing_binaries(binaries)
    if missing:
        raise FileNotFoundError(f"PostgreSQL binaries missing from {binaries}: {missing}")
    parent = Path(tempfile.mkdtemp(prefix="hyrox-pg15-"))
    data, log = parent / "data", parent / "server.log"
    started = False
    try:
        kwargs = _run_kwargs()
        if kwargs:
            os.chown(parent, kwargs["user"], kwargs["group"])
        _run(
            [
                str(binaries / "initdb"),
                f"--pgdata={data}",
                f"--username={SUPERUSER}",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            cwd=parent,
        )
        _run(
            [
                str(binaries / "pg_ctl"),
                "start",
                "--wait",
                "--silent",
                f"--pgdata={data}",
                f"--log={log}",
                f"--options={_server_options(parent)}",
            ],
            cwd=parent,
            log=log,
        )
        started = True
        yield conninfo(parent)
    finally:
        try:
            if started:
                _run(
                    [
                        str(binaries / "pg_ctl"),
                        "stop",
                        "--wait",
                        "--silent",
                        "--mode=fast",
                        f"--pgdata={data}",
                    ],
                    cwd=parent,
                )
        finally:
            shutil.rmtree(parent, ignore_errors=True)


def server_version_num(conn: psycopg.Connection[Any]) -> int:
    """The server's ``server_version_num`` (e.g. 150014)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute("select current_setting('server_version_num')::int").fetchone()
    assert row is not None
    return int(row[0])


def load_stand_in(dsn: str) -> None:
    """The harness's Supabase stand-in (tests/sql/00-02), then the vector stub if needed, then
    the production state (knowledge_chunks without its vectors when pgvector is stubbed)."""
    facts = conninfo_to_dict(dsn)
    loaders.load_supabase_stand_in(
        host=str(facts["host"]),
        port=str(facts["port"]),
        user=str(facts["user"]),
        dbname=str(facts["dbname"]),
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        real_vector = conn.execute(
            "select exists (select from pg_available_extensions where name = 'vector')"
        ).fetchone()
        conn.execute(VECTOR_STUB_SQL)  # type: ignore[arg-type]  # a constant script
        if real_vector is not None and real_vector[0]:
            loaders.execute_script(conn, loaders.SQL_DIR / "10_production_state.sql")
        else:
            conn.execute(KNOWLEDGE_CHUNKS_WITHOUT_VECTOR_SQL)  # type: ignore[arg-type]  # a constant


def apply_migration(dsn: str) -> None:
    """The migration chain (001, 002, ... as the after layer has it), each file whole, in one
    execute on an autocommit connection (its own begin/commit)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for migration in chain.SELECTION.chain():
            loaders.execute_script(conn, migration.path)
