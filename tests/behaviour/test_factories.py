"""The data factories: one per table, every trait valid, graphs consistent, runs replayable."""

from __future__ import annotations

import random
import statistics
from typing import Any

import factory
import psycopg
import pytest
from psycopg.rows import DictRow

import factories
import hyrox_schema.contract as contract
from factories import graphs
from factories.athletes import AthleteFactory
from factories.base import PgFactory
from factories.providers import STATIONS, age_group, split_times
from factories.races import RaceResultFactory
from hyrox_schema import catalog
from tests.behaviour.helpers import PRE_EXISTING_TABLES, all_factories, count, fetch
from tests.support import athlete_data, sport
from tests.tables import athlete_id_tables

Connection = psycopg.Connection[DictRow]

FACTORIES = all_factories()
TRAITS = [
    (f, name)
    for f in FACTORIES
    for name, value in f._meta.parameters.items()
    if isinstance(value, factory.Trait)
]
# content that differs between two identical builds: server-generated ids and clock values
VOLATILE = ("id", "created_at", "updated_at", "started_at")


def test_every_table_has_a_factory(conn: Connection):
    """Every table of the migration, and auth.users, has exactly one factory."""
    tables = {f"public.{t.name}" for t in catalog.tables(conn, exclude=PRE_EXISTING_TABLES)} | {
        "auth.users"
    }
    written = [f.table() for f in FACTORIES]
    assert sorted(written) == sorted(tables)


@pytest.mark.parametrize("factory_cls", FACTORIES, ids=lambda f: f.__name__)
def test_factory_creates_a_stored_row(factories_bound: Connection, factory_cls: type[PgFactory]):
    """A factory returns the row as stored (RETURNING *), found again by its id."""
    row = factory_cls()
    schema, table = factory_cls.table().split(".")
    if schema == "public":
        assert fetch(factories_bound, table, row.id) == row
    else:
        stored = factories_bound.execute("select * from auth.users where id = %s", (row.id,))
        assert stored.fetchone() == row


@pytest.mark.parametrize(
    ("factory_cls", "trait"), TRAITS, ids=[f"{f.__name__}-{t}" for f, t in TRAITS]
)
def test_trait_creates_a_valid_row(
    factories_bound: Connection, factory_cls: type[PgFactory], trait: str
):
    """Every declared trait yields a row the schema accepts."""
    row = factory_cls(**{trait: True})
    assert row.id is not None


def test_unbound_factory_refuses_to_create():
    """Creating without a bound connection is a clear error, not a silent no-op."""
    with pytest.raises(factories.FactoryNotBoundError, match=r"factories\.bind"):
        AthleteFactory()


def test_station_factory_returns_the_seeded_station(factories_bound: Connection):
    """HyroxStationFactory is get-or-create: it never duplicates a seeded station."""
    from factories.reference import HyroxStationFactory

    before = count(factories_bound, "hyrox_stations")
    row = HyroxStationFactory(station_number=2)
    assert row.station_name == "Sled Push"
    assert count(factories_bound, "hyrox_stations") == before == 8


def test_plan_graph_has_16_weeks_of_7_days(factories_bound: Connection):
    """athlete_with_plan builds 16 numbered weeks x 7 ISO days, one rest day a week."""
    graph = graphs.athlete_with_plan()
    plan_id = graph.plan.id
    weeks = factories_bound.execute(
        "select week_number from training_plan_weeks where training_plan_id = %s"
        " order by week_number",
        (plan_id,),
    ).fetchall()
    assert [w["week_number"] for w in weeks] == list(range(1, 17))
    days = factories_bound.execute(
        "select w.week_number, d.day_of_week, d.is_rest_day, d.athlete_id"
        " from training_plan_days as d join training_plan_weeks as w"
        " on w.id = d.training_plan_week_id where w.training_plan_id = %s",
        (plan_id,),
    ).fetchall()
    assert len(days) == 16 * 7
    assert {(d["week_number"], d["day_of_week"]) for d in days} == {
        (w, d) for w in range(1, 17) for d in range(1, 8)
    }
    assert sum(d["is_rest_day"] for d in days) == 16
    assert {d["athlete_id"] for d in days} == {graph.athlete.id}
    assert graph.plan.end_date == graph.date_of(graph.day(16, 7))


