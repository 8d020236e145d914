"""The plan-day <-> workout-log link stays mirrored on every path the design allows.

workout_logs.training_plan_day_id and training_plan_days.linked_workout_log_id are two
sides of one link kept in sync by triggers; the last link written wins; is_completed is
derived (linked log completed or partial, not soft-deleted). After every path the test
checks both sides agree and that the deferred unique backstops hold.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from psycopg.rows import DictRow

from factories import Row
from factories.athletes import AthleteFactory
from factories.base import connection
from factories.plans import TrainingPlanDayFactory, TrainingPlanFactory, TrainingPlanWeekFactory
from factories.workouts import WorkoutLogFactory
from hyrox_schema import catalog
from tests.behaviour.helpers import assert_link_consistent as assert_consistent
from tests.behaviour.helpers import expect_error, fetch

Connection = psycopg.Connection[DictRow]


def _day(conn: Connection, day: Row) -> dict[str, Any]:
    row = fetch(conn, "training_plan_days", day.id)
    assert row is not None
    return row


def _log(conn: Connection, log: Row) -> dict[str, Any]:
    row = fetch(conn, "workout_logs", log.id)
    assert row is not None
    return row


def _link_log(conn: Connection, log: Row, day: Row | None) -> None:
    conn.execute(
        "update workout_logs set training_plan_day_id = %s where id = %s",
        (day.id if day else None, log.id),
    )


def _link_day(conn: Connection, day: Row, log: Row | None) -> None:
    conn.execute(
        "update training_plan_days set linked_workout_log_id = %s where id = %s",
        (log.id if log else None, day.id),
    )


@pytest.fixture
def week(factories_bound: Connection) -> Row:
    """A week of a fresh athlete's plan."""
    return TrainingPlanWeekFactory()


def _days(week: Row, n: int) -> list[Row]:
    return [TrainingPlanDayFactory(week=week, day_of_week=i) for i in range(1, n + 1)]


def _log_of(week: Row, **kwargs: Any) -> Row:  # noqa: ANN401
    athlete = fetch_athlete(week)
    return WorkoutLogFactory(athlete=athlete, **kwargs)


def fetch_athlete(row: Row) -> Row:
    """The athlete_profiles row owning ``row``."""
    found = (
        connection()
        .execute("select * from athlete_profiles where id = %s", (row.athlete_id,))
        .fetchone()
    )
    assert found is not None
    return Row(found)


def test_link_uniques_are_deferred_backstops(conn: Connection):
    """Both one-to-one uniques are DEFERRABLE INITIALLY DEFERRED (so a steal can pass)."""
    indexes = {i.name: i for i in catalog.indexes(conn)}
    for name, columns in (
        ("workout_logs_training_plan_day_key", ["training_plan_day_id", "athlete_id"]),
        ("training_plan_days_linked_workout_log_key", ["linked_workout_log_id", "athlete_id"]),
    ):
        assert indexes[name].unique
        assert indexes[name].columns == columns
        row = conn.execute(
            "select condeferrable, condeferred from pg_constraint where conname = %s", (name,)
        ).fetchone()
        assert row == {"condeferrable": True, "condeferred": True}


def test_log_created_on_a_day_completes_it(factories_bound: Connection, week: Row):
    """Log first, with its day: the day mirrors the link and is completed."""
    (day,) = _days(week, 1)
    log = WorkoutLogFactory(plan_day=day)
    assert _day(factories_bound, day)["linked_workout_log_id"] == log.id
    assert _day(factories_bound, day)["is_completed"] is True
    assert_consistent(factories_bound, week.athlete_id)


def test_existing_log_linked_from_the_log_side(factories_bound: Connection, week: Row):
    """A log written before its day is linked later by setting training_plan_day_id."""
    log = _log_of(week)
    (day,) = _days(week, 1)
    assert _day(factories_bound, day)["is_completed"] is False
    _link_log(factories_bound, log, day)
    assert _day(factories_bound, day)["linked_workout_log_id"] == log.id
    assert _day(factories_bound, day)["is_completed"] is True
    assert_consistent(factories_bound, week.athlete_id)


def test_link_set_from_the_day_side_mirrors_on_the_log(factories_bound: Connection, week: Row):
    """Day first: setting linked_workout_log_id writes the log's training_plan_day_id."""
    (day,) = _days(week, 1)
    log = _log_of(week)
    _link_day(factories_bound, day, log)
    assert _log(factories_bound, log)["training_plan_day_id"] == day.id
    assert _day(factories_bound, day)["is_completed"] is True
    assert_consistent(factories_bound, week.athlete_id)


