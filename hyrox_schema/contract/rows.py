"""The rows each declared data change touches, measured on the upgrade data set.

``hyrox-contract summary --rows``: in a scratch database (the suite's server choice:
``--pg-dsn`` / ``HYROX_TEST_DSN`` / embedded), the chain before the first migration that carries
a new declaration, the seeds, the upgrade data set (``fill`` of tests/support/upgrade_fill.py,
loaded by path), then the newer migrations; per declaration, the rows of its target before and
after, and how many were deleted, added or changed (:func:`hyrox_schema.upgrade.touched`). This
is the declaration's real effect on that data set, not a count of the live project's rows.
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from hyrox_schema import loaders, options, upgrade
from hyrox_schema.chain import discover
from hyrox_schema.contract.build import server
from hyrox_schema.hatches import Hatch
from hyrox_schema.server import cloned_database


def rows_touched(hatches: list[Hatch], root: Path) -> dict[str, str]:
    """Hatch location (``migrations/NNN_x.sql:LINE``) -> what its declaration touched."""
    files = {h.where.rpartition(":")[0] for h in hatches if h.tool == "data-change"}
    if not files:
        return {}
    chain = discover(root / "migrations")
    first = min(m.number for m in chain if f"migrations/{m.path.name}" in files)
    older, newer = [m for m in chain if m.number < first], [m for m in chain if m.number >= first]
    seed = options.resolve_factory_seed(None, os.environ)
    found: dict[str, str] = {}
    with server() as pg:
        dbname = f"hyrox_{os.getpid()}_rows"
        with cloned_database(pg, template=pg.template_dbname, dbname=dbname) as dsn:
            kwargs = {
                "host": pg.host,
                "port": pg.port,
                "user": pg.user,
                "password": pg.password,
                "dbname": dbname,
            }
            for load in loaders.before_001_loaders(pg.superuser):
                load(**kwargs)  # type: ignore[arg-type]  # LoaderArgs
            with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
                upgrade.apply(conn, older)
                for path in loaders.seed_files():
                    loaders.execute_script(conn, path)
                upgrade.repo_filler()(conn, seed)
                before = upgrade.snapshot(conn)
                try:
                    upgrade.apply(conn, newer)
                except psycopg.Error as error:
                    failed = f"not measured: the upgrade failed ({error.diag.message_primary})"
                    return {h.where: failed for h in hatches if h.tool == "data-change"}
                after = upgrade.snapshot(conn)
    for migration in newer:
        for change in upgrade.declared_changes(migration):
            found[f"migrations/{change.where}"] = upgrade.touched(change, before, after)
    return found