@pytest.mark.parametrize(
    "traits",
    [
        {},
        {"pro": True},
        {"doubles": True},
        {"pro_doubles": True},
        {"relay": True},
        {"women": True},
        {"penalised": True},
    ],
    ids=["open-men", "pro", "doubles", "pro-doubles", "relay", "women", "penalised"],
)
def test_race_graph_splits_add_up_to_the_total(factories_bound: Connection, traits: dict[str, Any]):
    """A finished race has 16 splits in order whose times + roxzone + penalty = the total."""
    graph = graphs.race_with_splits(**traits)
    splits = factories_bound.execute(
        "select s.split_number, s.split_type, s.time_seconds, s.transition_time_seconds,"
        " h.station_number from race_splits as s left join hyrox_stations as h"
        " on h.id = s.station_id where s.race_result_id = %s order by s.split_number",
        (graph.race.id,),
    ).fetchall()
    assert [s["split_number"] for s in splits] == list(range(1, 17))
    assert [s["station_number"] for s in splits if s["split_type"] == "station"] == list(
        range(1, 9)
    )
    total = sum(s["time_seconds"] + (s["transition_time_seconds"] or 0) for s in splits)
    assert abs(total + graph.race.penalty_seconds - graph.race.total_time_seconds) <= 2
    assert 50 * 60 * 0.7 < graph.race.total_time_seconds < 3.5 * 3600


def test_dnf_race_graph_stops_with_a_missing_split(factories_bound: Connection):
    """A DNF race has no total, fewer than 16 splits and a last split without a time."""
    graph = graphs.race_with_splits(dnf=True)
    assert graph.race.status == "dnf"
    assert graph.race.total_time_seconds is None
    assert 1 < len(graph.splits) < 16
    assert graph.splits[-1].time_seconds is None
    assert all(s.time_seconds for s in graph.splits[:-1])


def test_split_times_are_plausible_and_shaped_like_real_races():
    """Open men's drawn finishes centre on the real median; runs ~50%, roxzone ~8%."""
    rng = random.Random(7)
    draws = [split_times(rng) for _ in range(400)]
    median_minutes = statistics.median(d.total for d in draws) / 60
    assert 80 < median_minutes < 92  # real median 1:26:01
    run_share = statistics.mean(sum(d.runs) / d.total for d in draws)
    rox_share = statistics.mean(sum(d.roxzone) / d.total for d in draws)
    assert 0.45 < run_share < 0.58
    assert 0.06 < rox_share < 0.09
    run_8_vs_2 = statistics.mean(d.runs[7] / d.runs[1] for d in draws)
    assert 1.1 < run_8_vs_2 < 1.25  # real races: run 8 is 1.16-1.20 x run 2
    doubles = statistics.median(split_times(rng, race_format="doubles").total for _ in range(200))
    assert doubles < median_minutes * 60  # doubles share the station work


def test_split_times_with_a_given_total_add_up_exactly():
    """Given a total, the 23 segments and the penalty add up to it to the second."""
    rng = random.Random(3)
    for total in (3195, 5161, 9000):
        times = split_times(rng, total=total, penalty=30)
        assert times.total == total
        assert len(times.runs) == len(times.stations) == 8
        assert len(times.roxzone) == 7


AGE_BANDS = [
    ("singles", 16, "16-24"),
    ("singles", 24, "16-24"),
    ("singles", 25, "25-29"),
    ("singles", 44, "40-44"),
    ("singles", 69, "65-69"),
    ("singles", 70, "70+"),
    ("singles", 89, "70+"),
    ("doubles", 16, "16-29"),
    ("doubles", 29, "16-29"),
    ("doubles", 30, "30-39"),
    ("doubles", 59, "50-59"),
    ("doubles", 64, "60-69"),
    ("doubles", 75, "70+"),
    ("relay", 39, "16-39"),
    ("relay", 40, "40+"),
]


@pytest.mark.parametrize(("race_format", "age", "group"), AGE_BANDS)
def test_age_group_bands(race_format: str, age: int, group: str):
    """Ages map to the bands published for the format (singles 5-year, doubles 10-year)."""
    assert age_group(age, race_format) == group
    assert group in sport.PUBLISHED_AGE_GROUPS[race_format]