def test_day_inserted_already_linked(factories_bound: Connection, week: Row):
    """A day inserted with its log mirrors it at once and derives is_completed on insert."""
    log = _log_of(week)
    day = TrainingPlanDayFactory(week=week, linked_workout_log_id=log.id)
    assert day.is_completed is True
    assert _log(factories_bound, log)["training_plan_day_id"] == day.id
    assert_consistent(factories_bound, week.athlete_id)


def test_second_log_steals_the_day(factories_bound: Connection, week: Row):
    """Last link wins from the log side: the day moves to the new log, the old one is freed."""
    (day,) = _days(week, 1)
    first = WorkoutLogFactory(plan_day=day)
    second = WorkoutLogFactory(plan_day=day, partial=True)
    assert _day(factories_bound, day)["linked_workout_log_id"] == second.id
    assert _log(factories_bound, first)["training_plan_day_id"] is None
    assert _day(factories_bound, day)["is_completed"] is True
    assert_consistent(factories_bound, week.athlete_id)


def test_day_relinked_to_another_log_frees_the_first(factories_bound: Connection, week: Row):
    """Last link wins from the day side: the previous log loses its day."""
    (day,) = _days(week, 1)
    first = WorkoutLogFactory(plan_day=day)
    second = _log_of(week, skipped=True)
    _link_day(factories_bound, day, second)
    assert _log(factories_bound, first)["training_plan_day_id"] is None
    assert _log(factories_bound, second)["training_plan_day_id"] == day.id
    assert _day(factories_bound, day)["is_completed"] is False  # skipped does not complete
    assert_consistent(factories_bound, week.athlete_id)


def test_log_moved_to_another_day_frees_the_first_day(factories_bound: Connection, week: Row):
    """Re-pointing a log releases the day it held and completes the new one."""
    monday, tuesday = _days(week, 2)
    log = WorkoutLogFactory(plan_day=monday)
    _link_log(factories_bound, log, tuesday)
    assert _day(factories_bound, monday)["linked_workout_log_id"] is None
    assert _day(factories_bound, monday)["is_completed"] is False
    assert _day(factories_bound, tuesday)["linked_workout_log_id"] == log.id
    assert_consistent(factories_bound, week.athlete_id)


def test_day_claims_a_log_held_by_another_day(factories_bound: Connection, week: Row):
    """A day taking a log from another day leaves that other day unlinked."""
    monday, tuesday = _days(week, 2)
    log = WorkoutLogFactory(plan_day=monday)
    _link_day(factories_bound, tuesday, log)
    assert _log(factories_bound, log)["training_plan_day_id"] == tuesday.id
    assert _day(factories_bound, monday)["linked_workout_log_id"] is None
    assert_consistent(factories_bound, week.athlete_id)


@pytest.mark.parametrize("side", ["log", "day"])
def test_unlinking_from_either_side(factories_bound: Connection, week: Row, side: str):
    """Clearing the link on one side clears it on the other; the day is no longer done."""
    (day,) = _days(week, 1)
    log = WorkoutLogFactory(plan_day=day)
    if side == "log":
        _link_log(factories_bound, log, None)
    else:
        _link_day(factories_bound, day, None)
    assert _log(factories_bound, log)["training_plan_day_id"] is None
    assert _day(factories_bound, day)["linked_workout_log_id"] is None
    assert _day(factories_bound, day)["is_completed"] is False
    assert_consistent(factories_bound, week.athlete_id)


def test_deleting_the_log_uncompletes_the_day(factories_bound: Connection, week: Row):
    """Deleting the log clears the day's link (set null) and re-derives is_completed."""
    (day,) = _days(week, 1)
    log = WorkoutLogFactory(plan_day=day)
    factories_bound.execute("delete from workout_logs where id = %s", (log.id,))
    assert _day(factories_bound, day)["linked_workout_log_id"] is None
    assert _day(factories_bound, day)["is_completed"] is False
    assert_consistent(factories_bound, week.athlete_id)


def test_deleting_the_day_keeps_the_log(factories_bound: Connection, week: Row):
    """Deleting the day keeps the log (history), its link cleared."""
    (day,) = _days(week, 1)
    log = WorkoutLogFactory(plan_day=day)
    factories_bound.execute("delete from training_plan_days where id = %s", (day.id,))
    assert _log(factories_bound, log)["training_plan_day_id"] is None
    assert_consistent(factories_bound, week.athlete_id)


