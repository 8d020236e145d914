"""Bad input gets a clear error and leaves nothing half-written."""

from __future__ import annotations

import random
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from factories import base, graphs
from factories.achievements import AthleteAchievementFactory
from factories.athletes import AthleteFactory, AuthUserFactory
from factories.chat import ConversationFactory
from factories.plans import TrainingPlanFactory, TrainingPlanWeekFactory
from factories.providers import split_times
from factories.races import RaceResultFactory, split_rows
from factories.records import GoalFactory, PersonalRecordFactory
from factories.reference import AchievementDefinitionFactory, ExerciseFactory, stations
from hyrox_schema.engines import restrict_violation
from tests.behaviour.helpers import count, expect_error, factory_for
from tests.tables import names

Connection = psycopg.Connection[DictRow]

TABLES = sorted(names())


def _batch(conn: Connection, table: str, size: int) -> list[dict[str, Any]]:
    """``size`` valid, distinct, unsaved rows of ``table`` whose parents exist."""
    make = factory_for(table)
    athlete = AthleteFactory()
    if table == "hyrox_stations":
        conn.execute("delete from exercise_library where hyrox_station_id is not null")
        conn.execute("delete from hyrox_stations where station_number > 8 - %s", (size,))
        return [make.build(station_number=8 - i) for i in range(size)]
    if table == "athlete_profiles":
        return [make.build(user=AuthUserFactory()) for _ in range(size)]
    if table == "athlete_achievements":
        return [
            make.build(athlete=athlete, achievement=AchievementDefinitionFactory())
            for _ in range(size)
        ]
    per_row: dict[str, Any] = {
        "messages": {"conversation": ConversationFactory(athlete=athlete)},
        "training_plan_weeks": {"plan": TrainingPlanFactory(athlete=athlete)},
        "training_plan_days": {"week": TrainingPlanWeekFactory()},
        "race_splits": {"race": RaceResultFactory(athlete=athlete)},
    }
    if table in ("hyrox_stations", "exercise_library", "achievement_definitions"):
        parents: dict[str, Any] = {}
    else:
        parents = per_row.get(table, {"athlete": athlete})
    numbered = {"training_plan_weeks": "week_number", "training_plan_days": "day_of_week"}
    rows = []
    for i in range(size):
        extra = {numbered[table]: i + 1} if table in numbered else {}
        if table == "race_splits":
            extra = {"split_number": 2 * i + 1}
        rows.append(make.build(**parents, **extra))
    return rows


