"""Build a migrated database with the suite's own machinery, for ``hyrox-contract``.

The same server choice as the suite (``--pg-dsn`` > ``HYROX_TEST_DSN`` > a throw-away
cluster of ``--pg-engine``, 18 by default), the same loaders and logins: the before layer (Supabase
stand-in + production state), read as the baseline, then the migration
(``HYROX_MIGRATION`` or 001) and the seeds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import psycopg

from hyrox_schema import engines, loaders, options
from hyrox_schema.contract import reader
from hyrox_schema.contract.model import Block
from hyrox_schema.server import (
    PgServer,
    cloned_database,
    embedded_server,
    existing_server,
)


@contextmanager
def server(
    dsn: str | None = None,
    source_db: str | None = None,
    *,
    engine: str | None = None,
    superuser_dsn: str | None = None,
) -> Iterator[PgServer]:
    """The server: ``dsn`` > $HYROX_TEST_DSN > a throw-away cluster of ``engine``."""
    dsn = options.resolve_dsn(dsn, os.environ)
    with ExitStack() as stack:
        if dsn:
            pg = existing_server(
                dsn,
                options.resolve_source_db(source_db, os.environ),
                superuser_dsn=options.resolve(
                    superuser_dsn, options.SUPERUSER_DSN_ENV, os.environ, None, str
                ),
            )
        else:
            name = options.resolve_engine(engine, os.environ, engines.DEFAULT_ENGINE)
            pg = stack.enter_context(embedded_server(name))
        yield pg


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
        for load in loaders.before_001_loaders(pg.superuser):
            load(**kwargs)
        with psycopg.connect(dsn, autocommit=True) as conn:
            before = reader.baseline(conn)
        for load in loaders.after_001_loaders():
            load(**kwargs)
        with psycopg.connect(dsn) as conn:
            return reader.read(conn, before)
