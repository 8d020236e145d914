"""NOT NULL, column defaults and unique rules, driven from the schema contract.

The lists come from the committed contract (contract/, see hyrox_schema/contract), never from
the catalog under test: a NOT NULL, default or unique dropped from the migration is still
in the contract, so its test still runs and fails. Every NOT NULL column refuses an
explicit NULL; every column default is asserted by value (a contract default without an
expectation here fails); every unique constraint or index is violated once by name (or
shown to be an FK target that only the primary key can violate).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg.rows import DictRow

import factories
from factories import base
from factories.achievements import AthleteAchievementFactory
from factories.athletes import AthleteFactory, AuthUserFactory
from factories.chat import ConversationFactory
from factories.plans import TrainingPlanDayFactory, TrainingPlanFactory, TrainingPlanWeekFactory
from factories.races import RaceResultFactory, RaceSplitFactory
from factories.reference import AchievementDefinitionFactory, ExerciseFactory, HyroxStationFactory
from factories.workouts import WorkoutLogFactory
from hyrox_schema import catalog
from hyrox_schema.contract import load as load_contract
from hyrox_schema.impersonation import acting_as, athlete_claims, service_claims
from tests.behaviour.helpers import (
    PRE_EXISTING_TABLES,
    expect_error,
    factory_for,
    triggers_disabled,
)
from tests.support import brief

Connection = psycopg.Connection[DictRow]

# Columns a BEFORE trigger always computes: an explicit NULL is overwritten, not refused.
TRIGGER_DERIVED = {("training_plan_days", "is_completed"): False}

UUID = object()  # a generated uuid
NOW = object()  # the transaction's now()
CALLER = object()  # private.current_athlete_id(): the requesting athlete's profile id

EXPECTED_DEFAULTS: dict[tuple[str, str], Any] = {
    ("hyrox_stations", "tips"): [],
    ("exercise_library", "muscle_groups"): [],
    ("exercise_library", "equipment_needed"): [],
    ("exercise_library", "difficulty"): "intermediate",
    ("exercise_library", "is_active"): True,
    ("achievement_definitions", "criteria"): {},
    ("achievement_definitions", "is_active"): True,
    ("athlete_profiles", "units_preference"): "metric",
    ("athlete_profiles", "hyrox_race_count"): 0,
    ("athlete_profiles", "training_history"): {},
    ("athlete_profiles", "equipment_available"): [],
    ("athlete_profiles", "injuries_limitations"): [],
    ("athlete_profiles", "preferences"): {},
    ("athlete_profiles", "profile_complete"): False,
    ("conversations", "started_at"): NOW,
    ("messages", "role"): "user",
    ("messages", "pinned"): False,
    ("training_plans", "difficulty"): "intermediate",
    ("training_plans", "is_ai_generated"): False,
    ("training_plans", "status"): "draft",
    ("training_plan_days", "session_order"): 1,
    ("training_plan_days", "workout_details"): {},
    ("training_plan_days", "is_rest_day"): False,
    ("training_plan_days", "is_completed"): False,
    ("workout_logs", "completion_status"): "completed",
    ("benchmark_tests", "results"): {},
    ("race_results", "division"): "open",
    ("race_results", "format"): "singles",
    ("race_results", "status"): "finished",
    ("race_results", "penalty_seconds"): 0,
    ("race_results", "is_simulation"): False,
    ("race_results", "conditions"): {},
    ("goals", "status"): "active",
    ("athlete_achievements", "earned_at"): NOW,
    ("athlete_achievements", "context"): {},
}


CONTRACT = load_contract()
TABLES = sorted(CONTRACT.tables())
OWNED = sorted(brief.ATHLETE_TABLES - {"athlete_profiles"})


def _expected_default(table: str, column: str) -> Any:  # noqa: ANN401 - any column value
    if column == "id":
        return UUID
    if column in ("created_at", "updated_at"):
        return NOW
    if column == "athlete_id":
        return CALLER
    return EXPECTED_DEFAULTS[(table, column)]


# --------------------------------------------------------------------------- NOT NULL


@pytest.mark.parametrize("table", TABLES)
def test_not_null_columns_refuse_null(factories_bound: Connection, table: str):
    """Every column the contract calls NOT NULL refuses an explicit NULL, naming it (23502)."""
    columns = CONTRACT.not_null_columns(table)
    assert columns, f"{table} has no NOT NULL column"
    make = factory_for(table)
    for column in columns:
        if (table, column) in TRIGGER_DERIVED:
            row = make(**{column: None})
            assert row[column] == TRIGGER_DERIVED[(table, column)]
            # the trigger overwrites NULL; past a bypass of it, NOT NULL still refuses
            with (
                expect_error(factories_bound, psycopg.errors.NotNullViolation) as info,
                triggers_disabled(factories_bound, table),
            ):
                make(**{column: None})
            assert info.value.diag.column_name == column
            continue
        with expect_error(factories_bound, psycopg.errors.NotNullViolation) as info:
            make(**{column: None})
        assert info.value.diag.column_name == column
        assert info.value.diag.table_name == table


def test_nullable_columns_are_the_designed_ones(conn: Connection):
    """Ownership, keys and timestamps are NOT NULL on every table."""
    for table in TABLES:
        columns = {c.name: c for c in catalog.columns(conn, table)}
        for name in ("id", "created_at", "updated_at", "athlete_id", "user_id"):
            if name in columns:
                assert columns[name].not_null, f"{table}.{name} is nullable"


# --------------------------------------------------------------------------- defaults


def test_every_default_has_an_expectation():
    """Each column default in the contract is asserted here (a new default needs a case)."""
    defaults = {
        (t, column)
        for t in TABLES
        for column in CONTRACT.defaults(t)
        if column not in ("id", "created_at", "updated_at", "athlete_id")
    }
    assert sorted(defaults ^ EXPECTED_DEFAULTS.keys()) == []
    with_id_default = [t for t in TABLES if CONTRACT.defaults(t).get("id") == "gen_random_uuid()"]
    assert sorted(with_id_default) == sorted(TABLES)


def test_athlete_id_defaults_to_the_caller_except_awards():
    """athlete_id defaults to private.current_athlete_id() on every owned table but awards."""
    defaults = {t: CONTRACT.defaults(t).get("athlete_id") for t in OWNED}
    assert defaults.pop("athlete_achievements") is None  # the backend names the athlete
    assert set(defaults.values()) == {"private.current_athlete_id()"}


@pytest.mark.parametrize("table", TABLES)
def test_column_defaults_apply(factories_bound: Connection, table: str):
    """Inserting DEFAULT stores the designed default for every column the contract defaults."""
    columns = [c for c in CONTRACT.defaults(table) if c != "athlete_id"]
    overrides: dict[str, Any] = dict.fromkeys(columns, factories.DEFAULT)
    if table == "hyrox_stations":
        factories_bound.execute("delete from exercise_library where hyrox_station_id is not null")
        factories_bound.execute("delete from hyrox_stations where station_number = 8")
        overrides["station_number"] = 8
    if table == "training_plan_days":
        overrides["session_type"] = "run"
    row = factory_for(table)(**overrides)
    now = factories_bound.execute("select now() as now").fetchone()["now"]  # type: ignore[index]
    for column in columns:
        expected = _expected_default(table, column)
        if expected is UUID:
            assert isinstance(row[column], uuid.UUID)
            assert row[column].version == 4
        elif expected is NOW:
            assert row[column] == now
        else:
            assert row[column] == expected, f"{table}.{column}"


def _parent_kwargs(table: str, athlete: base.Row) -> dict[str, Any]:
    """Parent rows for a child of ``athlete`` (created before acting as the athlete)."""
    if table == "messages":
        return {"conversation": ConversationFactory(athlete=athlete)}
    if table == "training_plan_weeks":
        return {"plan": TrainingPlanFactory(athlete=athlete)}
    if table == "training_plan_days":
        return {"week": TrainingPlanWeekFactory(plan=TrainingPlanFactory(athlete=athlete))}
    if table == "race_splits":
        return {"race": RaceResultFactory(athlete=athlete)}
    return {"athlete": athlete}


@pytest.mark.parametrize("table", [t for t in OWNED if t != "athlete_achievements"])
def test_athlete_id_default_is_the_requesting_athlete(factories_bound: Connection, table: str):
    """An athlete's insert without athlete_id is owned by that athlete."""
    athlete = AthleteFactory()
    parents = _parent_kwargs(table, athlete)
    with acting_as(factories_bound, athlete_claims(athlete.user_id)):
        row = factory_for(table)(athlete_id=factories.DEFAULT, **parents)
    assert row.athlete_id == athlete.id