def _insert_many(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """One INSERT ... VALUES statement for all rows (missing columns get DEFAULT)."""
    jsonish = base.json_columns(conn, f"public.{table}")
    columns = sorted({c for r in rows for c in r})
    values = []
    params: list[Any] = []
    for row in rows:
        cells = []
        for column in columns:
            if column not in row:
                cells.append(sql.DEFAULT)
                continue
            value = row[column]
            params.append(Jsonb(value) if column in jsonish and value is not None else value)
            cells.append(sql.Placeholder())
        values.append(sql.SQL("({})").format(sql.SQL(", ").join(cells)))
    conn.execute(
        sql.SQL("insert into {} ({}) values {}").format(
            sql.Identifier("public", table),
            sql.SQL(", ").join(map(sql.Identifier, columns)),
            sql.SQL(", ").join(values),
        ),
        params,
    )


@pytest.mark.parametrize("table", TABLES)
def test_batch_insert_with_one_bad_row_writes_nothing(factories_bound: Connection, table: str):
    """Three rows in one INSERT, the last with a NULL created_at: none is stored."""
    rows = _batch(factories_bound, table, 3)
    with factories_bound.transaction(force_rollback=True):  # control: the good rows insert
        _insert_many(factories_bound, table, rows)
    before = count(factories_bound, table)
    rows[-1] = {**rows[-1], "created_at": None}
    with expect_error(factories_bound, psycopg.errors.NotNullViolation) as info:
        _insert_many(factories_bound, table, rows)
    assert (info.value.diag.table_name, info.value.diag.column_name) == (table, "created_at")
    assert count(factories_bound, table) == before


def test_race_with_one_impossible_split_stores_no_split(factories_bound: Connection):
    """16 splits in one statement, the last with a zero time: the race keeps no split."""
    race = RaceResultFactory()
    station_ids = [s.id for s in stations()]
    values = split_rows(split_times(random.Random(1), total=race.total_time_seconds))
    assert len(values) == 16
    values[-1]["time_seconds"] = 0
    rows = [
        {
            "race_result_id": race.id,
            "athlete_id": race.athlete_id,
            "split_type": "run" if v["split_number"] % 2 else "station",
            "station_id": None
            if v["split_number"] % 2
            else station_ids[v["split_number"] // 2 - 1],
            **v,
        }
        for v in values
    ]
    with expect_error(
        factories_bound, psycopg.errors.CheckViolation, "race_splits_time_seconds_check"
    ) as info:
        _insert_many(factories_bound, "race_splits", rows)
    assert "race_splits" in str(info.value)
    assert count(factories_bound, "race_splits", race_result_id=race.id) == 0


def test_batch_update_with_one_bad_row_changes_nothing(factories_bound: Connection):
    """An UPDATE over an athlete's goals that breaks one row leaves every goal as it was."""
    athlete = AthleteFactory()
    goals = [GoalFactory(athlete=athlete), GoalFactory(athlete=athlete, open_ended=True)]
    with expect_error(
        factories_bound, psycopg.errors.CheckViolation, "goals_target_value_unit_check"
    ):
        factories_bound.execute(
            "update goals set target_value = 80 where athlete_id = %s", (athlete.id,)
        )
    after = factories_bound.execute(
        "select id, target_value from goals where athlete_id = %s order by id", (athlete.id,)
    ).fetchall()
    assert after == sorted(
        ({"id": g.id, "target_value": g.target_value} for g in goals), key=lambda r: r["id"]
    )


def test_batch_delete_with_one_protected_row_deletes_nothing(factories_bound: Connection):
    """Deleting two exercises, one still used by a record: the delete fails whole."""
    free = ExerciseFactory()
    used = PersonalRecordFactory(exercise_weight=True).exercise_id
    with expect_error(
        factories_bound,
        restrict_violation(factories_bound),
        "personal_records_exercise_id_fkey",
    ):
        factories_bound.execute(
            "delete from exercise_library where id = any(%s)", ([free.id, used],)
        )
    assert count(factories_bound, "exercise_library", id=free.id) == 1
    assert count(factories_bound, "exercise_library", id=used) == 1


def test_failed_graph_build_leaves_no_orphans(factories_bound: Connection):
    """A builder that fails midway inside one transaction leaves no athlete, user or plan."""
    before = {t: count(factories_bound, t) for t in ("athlete_profiles", "training_plans")}
    users = factories_bound.execute("select count(*) as n from auth.users").fetchone()
    with expect_error(
        factories_bound, psycopg.errors.CheckViolation, "training_plans_duration_weeks_check"
    ):
        graphs.athlete_with_plan(weeks=53)  # the athlete is written before the plan fails
    assert {t: count(factories_bound, t) for t in before} == before
    assert factories_bound.execute("select count(*) as n from auth.users").fetchone() == users


def test_award_twice_in_one_batch_stores_neither(factories_bound: Connection):
    """Awarding the same achievement twice in one statement fails on the unique key, whole."""
    athlete = AthleteFactory()
    achievement = AchievementDefinitionFactory()
    row = AthleteAchievementFactory.build(athlete=athlete, achievement=achievement)
    with expect_error(
        factories_bound,
        psycopg.errors.UniqueViolation,
        "athlete_achievements_athlete_achievement_key",
    ):
        _insert_many(factories_bound, "athlete_achievements", [dict(row), dict(row)])
    assert count(factories_bound, "athlete_achievements", athlete_id=athlete.id) == 0
