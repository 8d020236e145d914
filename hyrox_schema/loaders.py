"""Loaders that build the template layers (hyrox_schema.databases.template_layer).

template_layer calls each loader as
``loader(host=..., port=..., user=..., dbname=..., password=...)``.
A loader running a file inside a psycopg transaction would turn a
script's own ``begin; ... commit;`` into a "there is already a
transaction in progress" warning. These loaders instead run every file whole,
in one ``execute``, on an autocommit connection — exactly how ``psql -f`` or
the Supabase CLI would see a ``begin; ... commit;`` migration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypedDict, Unpack

import psycopg

from hyrox_schema import chain
from hyrox_schema.paths import REPO_ROOT

SQL_DIR = REPO_ROOT / "tests" / "sql"
SEEDS_DIR = REPO_ROOT / "seeds"

MIGRATION_ENV = chain.MIGRATION_ENV
DEFAULT_MIGRATION = "migrations/001_complete_schema.sql"

# Supabase runs migrations with this search_path; the harness connects with it too.
SEARCH_PATH_OPTIONS = '-c search_path="$user",public,extensions'

# The comment on the stand-in's schema auth starts with this marker.
STAND_IN_MARKER = "Supabase stand-in"

Flavour = Literal["stand-in", "supabase"]
Loader = Callable[..., object]


class LoaderArgs(TypedDict, total=False):
    """What hyrox_schema.databases.template_layer passes to every loader."""

    host: str
    port: int | str
    user: str
    dbname: str
    password: str | None
    autocommit: bool


def migration_path() -> Path:
    """Path of migration 001: ``$HYROX_MIGRATION`` if set, else the repository's file."""
    return chain.override_of_001() or REPO_ROOT / DEFAULT_MIGRATION


def seed_files() -> list[Path]:
    """Every ``seeds/*.sql`` file, in name order (empty when there is no seeds folder)."""
    return sorted(SEEDS_DIR.glob("*.sql")) if SEEDS_DIR.is_dir() else []


def connect(**kwargs: Unpack[LoaderArgs]) -> psycopg.Connection[Any]:
    """Autocommit connection to the database the loader is given (its autocommit is moot)."""
    return psycopg.connect(
        host=kwargs["host"],
        port=kwargs["port"],
        user=kwargs["user"],
        dbname=kwargs["dbname"],
        password=kwargs.get("password"),
        options=SEARCH_PATH_OPTIONS,
        autocommit=True,
    )


def execute_script(conn: psycopg.Connection[Any], path: Path) -> None:
    """Run a whole SQL file in one execute (simple query protocol, no psql meta-commands).

    On an autocommit connection a script's own ``begin; ... commit;`` is the
    transaction; without one, the statements run as one implicit transaction.
    A failure raises the server's error as is (``psycopg.errors.*``), with a
    note naming the file.
    """
    if not path.is_file():
        raise FileNotFoundError(f"SQL file not found: {path}")
    try:
        conn.execute(path.read_text(encoding="utf-8"))  # type: ignore[arg-type]  # a file, not a literal
    except psycopg.Error as error:
        error.add_note(f"while running {path}")
        raise


def flavour_of(conn: psycopg.Connection[Any]) -> Flavour:
    """Which auth schema the database has: the harness's stand-in, or a real Supabase one."""
    row = conn.execute(
        "select to_regnamespace('auth') is not null,"
        " coalesce(obj_description(to_regnamespace('auth'), 'pg_namespace'), '')"
    ).fetchone()
    assert row is not None
    has_auth, comment = row[0], row[1]
    if not has_auth:
        raise LookupError("the database has no auth schema")
    return "stand-in" if str(comment).startswith(STAND_IN_MARKER) else "supabase"


VectorFlavour = Literal["pgvector", "stand-in"]


@dataclass(frozen=True)
class Login:
    """A role the suite logs in as, and its password (None: trust / .pgpass / PGPASSWORD)."""

    user: str
    password: str | None = None


