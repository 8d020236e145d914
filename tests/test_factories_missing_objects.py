"""The factories and the upgrade fill skip, by themselves, what the database does not have yet.

The upgrade test fills the database at N-1, before the migration that creates a new table or
column; the factories (and so ``upgrade.fill``) then leave that table's rows and that column's
values out, each with a logged reason, instead of failing six frames deep on UndefinedTable.
"""

from __future__ import annotations

import logging

import factory
import psycopg
import pytest
from psycopg.rows import DictRow

from factories.athletes import AthleteFactory
from factories.base import PgFactory, Row
from factories.workouts import WorkoutLogFactory
from hyrox_schema import upgrade
from tests.support import upgrade_fill

Connection = psycopg.Connection[DictRow]


class NotYetCreatedFactory(PgFactory):
    """A throw-away factory for a table only a later migration would create (a name no real
    table takes: a new table is often called what the examples call it)."""

    class Meta:
        table = "public.scratch_not_yet_created"

    athlete_id = factory.LazyAttribute(lambda o: o.athlete["id"])
    weight_kg = 80

    class Params:
        athlete = None


def test_a_factory_for_a_missing_table_is_skipped_with_a_reason(
    factories_bound: Connection, caplog: pytest.LogCaptureFixture
) -> None:
    """No error: the unsaved values come back, and the log names the table and why."""
    athlete = AthleteFactory()
    with caplog.at_level(logging.WARNING, logger="factories"):
        row = NotYetCreatedFactory(athlete=athlete)
    assert isinstance(row, Row)
    assert row["athlete_id"] == athlete["id"]
    assert "public.scratch_not_yet_created does not exist in this database" in caplog.text
    assert "its row is skipped" in caplog.text


def test_a_missing_column_is_left_out_of_the_insert(
    factories_bound: Connection, caplog: pytest.LogCaptureFixture
) -> None:
    """The row is inserted without the column; the log names table.column."""
    with caplog.at_level(logging.WARNING, logger="factories"):
        log = WorkoutLogFactory(outdoors=True)
    assert "outdoors" not in log
    assert factories_bound.execute(
        "select count(*) as n from public.workout_logs where id = %s", (log["id"],)
    ).fetchone() == {"n": 1}
    assert "public.workout_logs.outdoors does not exist in this database" in caplog.text


def test_a_table_created_later_is_seen_once_it_exists(factories_bound: Connection) -> None:
    """The per-connection cache is refreshed when the table appears (no stale skip)."""
    athlete = AthleteFactory()
    assert "id" not in NotYetCreatedFactory(athlete=athlete)
    factories_bound.execute(
        "create table public.scratch_not_yet_created"
        " (id uuid primary key default gen_random_uuid(),"
        " athlete_id uuid not null, weight_kg numeric)"
    )
    assert "id" in NotYetCreatedFactory(athlete=athlete)


@pytest.mark.commits
def test_the_upgrade_fill_skips_a_table_the_database_does_not_have_yet(
    db: Connection, factory_seed: int, caplog: pytest.LogCaptureFixture
) -> None:
    """A database at N-1 without one of the factories' tables fills without error, and says
    which table it skipped (here athlete_achievements, dropped to stand for a table a later
    migration creates)."""
    db.execute("drop table public.athlete_achievements")
    with caplog.at_level(logging.INFO):
        owners = upgrade_fill.fill(db, factory_seed)
    assert len(owners) == upgrade.FILLER_ATHLETES + 1
    assert "public.athlete_achievements does not exist in this database" in caplog.text
    assert "upgrade fill: " in caplog.text
