"""Soft delete (deleted_at): the owner still sees the row, can restore it, keys stay sane."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import DictRow

from factories import graphs
from factories.athletes import AthleteFactory
from factories.plans import TrainingPlanFactory
from factories.records import GoalFactory
from hyrox_schema import catalog
from hyrox_schema.impersonation import acting_as, athlete_claims
from tests.behaviour.helpers import PRE_EXISTING_TABLES, count, expect_error, factory_for, fetch
from tests.tables import declared, soft_delete_tables

Connection = psycopg.Connection[DictRow]

SOFT_DELETE_TABLES = sorted(t.name for t in soft_delete_tables())
DELETED_AT = datetime(2026, 2, 1, 9, 30, tzinfo=UTC)


def _set_deleted_at(conn: Connection, table: str, row_id: object, value: object) -> int:
    cur = conn.execute(
        sql.SQL("update {} set deleted_at = %s where id = %s").format(
            sql.Identifier("public", table)
        ),
        (value, row_id),
    )
    return cur.rowcount


def test_soft_delete_tables_are_the_designed_ones(conn: Connection):
    """deleted_at exists on exactly the tables where users undo deletes, nullable, no default."""
    found = []
    for table in catalog.tables(conn, exclude=PRE_EXISTING_TABLES):
        column = next(
            (c for c in catalog.columns(conn, table.name) if c.name == "deleted_at"), None
        )
        if column is not None and declared(table.name):
            found.append(table.name)
            assert not column.not_null
            assert column.default is None
            assert column.data_type == "timestamp with time zone"
    missing = [
        f'{t}: set `soft_delete="deleted_at"` in tests/tables/{t}.py'
        for t in found
        if t not in SOFT_DELETE_TABLES
    ]
    assert missing == [], "\n".join(missing)
    assert found == SOFT_DELETE_TABLES


@pytest.mark.parametrize("table", SOFT_DELETE_TABLES)
def test_owner_soft_deletes_still_sees_and_restores(factories_bound: Connection, table: str):
    """The owner sets deleted_at, still reads the row (for undo) and clears it again."""
    athlete = AthleteFactory()
    row = factory_for(table)(athlete=athlete)
    with acting_as(factories_bound, athlete_claims(athlete.user_id)):
        assert _set_deleted_at(factories_bound, table, row.id, DELETED_AT) == 1
        visible = fetch(factories_bound, table, row.id)
        assert visible is not None
        assert visible["deleted_at"] == DELETED_AT
        assert _set_deleted_at(factories_bound, table, row.id, None) == 1
    restored = fetch(factories_bound, table, row.id)
    assert restored is not None
    assert restored["deleted_at"] is None
    changed = {"deleted_at", "updated_at"}
    assert {k: v for k, v in restored.items() if k not in changed} == {
        k: v for k, v in row.items() if k not in changed
    }


@pytest.mark.parametrize("table", SOFT_DELETE_TABLES)
def test_soft_deleted_rows_stay_private(factories_bound: Connection, table: str):
    """Another athlete sees neither the live nor the soft-deleted row, nor can restore it."""
    owner, other = AthleteFactory(), AthleteFactory()
    row = factory_for(table)(athlete=owner, soft_deleted=True)
    with acting_as(factories_bound, athlete_claims(other.user_id)):
        assert fetch(factories_bound, table, row.id) is None
        assert _set_deleted_at(factories_bound, table, row.id, None) == 0
    after = fetch(factories_bound, table, row.id)
    assert after is not None
    assert after["deleted_at"] is not None


@pytest.mark.parametrize("table", SOFT_DELETE_TABLES)
def test_soft_deleted_row_can_still_be_hard_deleted(factories_bound: Connection, table: str):
    """Soft delete is not a lock: the owner can still delete the row for good."""
    athlete = AthleteFactory()
    row = factory_for(table)(athlete=athlete, soft_deleted=True)
    with acting_as(factories_bound, athlete_claims(athlete.user_id)):
        factories_bound.execute(
            sql.SQL("delete from {} where id = %s").format(sql.Identifier("public", table)),
            (row.id,),
        )
    assert fetch(factories_bound, table, row.id) is None


def test_soft_deleted_active_plan_frees_the_active_slot(factories_bound: Connection):
    """Only non-deleted active plans count toward the one-active-plan rule."""
    athlete = AthleteFactory()
    first = TrainingPlanFactory(athlete=athlete, active=True)
    with expect_error(
        factories_bound,
        psycopg.errors.UniqueViolation,
        "training_plans_one_active_per_athlete_key",
    ):
        TrainingPlanFactory(athlete=athlete, active=True)
    _set_deleted_at(factories_bound, "training_plans", first.id, DELETED_AT)
    second = TrainingPlanFactory(athlete=athlete, active=True)
    assert second.status == "active"


def test_restoring_a_deleted_active_plan_needs_a_free_slot(factories_bound: Connection):
    """Undoing the delete of an active plan is refused while another plan is active."""
    athlete = AthleteFactory()
    first = TrainingPlanFactory(athlete=athlete, active=True, soft_deleted=True)
    second = TrainingPlanFactory(athlete=athlete, active=True)
    with expect_error(
        factories_bound,
        psycopg.errors.UniqueViolation,
        "training_plans_one_active_per_athlete_key",
    ):
        _set_deleted_at(factories_bound, "training_plans", first.id, None)
    factories_bound.execute(
        "update training_plans set status = 'archived' where id = %s", (second.id,)
    )
    assert _set_deleted_at(factories_bound, "training_plans", first.id, None) == 1


def test_soft_deleted_goal_does_not_block_an_identical_goal(factories_bound: Connection):
    """Goals have no uniqueness: a deleted goal and the same goal set again coexist."""
    athlete = AthleteFactory()
    old = GoalFactory(athlete=athlete, soft_deleted=True)
    new = GoalFactory(athlete=athlete, title=old.title, goal_type=old.goal_type)
    assert new.deleted_at is None
    assert count(factories_bound, "goals", athlete_id=athlete.id, title=old.title) == 2


def test_soft_deleting_a_plan_keeps_its_weeks_days_and_links(factories_bound: Connection):
    """A soft-deleted plan loses nothing: weeks, days and linked logs stay as they were."""
    plan = graphs.athlete_with_plan(weeks=2)
    logs = graphs.training_history(plan, weeks_done=1)
    _set_deleted_at(factories_bound, "training_plans", plan.plan.id, DELETED_AT)
    assert count(factories_bound, "training_plan_days", athlete_id=plan.athlete.id) == 14
    for log in logs:
        stored = fetch(factories_bound, "workout_logs", log.id)
        assert stored is not None
        assert stored["training_plan_day_id"] == log.training_plan_day_id


def test_soft_deleted_log_no_longer_completes_its_day(factories_bound: Connection):
    """A soft-deleted log keeps its link but its day is not completed; restoring redoes it."""
    plan = graphs.athlete_with_plan(weeks=1)
    day = plan.day(1, 1)
    (log,) = [
        log for log in graphs.training_history(plan, weeks_done=1)
        if log.training_plan_day_id == day.id
    ]  # fmt: skip
    assert fetch(factories_bound, "training_plan_days", day.id)["is_completed"]  # type: ignore[index]
    _set_deleted_at(factories_bound, "workout_logs", log.id, DELETED_AT)
    hidden = fetch(factories_bound, "training_plan_days", day.id)
    assert hidden is not None
    assert hidden["linked_workout_log_id"] == log.id
    assert hidden["is_completed"] is False
    _set_deleted_at(factories_bound, "workout_logs", log.id, None)
    assert fetch(factories_bound, "training_plan_days", day.id)["is_completed"] is True  # type: ignore[index]