@pytest.mark.parametrize("table", [t for t in OWNED if t != "athlete_achievements"])
def test_service_role_must_name_the_athlete(factories_bound: Connection, table: str):
    """For the service role (no profile) the default is NULL, so the insert is refused."""
    athlete = AthleteFactory()
    parents = _parent_kwargs(table, athlete)
    with (
        expect_error(factories_bound, psycopg.errors.NotNullViolation) as info,
        acting_as(factories_bound, service_claims()),
    ):
        factory_for(table)(athlete_id=factories.DEFAULT, **parents)
    assert info.value.diag.column_name == "athlete_id"


# --------------------------------------------------------------------------- uniques

Duplicate = Callable[[], object]


def _station_number_dup(conn: Connection) -> Duplicate:
    values = HyroxStationFactory.build(station_number=1, station_name="Second SkiErg")
    return lambda: base.insert_row(conn, "public.hyrox_stations", dict(values))


def _station_name_dup(conn: Connection) -> Duplicate:
    conn.execute("delete from exercise_library where hyrox_station_id is not null")
    conn.execute("delete from hyrox_stations where station_number = 8")
    values = HyroxStationFactory.build(station_number=8, station_name="SkiErg")
    return lambda: base.insert_row(conn, "public.hyrox_stations", dict(values))


