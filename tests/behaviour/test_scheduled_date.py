"""training_plan_days.scheduled_date is derived by the schema and follows its plan and week.

The expectation is the brief's date rule, computed here in Python
(:meth:`factories.graphs.PlanGraph.date_of`: the plan's start date + (week_number - 1)
weeks + (day_of_week - 1) days), never read back from the column under test.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import psycopg
import pytest
from psycopg.rows import DictRow

from factories import Row
from factories.graphs import PlanGraph, athlete_with_plan
from factories.plans import TrainingPlanDayFactory, TrainingPlanFactory, TrainingPlanWeekFactory
from tests.behaviour.helpers import fetch

Connection = psycopg.Connection[DictRow]

START = date(2026, 3, 2)  # a Monday


def _scheduled(conn: Connection, day: Row) -> date | None:
    row = fetch(conn, "training_plan_days", day["id"])
    assert row is not None
    return row["scheduled_date"]


def _all_scheduled(conn: Connection, graph: PlanGraph) -> dict[Any, date | None]:
    rows = conn.execute(
        "select d.id, d.scheduled_date from training_plan_days as d"
        " join training_plan_weeks as w on w.id = d.training_plan_week_id"
        " where w.training_plan_id = %s",
        (graph.plan["id"],),
    ).fetchall()
    return {row["id"]: row["scheduled_date"] for row in rows}


def _expected(start: date | None, week_number: int, day_of_week: int) -> date | None:
    if start is None:
        return None
    return start + timedelta(weeks=week_number - 1, days=day_of_week - 1)


@pytest.fixture
def graph(factories_bound: Connection) -> PlanGraph:
    """A 3-week plan starting on START."""
    return athlete_with_plan(weeks=3, start_date=START, end_date=START + timedelta(days=20))


def test_computed_on_insert_for_every_day(factories_bound: Connection, graph: PlanGraph):
    """Each inserted day gets start_date + (week - 1) * 7 + (day_of_week - 1)."""
    assert _all_scheduled(factories_bound, graph) == {
        day["id"]: graph.date_of(day) for week in graph.days for day in week
    }


def test_moves_with_the_plans_start_date(factories_bound: Connection, graph: PlanGraph):
    """Moving the plan's start date moves every day of every week by the same amount."""
    factories_bound.execute(
        "update training_plans set start_date = start_date + 7, end_date = end_date + 7"
        " where id = %s",
        (graph.plan["id"],),
    )
    assert _all_scheduled(factories_bound, graph) == {
        day["id"]: graph.date_of(day) + timedelta(days=7) for week in graph.days for day in week
    }


def test_clearing_the_start_date_clears_the_days(factories_bound: Connection, graph: PlanGraph):
    """A plan without a start date has no scheduled days; setting one schedules them."""
    plan_id = graph.plan["id"]
    factories_bound.execute(
        "update training_plans set start_date = null, end_date = null where id = %s", (plan_id,)
    )
    assert set(_all_scheduled(factories_bound, graph).values()) == {None}
    factories_bound.execute(
        "update training_plans set start_date = %s where id = %s", (START, plan_id)
    )
    assert _all_scheduled(factories_bound, graph) == {
        day["id"]: graph.date_of(day) for week in graph.days for day in week
    }


def test_null_for_a_plan_without_start_date(factories_bound: Connection):
    """Days of an undated plan are inserted with no scheduled date."""
    week = TrainingPlanWeekFactory(plan=TrainingPlanFactory(undated=True), week_number=2)
    assert _scheduled(factories_bound, TrainingPlanDayFactory(week=week, day_of_week=3)) is None


def test_moves_with_the_weeks_number(factories_bound: Connection, graph: PlanGraph):
    """Renumbering a week moves its days, and only its days."""
    week = graph.weeks[2]
    factories_bound.execute(
        "update training_plan_weeks set week_number = 9 where id = %s", (week["id"],)
    )
    scheduled = _all_scheduled(factories_bound, graph)
    for number, days in enumerate(graph.days, start=1):
        for day in days:
            expected = _expected(START, 9 if number == 3 else number, day["day_of_week"])
            assert scheduled[day["id"]] == expected


def test_moves_with_the_weeks_plan(factories_bound: Connection, graph: PlanGraph):
    """A week moved to another plan of the athlete takes that plan's start date."""
    later = TrainingPlanFactory(athlete=graph.athlete, start_date=date(2026, 6, 1))
    week = graph.weeks[0]
    factories_bound.execute(
        "update training_plan_weeks set training_plan_id = %s where id = %s",
        (later["id"], week["id"]),
    )
    for day in graph.days[0]:
        assert _scheduled(factories_bound, day) == _expected(
            date(2026, 6, 1), 1, day["day_of_week"]
        )


def test_moves_with_the_day_of_week_and_the_days_week(
    factories_bound: Connection, graph: PlanGraph
):
    """A day moved to another weekday or another week of the plan is rescheduled."""
    day = graph.day(1, 2)
    factories_bound.execute(
        "update training_plan_days set day_of_week = 7, session_order = 2 where id = %s",
        (day["id"],),
    )
    assert _scheduled(factories_bound, day) == _expected(START, 1, 7)
    factories_bound.execute(
        "update training_plan_days set training_plan_week_id = %s where id = %s",
        (graph.weeks[1]["id"], day["id"]),
    )
    assert _scheduled(factories_bound, day) == _expected(START, 2, 7)


@pytest.mark.parametrize("forged", [date(2030, 1, 1), None], ids=["a date", "null"])
def test_forged_values_are_overwritten(
    factories_bound: Connection, graph: PlanGraph, forged: date | None
):
    """A scheduled_date sent on insert or update is replaced by the derived one."""
    week = graph.weeks[0]
    inserted = TrainingPlanDayFactory(
        week=week, day_of_week=3, session_order=2, scheduled_date=forged
    )
    assert _scheduled(factories_bound, inserted) == _expected(START, 1, 3)
    day = graph.day(2, 4)
    factories_bound.execute(
        "update training_plan_days set scheduled_date = %s where id = %s", (forged, day["id"])
    )
    assert _scheduled(factories_bound, day) == graph.date_of(day)


def test_unrelated_updates_keep_the_date(factories_bound: Connection, graph: PlanGraph):
    """Editing a plan's name, a week's focus or a day's title leaves the dates alone."""
    before = _all_scheduled(factories_bound, graph)
    factories_bound.execute(
        "update training_plans set plan_name = 'Renamed' where id = %s", (graph.plan["id"],)
    )
    factories_bound.execute(
        "update training_plan_weeks set focus = 'Taper' where training_plan_id = %s",
        (graph.plan["id"],),
    )
    factories_bound.execute(
        "update training_plan_days set workout_title = 'Changed' where id = %s",
        (graph.day(1, 1)["id"],),
    )
    assert _all_scheduled(factories_bound, graph) == before
