"""Build a migrated database with the suite's own machinery, for ``python -m tests.contract``.

The same server choice as the suite (``--pg-dsn`` > ``HYROX_TEST_DSN`` >
embedded PostgreSQL 18), the same loaders: the before layer (Supabase
stand-in + production state), read as the baseline, then the migration
(``HYROX_MIGRATION`` or 001) and the seeds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from tests.contract import reader
from tests.contract.model import Block
from tests.support import loaders, options
from tests.support.server import PgServer, cloned_database, embedded_server, existing_server


@contextmanager
def server(dsn: str | None = None, source_db: str | None = None) -> Iterator[PgServer]:
    """The server: ``dsn`` > $HYROX_TEST_DSN > an embedded throw-away PostgreSQL."""
    dsn = options.resolve_dsn(dsn, os.environ)
    if dsn:
        yield existing_server(dsn, options.resolve_source_db(source_db, os.environ))
    else:
        with embedded_server() as embedded:
            yield embedded


def contract_of(pg: PgServer) -> dict[str, list[Block]]:
    """Build before layer + migration + seeds in a scratch database; read its contract."""
    dbname = f"hyrox_{os.getpid()}_contract"
    with cloned_database(pg, template=pg.template_dbname, dbname=dbname) as dsn:
        kwargs = {
            "host": pg.host,
            "port": pg.port,
            "user": pg.user,
            "password": pg.password,
            "dbname": dbname,
        }
        for load in loaders.before_001_loaders():
            load(**kwargs)
        with psycopg.connect(dsn, autocommit=True) as conn:
            before = reader.baseline(conn)
        for load in loaders.after_001_loaders():
            load(**kwargs)
        with psycopg.connect(dsn) as conn:
            return reader.read(conn, before)