def _week_dup(conn: Connection) -> Duplicate:
    plan = TrainingPlanFactory()
    TrainingPlanWeekFactory(plan=plan, week_number=3)
    TrainingPlanWeekFactory(week_number=3, plan=TrainingPlanFactory(athlete=plan_athlete(plan)))
    return lambda: TrainingPlanWeekFactory(plan=plan, week_number=3)


def plan_athlete(plan: base.Row) -> base.Row:
    """The athlete row of a plan (for a sibling plan of the same athlete)."""
    row = (
        base.connection()
        .execute("select * from athlete_profiles where id = %s", (plan.athlete_id,))
        .fetchone()
    )
    assert row is not None
    return base.Row(row)


def _day_dup(_: Connection) -> Duplicate:
    week = TrainingPlanWeekFactory()
    TrainingPlanDayFactory(week=week, day_of_week=2, session_order=1)
    TrainingPlanDayFactory(week=week, day_of_week=2, session_order=2)  # a double day is fine
    return lambda: TrainingPlanDayFactory(week=week, day_of_week=2, session_order=1)


def _split_dup(_: Connection) -> Duplicate:
    race = RaceResultFactory()
    RaceSplitFactory(race=race, split_number=1)
    RaceSplitFactory(split_number=1)  # another race may have its own split 1
    return lambda: RaceSplitFactory(race=race, split_number=1)


def _award_dup(_: Connection) -> Duplicate:
    athlete = AthleteFactory()
    achievement = AchievementDefinitionFactory()
    AthleteAchievementFactory(athlete=athlete, achievement=achievement)
    AthleteAchievementFactory(achievement=achievement)  # another athlete may earn it too
    return lambda: AthleteAchievementFactory(athlete=athlete, achievement=achievement)


def _active_plan_dup(_: Connection) -> Duplicate:
    athlete = AthleteFactory()
    TrainingPlanFactory(athlete=athlete, active=True)
    TrainingPlanFactory(athlete=athlete, archived=True)  # any number of non-active plans
    TrainingPlanFactory(athlete=athlete)
    TrainingPlanFactory(active=True)  # another athlete's active plan
    return lambda: TrainingPlanFactory(athlete=athlete, active=True)


def _two_logs_one_day(conn: Connection) -> Duplicate:
    day = TrainingPlanDayFactory()

    def duplicate() -> None:
        with triggers_disabled(conn, "workout_logs", "training_plan_days"):
            WorkoutLogFactory(plan_day=day)
            WorkoutLogFactory(plan_day=day)
            conn.execute("set constraints all immediate")

    return duplicate


def _two_days_one_log(conn: Connection) -> Duplicate:
    log = WorkoutLogFactory()
    week = TrainingPlanWeekFactory(plan=TrainingPlanFactory(athlete=plan_athlete(log)))

    def duplicate() -> None:
        with triggers_disabled(conn, "workout_logs", "training_plan_days"):
            TrainingPlanDayFactory(week=week, day_of_week=1, linked_workout_log_id=log.id)
            TrainingPlanDayFactory(week=week, day_of_week=2, linked_workout_log_id=log.id)
            conn.execute("set constraints all immediate")

    return duplicate


