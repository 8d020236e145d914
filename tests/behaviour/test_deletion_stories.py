"""The deletions that matter: an account erased completely, history never lost by accident."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import DictRow

from factories import graphs
from factories.races import RaceSplitFactory
from factories.records import PersonalRecordFactory
from factories.reference import ExerciseFactory, stations
from factories.workouts import BenchmarkTestFactory
from hyrox_schema import catalog
from hyrox_schema.engines import restrict_violation
from hyrox_schema.upgrade import owned_tables
from tests.behaviour.helpers import (
    PRE_EXISTING_TABLES,
    athlete_row_counts,
    count,
    expect_error,
    fetch,
)
from tests.support import athlete_data
from tests.tables import reference_tables

Connection = psycopg.Connection[DictRow]

REFERENCE_TABLES = {t.name for t in reference_tables()}


def _athlete_counts(conn: Connection, athlete: Any) -> dict[str, int]:  # noqa: ANN401
    """Rows of ``athlete`` in every table that holds athlete data (auth.users included)."""
    return athlete_row_counts(conn, athlete.id, athlete.user_id)


def _all_counts(conn: Connection) -> dict[str, int]:
    """Row count of every table in public (pre-existing ones too) and of auth.users."""
    counts = {t.name: count(conn, t.name) for t in catalog.tables(conn)}
    row = conn.execute("select count(*) as n from auth.users").fetchone()
    counts["auth.users"] = row["n"]  # type: ignore[index]
    return counts


def test_every_public_table_is_owned_reference_or_pre_existing(conn: Connection):
    """Each table is athlete data, reference data or pre-existing: nothing is unclassified."""
    names = {t.name for t in catalog.tables(conn)}
    classified = {t for t, _ in owned_tables(conn)} | REFERENCE_TABLES
    assert names - classified == set(PRE_EXISTING_TABLES)


def test_deleting_the_auth_user_erases_the_athlete_everywhere(factories_bound: Connection):
    """Deleting an auth user removes every row of that athlete and nothing of anyone else."""
    victim = athlete_data.populated_athlete().athlete
    bystander = athlete_data.populated_athlete().athlete
    victim_before = _athlete_counts(factories_bound, victim)
    bystander_before = _athlete_counts(factories_bound, bystander)
    totals_before = _all_counts(factories_bound)
    assert all(n > 0 for n in victim_before.values()), victim_before  # not a vacuous test

    factories_bound.execute("delete from auth.users where id = %s", (victim.user_id,))

    assert _athlete_counts(factories_bound, victim) == dict.fromkeys(victim_before, 0)
    assert _athlete_counts(factories_bound, bystander) == bystander_before
    expected_totals = {t: n - victim_before.get(t, 0) for t, n in totals_before.items()}
    assert _all_counts(factories_bound) == expected_totals  # reference data untouched


def test_deleting_the_profile_erases_the_athlete_data_but_not_the_login(
    factories_bound: Connection,
):
    """Deleting only the profile cascades through the athlete's data; auth.users stays."""
    victim = athlete_data.populated_athlete().athlete
    factories_bound.execute("delete from athlete_profiles where id = %s", (victim.id,))
    counts = _athlete_counts(factories_bound, victim)
    assert counts.pop("auth.users") == 1
    assert set(counts.values()) == {0}


def test_deleting_a_plan_keeps_the_workout_logs(factories_bound: Connection):
    """A hard-deleted plan takes its weeks and days; logs of those days stay, unlinked."""
    plan = graphs.athlete_with_plan(weeks=4)
    logs = graphs.training_history(plan, weeks_done=2)
    factories_bound.execute("delete from training_plans where id = %s", (plan.plan.id,))
    assert count(factories_bound, "training_plan_weeks", training_plan_id=plan.plan.id) == 0
    assert count(factories_bound, "training_plan_days", athlete_id=plan.athlete.id) == 0
    for log in logs:
        after = fetch(factories_bound, "workout_logs", log.id)
        assert after is not None
        assert after["training_plan_day_id"] is None
        assert {k: after[k] for k in ("date", "completion_status", "completed_workout")} == {
            k: log[k] for k in ("date", "completion_status", "completed_workout")
        }