def test_conversation_graph_alternates_user_and_coach(factories_bound: Connection):
    """conversation_with_messages writes user/assistant pairs into one conversation."""
    graph = graphs.conversation_with_messages(exchanges=3)
    assert [m.role for m in graph.messages] == ["user", "assistant"] * 3
    assert count(factories_bound, "messages", conversation_id=graph.conversation.id) == 6
    assert {m.athlete_id for m in graph.messages} == {graph.conversation.athlete_id}


def test_training_history_links_logs_to_their_plan_days(factories_bound: Connection):
    """Each history log is mirrored on its plan day; completed/partial logs complete it."""
    plan = graphs.athlete_with_plan(weeks=3)
    logs = graphs.training_history(plan, weeks_done=2)
    assert len(logs) == 2 * 6
    statuses = {log.completion_status for log in logs}
    assert statuses == {"completed", "partial", "skipped"}
    for log in logs:
        day = fetch(factories_bound, "training_plan_days", log.training_plan_day_id)
        assert day is not None
        assert day["linked_workout_log_id"] == log.id
        assert day["is_completed"] == (log.completion_status != "skipped")
        assert log.date == plan.date_of(factories.Row(day))


def test_populated_athlete_fills_every_athlete_table(factories_bound: Connection):
    """populated_athlete leaves rows in every table whose contract has an athlete_id."""
    graph = athlete_data.populated_athlete()
    reviewed = contract.load()
    owned = sorted(
        table
        for table in reviewed.tables()
        if any(column.name == "athlete_id" for column in reviewed.of_kind(table, "column"))
    )
    assert {t.name for t in athlete_id_tables()} <= set(owned)
    empty = [t for t in owned if count(factories_bound, t, athlete_id=graph.athlete.id) == 0]
    assert empty == []


def _content(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in r.items() if k not in VOLATILE and not k.endswith("_id")} for r in rows
    ]


def _build_everything(seed: int) -> list[dict[str, Any]]:
    factories.reseed(seed)
    graph = athlete_data.populated_athlete()
    rows = [graph.athlete, *graph.chat.messages, graph.plan.plan, *graph.plan.weeks]
    rows += [d for week in graph.plan.days for d in week]
    rows += [*graph.logs, graph.race.race, *graph.race.splits]
    rows += [r for rs in graph.others.values() for r in rs]
    return _content(rows)


def test_same_seed_builds_the_same_data(factories_bound: Connection, factory_seed: int):
    """Reseeding with the same seed replays identical content; another seed does not."""
    with factories_bound.transaction(force_rollback=True):
        first = _build_everything(factory_seed)
    with factories_bound.transaction(force_rollback=True):
        second = _build_everything(factory_seed)
    with factories_bound.transaction(force_rollback=True):
        other = _build_everything(factory_seed + 1)
    assert first == second
    assert first != other


def test_same_seed_draws_the_same_auth_user_ids(factories_bound: Connection):
    """Auth user ids come from the seeded Faker, so a replay targets the same users."""
    with factories_bound.transaction(force_rollback=True):
        factories.reseed(99)
        first = AthleteFactory().user_id
    with factories_bound.transaction(force_rollback=True):
        factories.reseed(99)
        second = AthleteFactory().user_id
    assert first == second


def test_station_table_matches_the_seeded_stations(conn: Connection):
    """The provider's station table and the seed file agree on names, work and loads."""
    seeded = conn.execute(
        "select station_number, station_name, exercise_type, distance_or_reps,"
        " weight_open_men_kg, weight_open_women_kg, weight_pro_men_kg, weight_pro_women_kg"
        " from hyrox_stations order by station_number"
    ).fetchall()
    expected = [
        {
            "station_number": s.number,
            "station_name": s.name,
            "exercise_type": s.exercise_type,
            "distance_or_reps": s.distance_or_reps,
            "weight_open_men_kg": s.open_men_kg,
            "weight_open_women_kg": s.open_women_kg,
            "weight_pro_men_kg": s.pro_men_kg,
            "weight_pro_women_kg": s.pro_women_kg,
        }
        for s in STATIONS
    ]
    assert seeded == expected


def test_race_factory_total_matches_its_drawn_times(factories_bound: Connection):
    """RaceResultFactory stores the drawn total (with its penalty) of a finished race."""
    race = RaceResultFactory(penalised=True)
    assert race.penalty_seconds == 120
    assert race.total_time_seconds > race.penalty_seconds
    assert race.season in (6, 7, 8)