def test_soft_delete_and_restore_of_the_log(factories_bound: Connection, week: Row):
    """A soft-deleted log keeps the link but not the completion; restoring brings it back."""
    (day,) = _days(week, 1)
    log = WorkoutLogFactory(plan_day=day)
    stamp = datetime(2026, 2, 1, tzinfo=UTC)
    factories_bound.execute(
        "update workout_logs set deleted_at = %s where id = %s", (stamp, log.id)
    )
    assert _day(factories_bound, day)["linked_workout_log_id"] == log.id
    assert _day(factories_bound, day)["is_completed"] is False
    assert_consistent(factories_bound, week.athlete_id)
    factories_bound.execute("update workout_logs set deleted_at = null where id = %s", (log.id,))
    assert _day(factories_bound, day)["is_completed"] is True
    assert_consistent(factories_bound, week.athlete_id)


@pytest.mark.parametrize(
    ("status", "completed"), [("completed", True), ("partial", True), ("skipped", False)]
)
def test_completion_follows_the_log_status(
    factories_bound: Connection, week: Row, status: str, completed: bool
):
    """completed and partial complete the day; skipped does not."""
    (day,) = _days(week, 1)
    WorkoutLogFactory(plan_day=day, completion_status=status)
    assert _day(factories_bound, day)["is_completed"] is completed


def test_status_changes_re_derive_completion(factories_bound: Connection, week: Row):
    """Changing the linked log's status updates the day every time."""
    (day,) = _days(week, 1)
    log = WorkoutLogFactory(plan_day=day, skipped=True)
    for status, completed in (("completed", True), ("partial", True), ("skipped", False)):
        factories_bound.execute(
            "update workout_logs set completion_status = %s where id = %s", (status, log.id)
        )
        assert _day(factories_bound, day)["is_completed"] is completed, status
    assert_consistent(factories_bound, week.athlete_id)


def test_is_completed_is_never_taken_from_the_client(factories_bound: Connection, week: Row):
    """Writing is_completed directly is overridden by the derivation (insert and update)."""
    forged = TrainingPlanDayFactory(week=week, is_completed=True)
    assert forged.is_completed is False
    factories_bound.execute(
        "update training_plan_days set is_completed = true where id = %s", (forged.id,)
    )
    assert _day(factories_bound, forged)["is_completed"] is False
    log = WorkoutLogFactory(plan_day=forged)
    factories_bound.execute(
        "update training_plan_days set is_completed = false where id = %s", (forged.id,)
    )
    assert _day(factories_bound, forged)["is_completed"] is True
    assert log.training_plan_day_id == forged.id


def test_link_to_another_athletes_day_or_log_is_refused(factories_bound: Connection, week: Row):
    """Neither side can point at the other athlete's row (composite same-owner keys)."""
    (day,) = _days(week, 1)
    stranger_log = WorkoutLogFactory(athlete=AthleteFactory())
    with expect_error(
        factories_bound,
        psycopg.errors.ForeignKeyViolation,
        "training_plan_days_linked_workout_log_id_fkey",
    ):
        _link_day(factories_bound, day, stranger_log)
    with expect_error(
        factories_bound,
        psycopg.errors.ForeignKeyViolation,
        "workout_logs_training_plan_day_id_fkey",
    ):
        _link_log(factories_bound, stranger_log, day)
    assert _day(factories_bound, day)["linked_workout_log_id"] is None
    assert _log(factories_bound, stranger_log)["training_plan_day_id"] is None


def test_many_logs_linked_in_one_statement(factories_bound: Connection):
    """A bulk insert of logs for a whole week links every day, consistently."""
    plan = TrainingPlanFactory()
    week = TrainingPlanWeekFactory(plan=plan, week_number=1)
    days = _days(week, 7)
    factories_bound.execute(
        "insert into workout_logs (athlete_id, date, session_type, training_plan_day_id)"
        " select d.athlete_id, date '2026-01-05' + d.day_of_week - 1, 'run', d.id"
        " from training_plan_days as d where d.training_plan_week_id = %s",
        (week.id,),
    )
    assert all(_day(factories_bound, d)["is_completed"] for d in days)
    assert_consistent(factories_bound, week.athlete_id)


@pytest.mark.commits
def test_steals_commit_cleanly(db_factories_bound: Connection):
    """A steal from each side inside one transaction passes the deferred checks at COMMIT."""
    week = TrainingPlanWeekFactory()
    (day,) = _days(week, 1)
    first = WorkoutLogFactory(plan_day=day)
    second = _log_of(week)
    third = _log_of(week)
    with db_factories_bound.transaction():
        _link_log(db_factories_bound, second, day)
        _link_day(db_factories_bound, day, third)
    assert _day(db_factories_bound, day)["linked_workout_log_id"] == third.id
    assert _log(db_factories_bound, first)["training_plan_day_id"] is None
    assert _log(db_factories_bound, second)["training_plan_day_id"] is None
    assert_consistent(db_factories_bound, week.athlete_id)