def connect_as_platform(
    superuser: Login | None, **kwargs: Unpack[LoaderArgs]
) -> psycopg.Connection[Any]:
    """Like :func:`connect`, as the platform's superuser when the run has one (None: an
    existing server without one, which must already be prepared like Supabase, README
    "Running against an existing server")."""
    if superuser is None:
        return connect(**kwargs)
    return connect(**(kwargs | {"user": superuser.user, "password": superuser.password}))


def vector_flavour(conn: psycopg.Connection[Any]) -> VectorFlavour | None:
    """The database's ``vector``: the real pgvector, the stand-in (PG 15/17), or none yet."""
    row = conn.execute("select extversion from pg_extension where extname = 'vector'").fetchone()
    if row is None:
        return None
    return "stand-in" if row[0] == "stand-in" else "pgvector"


def load_supabase_stand_in(superuser: Login | None = None, **kwargs: Unpack[LoaderArgs]) -> Flavour:
    """Layer (a), part 1, as the platform's superuser: roles, auth schema (only if missing),
    extensions, default privileges, and pgvector (the real one where the engine has it,
    else tests/sql/05_pgvector_stand_in.sql)."""
    with connect_as_platform(superuser, **kwargs) as conn:
        execute_script(conn, SQL_DIR / "00_supabase_roles.sql")
        row = conn.execute("select to_regnamespace('auth') is null").fetchone()
        if row is not None and row[0]:
            execute_script(conn, SQL_DIR / "01_supabase_auth.sql")
        execute_script(conn, SQL_DIR / "02_supabase_extensions_and_privileges.sql")
        if vector_flavour(conn) is None:
            available = conn.execute(
                "select exists (select from pg_available_extensions where name = 'vector')"
            ).fetchone()
            if available is not None and available[0]:
                # supautils lets postgres do this on Supabase; here the superuser does
                conn.execute("create extension vector with schema extensions")
            else:
                execute_script(conn, SQL_DIR / "05_pgvector_stand_in.sql")
        return flavour_of(conn)


def load_production_state(**kwargs: Unpack[LoaderArgs]) -> None:
    """Layer (a), part 2, as ``postgres`` (who created them on the live project):
    knowledge_chunks (239 rows), its HNSW index where pgvector is real, and the two RPCs."""
    with connect(**kwargs) as conn:
        execute_script(conn, SQL_DIR / "10_production_state.sql")
        if vector_flavour(conn) == "pgvector":
            execute_script(conn, SQL_DIR / "11_production_vector_index.sql")
        conn.execute("analyze public.knowledge_chunks")


def load_migration(**kwargs: Unpack[LoaderArgs]) -> None:
    """Layer (b), part 1: the migration chain, 001 (see :func:`migration_path`), 002, ...

    Every ``migrations/NNN_name.sql`` in number order, up to ``--migrate-to`` when given
    (:mod:`hyrox_schema.chain`). The upgrade path (``--upgrade-from``) is built elsewhere
    (:mod:`hyrox_schema.layers`, :mod:`hyrox_schema.upgrade`); these loaders know nothing of it.
    """
    with connect(**kwargs) as conn:
        for migration in chain.SELECTION.chain():
            execute_script(conn, migration.path)


def load_seeds(**kwargs: Unpack[LoaderArgs]) -> None:
    """Layer (b), part 2: every ``seeds/*.sql`` file, in name order."""
    with connect(**kwargs) as conn:
        for path in seed_files():
            execute_script(conn, path)


def before_001_loaders(superuser: Login | None) -> list[Loader]:
    """Loaders of layer (a): the Supabase stand-in (as ``superuser``, the platform's login) and
    the production state (as the layer's own user, ``postgres``)."""
    return [partial(load_supabase_stand_in, superuser), load_production_state]


def after_001_loaders() -> list[Loader]:
    """Loaders of layer (b) without data: the migration chain, plus the seeds when a seeds
    folder has any (the upgrade path: :func:`hyrox_schema.layers.after_001_loaders`)."""
    return [load_migration, *([load_seeds] if seed_files() else [])]