def test_deleting_a_week_keeps_the_logs_of_its_days(factories_bound: Connection):
    """Deleting one week removes its 7 days; the logs of those days stay."""
    plan = graphs.athlete_with_plan(weeks=2)
    logs = graphs.training_history(plan, weeks_done=1)
    factories_bound.execute("delete from training_plan_weeks where id = %s", (plan.weeks[0].id,))
    assert count(factories_bound, "training_plan_days", athlete_id=plan.athlete.id) == 7
    assert count(factories_bound, "workout_logs", athlete_id=plan.athlete.id) == len(logs)


def test_deleting_a_conversation_keeps_plans_and_logs_from_it(factories_bound: Connection):
    """A deleted chat takes its messages; the plan and log it produced stay, unlinked."""
    graph = athlete_data.populated_athlete()
    conversation = graph.chat.conversation
    chat_log = graph.logs[-1]
    assert chat_log.conversation_id == conversation.id
    factories_bound.execute("delete from conversations where id = %s", (conversation.id,))
    assert count(factories_bound, "messages", conversation_id=conversation.id) == 0
    plan = fetch(factories_bound, "training_plans", graph.plan.plan.id)
    assert plan is not None
    assert plan["source_conversation_id"] is None
    assert plan["is_ai_generated"] is True  # provenance flag kept
    log = fetch(factories_bound, "workout_logs", chat_log.id)
    assert log is not None
    assert log["conversation_id"] is None
    assert count(factories_bound, "training_plan_days", athlete_id=graph.athlete.id) == 14


def test_deleting_a_race_keeps_the_rest_of_the_history(factories_bound: Connection):
    """A deleted race takes its splits only: logs, records and benchmarks stay."""
    graph = athlete_data.populated_athlete()
    before = _athlete_counts(factories_bound, graph.athlete)
    factories_bound.execute("delete from race_results where id = %s", (graph.race.race.id,))
    after = _athlete_counts(factories_bound, graph.athlete)
    assert after.pop("race_results") == before.pop("race_results") - 1
    assert after.pop("race_splits") == 0
    before.pop("race_splits")
    assert after == before


def _referencing_rows() -> dict[str, Any]:
    station = stations()[2]
    return {
        "exercise_library": ExerciseFactory(station_specific=True, station=station),
        "race_splits": RaceSplitFactory(split_number=6, station_id=station.id),
        "benchmark_tests": BenchmarkTestFactory(station_test=True, station=station),
        "personal_records": PersonalRecordFactory(station_time=True, station=station),
    }


@pytest.mark.parametrize(
    "user", ["exercise_library", "race_splits", "benchmark_tests", "personal_records"]
)
def test_a_station_in_use_cannot_be_deleted(factories_bound: Connection, user: str):
    """While any row references a station, deleting it is refused and changes nothing."""
    rows = _referencing_rows()
    station_id = stations()[2].id
    for table, row in rows.items():  # leave only one user of the station
        if table != user:
            factories_bound.execute(
                sql.SQL("delete from {} where id = %s").format(sql.Identifier(table)), (row.id,)
            )
    factories_bound.execute(
        "delete from exercise_library where hyrox_station_id = %s and id <> %s",
        (station_id, rows["exercise_library"].id),
    )
    with expect_error(factories_bound, restrict_violation(factories_bound)):
        factories_bound.execute("delete from hyrox_stations where id = %s", (station_id,))
    assert fetch(factories_bound, "hyrox_stations", station_id) is not None
    assert fetch(factories_bound, user, rows[user].id) is not None


def test_an_exercise_in_use_is_retired_not_deleted(factories_bound: Connection):
    """A referenced exercise cannot be deleted; is_active = false retires it, history intact."""
    record = PersonalRecordFactory(exercise_weight=True)
    with expect_error(
        factories_bound,
        restrict_violation(factories_bound),
        "personal_records_exercise_id_fkey",
    ):
        factories_bound.execute("delete from exercise_library where id = %s", (record.exercise_id,))
    factories_bound.execute(
        "update exercise_library set is_active = false where id = %s", (record.exercise_id,)
    )
    assert fetch(factories_bound, "personal_records", record.id) == record


def test_seeded_reference_data_cannot_be_wiped(factories_bound: Connection):
    """Deleting all stations fails whole (the seeded library uses them): no station is lost."""
    with expect_error(factories_bound, restrict_violation(factories_bound)):
        factories_bound.execute("delete from hyrox_stations")
    assert count(factories_bound, "hyrox_stations") == 8
