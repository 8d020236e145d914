"""Upgrades keep the data: for every migration after 001, the database at N-1 is filled with
factory data for several athletes, migration N is applied, and every row must come through
unchanged unless the migration declares the change (``-- data-change:``, hyrox_schema/upgrade.py),
with RLS still isolating the upgraded rows.

With only 001 in migrations/ there is nothing to upgrade: the test is skipped, and the mechanism
is proven on the sample migrations (tests/test_migration_samples.py). ``--upgrade-from N`` runs
the whole suite on a database built through this path.
"""

from __future__ import annotations

import psycopg
import pytest

from hyrox_schema import upgrade
from hyrox_schema.chain import SELECTION, Migration
from hyrox_schema.loaders import execute_script, seed_files
from tests.support import upgrade_fill

Conn = psycopg.Connection[psycopg.rows.DictRow]

LATER = [m for m in SELECTION.chain() if m.number > 1]
CASES = [pytest.param(m, id=m.label) for m in LATER] or [
    pytest.param(
        None,
        id="nothing-to-upgrade",
        marks=pytest.mark.skip(
            reason="only 001 in migrations/: nothing to upgrade yet; the mechanism is proven "
            "on tests/migration_samples/ (tests/test_migration_samples.py)"
        ),
    )
]


@pytest.mark.commits
@pytest.mark.parametrize("migration", CASES)
def test_upgrade_keeps_every_row_and_isolates_it(
    db_before: Conn,
    migration: Migration,
    factory_seed: int,
) -> None:
    """At N-1 + seeds + data, N loses and alters no row it does not declare; RLS still holds."""
    upgrade.apply(db_before, (m for m in SELECTION.chain() if m.number < migration.number))
    for path in seed_files():
        execute_script(db_before, path)
    owners = upgrade_fill.fill(db_before, factory_seed)
    before = upgrade.snapshot(db_before)
    empty = sorted(table for table, rows in before.items() if rows.count() == 0)
    assert empty == [], (
        "tables the upgrade data leaves empty: add them to tests/support/upgrade_fill.py (fill)"
    )
    changes = upgrade.declared_changes(migration)
    execute_script(db_before, migration.path)
    comparison = upgrade.compare(before, upgrade.snapshot(db_before), changes)
    assert comparison.rows_carried > 0
    assert comparison.findings == []
    assert upgrade.isolation_failures(db_before, owners) == []


@pytest.mark.parametrize("migration", SELECTION.chain(), ids=lambda m: m.label)
def test_data_change_declarations_parse(migration: Migration) -> None:
    """Every ``-- data-change:`` line of every migration reads as a kind, a target and a why."""
    for change in upgrade.declared_changes(migration):
        assert change.reason, change.where