def _second_profile(_: Connection) -> Duplicate:
    user = AuthUserFactory()
    AthleteFactory(user=user)
    return lambda: AthleteFactory(user=user)


UNIQUE_CASES: dict[str, Callable[[Connection], Duplicate]] = {
    "hyrox_stations_station_number_key": _station_number_dup,
    "hyrox_stations_station_name_key": _station_name_dup,
    "exercise_library_name_key": lambda _: lambda: ExerciseFactory(name="Wall balls"),
    "achievement_definitions_code_key": lambda _: (
        lambda: AchievementDefinitionFactory(code="first_race_logged")
    ),
    "achievement_definitions_name_key": lambda _: (
        lambda: AchievementDefinitionFactory(name="First Race Logged")
    ),
    "athlete_profiles_user_id_key": _second_profile,
    "training_plan_weeks_week_number_key": _week_dup,
    "training_plan_days_session_key": _day_dup,
    "race_splits_split_number_key": _split_dup,
    "athlete_achievements_athlete_achievement_key": _award_dup,
    "training_plans_one_active_per_athlete_key": _active_plan_dup,
    "workout_logs_training_plan_day_key": _two_logs_one_day,
    "training_plan_days_linked_workout_log_key": _two_days_one_log,
}

# (id, athlete_id) keys exist as targets of the composite same-owner foreign keys, and
# (id, station_number) as the target of the split-to-station-order key; id alone is the
# primary key, so only a duplicate id (the pkey) could ever violate them.
FK_TARGET_KEYS = {
    "hyrox_stations_id_station_number_key",
    "conversations_id_athlete_id_key",
    "race_results_id_athlete_id_key",
    "training_plan_days_id_athlete_id_key",
    "training_plan_weeks_id_athlete_id_key",
    "training_plans_id_athlete_id_key",
    "workout_logs_id_athlete_id_key",
}


def _unique_indexes(conn: Connection) -> list[catalog.Index]:
    return [
        i for i in catalog.indexes(conn)
        if i.unique and not i.primary and i.table not in PRE_EXISTING_TABLES
    ]  # fmt: skip


def test_every_unique_rule_has_a_case():
    """Each unique rule of the contract is violated below or is a composite-FK target."""
    names = set(CONTRACT.unique_indexes())
    assert sorted(names - UNIQUE_CASES.keys() - FK_TARGET_KEYS) == []
    assert sorted((UNIQUE_CASES.keys() | FK_TARGET_KEYS) - names) == []


def test_fk_target_keys_lead_with_the_primary_key_and_are_referenced(conn: Connection):
    """Each composite-FK target key starts with the pkey column and backs a composite FK."""
    indexes = {i.name: i for i in _unique_indexes(conn)}
    referenced = {
        (fk.referenced_table, tuple(fk.referenced_columns)) for fk in catalog.foreign_keys(conn)
    }
    for name in FK_TARGET_KEYS:
        index = indexes[name]
        assert len(index.columns) == 2, name
        assert index.columns[0] == "id", name
        assert (index.table, tuple(index.columns)) in referenced, name


@pytest.mark.parametrize("name", sorted(UNIQUE_CASES))
def test_unique_rule_refuses_a_duplicate(factories_bound: Connection, name: str):
    """The duplicate is refused with a UniqueViolation naming the rule (after the controls)."""
    duplicate = UNIQUE_CASES[name](factories_bound)
    with expect_error(factories_bound, psycopg.errors.UniqueViolation, name):
        duplicate()


@pytest.mark.parametrize("table", TABLES)
def test_primary_key_refuses_a_duplicate_id(factories_bound: Connection, table: str):
    """Re-inserting a row's id is refused by <table>_pkey."""
    make = factory_for(table)
    first = make() if table != "hyrox_stations" else HyroxStationFactory(station_number=3)
    with expect_error(factories_bound, psycopg.errors.UniqueViolation, f"{table}_pkey"):
        generated = set(CONTRACT.generated_columns(table))
        values = {
            k: v for k, v in first.items() if k not in {"created_at", "updated_at", *generated}
        }
        if table == "athlete_profiles":
            values["user_id"] = AuthUserFactory().id
        base.insert_row(factories_bound, f"public.{table}", values)
