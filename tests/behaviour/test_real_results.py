"""Real published results (tests/data/hyrox-results): imported as the app would, all accepted.

The module imports the whole fixture once (``real_import``, a committed clone): each
athlete's results in one request, as that athlete, through RLS. Expectations are computed
here from the CSV text itself (a time is ``h * 3600 + m * 60 + s``), never read from the
database or taken from the loader.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import psycopg
import pytest
from psycopg.rows import DictRow

from hyrox_schema import race_import
from hyrox_schema.impersonation import acting_as, athlete_claims
from hyrox_schema.race_import import Result
from tests.behaviour.helpers import RealImport
from tests.benchmarks import plans
from tests.support import sport

Connection = psycopg.Connection[DictRow]
PublishedRow = dict[str, str]

#: Published results in the fixture, counted from the files' own data lines.
FILES = race_import.RESULT_FILES
RACE_TABLES = frozenset({"race_results", "race_splits"})


def published_seconds(text: str) -> int | None:
    """The oracle's reading of a published time: None for the "not recorded" 0:00:00."""
    hours, minutes, secs = (int(part) for part in text.split(":"))
    return hours * 3600 + minutes * 60 + secs or None


@cache
def published() -> dict[str, PublishedRow]:
    """Every published row by ``file:line`` (line 1 is the header)."""
    rows: dict[str, PublishedRow] = {}
    for name in FILES:
        with (race_import.DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                rows[f"{name}:{line}"] = row
    return rows


def row_of(result: Result) -> PublishedRow:
    """The published row a result was read from."""
    return published()[result.source]


@contextmanager
def as_athlete(real: RealImport, user_id: uuid.UUID) -> Iterator[Connection]:
    """A read-only request of the athlete (rolled back)."""
    with real.conn.transaction(force_rollback=True), acting_as(real.conn, athlete_claims(user_id)):
        yield real.conn


def sample(real: RealImport) -> list[uuid.UUID]:
    """Athletes to ask questions for: every one with an unrecorded split, and 20 with two races."""
    gaps = [
        u
        for u, races in real.athletes.items()
        if any(None in (*r.runs, *r.stations, *r.roxzone) for r in races)
    ]
    two = [u for u, races in real.athletes.items() if len(races) == 2]
    return gaps + two[:: max(1, len(two) // 20)][:20]


# --------------------------------------------------------------------------- accepted


def test_every_published_result_is_accepted(real_import: RealImport):
    """Zero refusals: every published result is stored, with its 16 splits."""
    refused = [(r.source, why) for r, why in real_import.report.refused]
    assert refused == []
    assert len(real_import.report.race_ids) == len(published()) == 2750
    counts = real_import.conn.execute(
        "select (select count(*) from race_results) as races,"
        " (select count(*) from race_splits) as splits"
    ).fetchone()
    assert counts == {"races": 2750, "splits": 2750 * 16}


def test_the_published_vocabulary_covers_the_real_data():
    """Every age group and category in the files is one the sport publishes for that format."""
    seen = {
        (EXPORT_DIVISIONS[row["division"]][1], row["gender"], row["age_group"])
        for row in published().values()
    }
    outside = sorted(
        (race_format, gender, group)
        for race_format, gender, group in seen
        if group not in sport.PUBLISHED_AGE_GROUPS[race_format]
        or EXPORT_GENDERS[gender] not in sport.PUBLISHED_CATEGORIES[race_format]
    )
    assert outside == []
    assert {f for f, _, _ in seen} == {"singles", "doubles"}


def test_import_cost_is_reported(real_import: RealImport, record_testsuite_property: Any):  # noqa: ANN401
    """The import's wall time and size, in the JUnit report's suite properties (no limit)."""
    record_testsuite_property("real_results_imported", len(real_import.report.race_ids))
    record_testsuite_property("real_results_athletes", len(real_import.athletes))
    record_testsuite_property("real_results_import_seconds", round(real_import.seconds, 2))
    assert len(real_import.athletes) > 0


# --------------------------------------------------------------------------- reads back


def stored(real: RealImport) -> dict[uuid.UUID, dict[str, Any]]:
    """Every stored result with its splits (as postgres sees them) by race id."""
    races = {
        r["id"]: {**r, "splits": {}}
        for r in real.conn.execute(
            "select id, athlete_id, division, format, race_category, age_group, status,"
            " total_time_seconds, penalty_seconds, race_name, season from race_results"
        )
    }
    for s in real.conn.execute(
        "select race_result_id, split_number, time_seconds, transition_time_seconds"
        " from race_splits"
    ):
        races[s["race_result_id"]]["splits"][s["split_number"]] = (
            s["time_seconds"],
            s["transition_time_seconds"],
        )
    return races


EXPORT_DIVISIONS = {"open": ("open", "singles"), "doubles": ("open", "doubles")}
EXPORT_GENDERS = {"male": "men", "female": "women", "mixed": "mixed"}


def expected_race(row: PublishedRow) -> dict[str, Any]:
    """What the schema must hold for a published row (from the row's own text)."""
    division, race_format = EXPORT_DIVISIONS[row["division"]]
    splits: dict[int, tuple[int | None, int | None]] = {}
    for k in range(1, 9):
        splits[2 * k - 1] = (published_seconds(row[f"run_{k}"]), None)
        splits[2 * k] = (
            published_seconds(row[f"work_{k}"]),
            published_seconds(row[f"roxzone_{k}"]),
        )
    return {
        "division": division,
        "format": race_format,
        "race_category": EXPORT_GENDERS[row["gender"]],
        "age_group": row["age_group"] or None,
        "status": "finished",
        "total_time_seconds": published_seconds(row["total_time"]),
        "penalty_seconds": 0,
        "splits": splits,
    }


def test_results_read_back_as_published(real_import: RealImport):
    """Total, category, status, penalties and every split and transition are as published."""
    races = stored(real_import)
    ids = real_import.report.race_ids
    owner = {ids[r]: user for user, rs in real_import.athletes.items() for r in rs}
    profile = {
        p["user_id"]: p["id"]
        for p in real_import.conn.execute("select user_id, id from athlete_profiles")
    }
    wrong = []
    for result, race_id in real_import.report.race_ids.items():
        race = races[race_id]
        got = {key: race[key] for key in expected_race(row_of(result))}
        if got != expected_race(row_of(result)) or race["athlete_id"] != profile[owner[race_id]]:
            wrong.append(result.source)
    assert wrong == []


def test_published_subtotals_match_the_stored_splits(real_import: RealImport):
    """run_time, work_time and roxzone_time as published equal the sums of the stored splits."""
    races = stored(real_import)
    wrong = []
    for result, race_id in real_import.report.race_ids.items():
        row, splits = row_of(result), races[race_id]["splits"]
        sums = {
            "run_time": sum(splits[n][0] or 0 for n in range(1, 17, 2)),
            "work_time": sum(splits[n][0] or 0 for n in range(2, 17, 2)),
            "roxzone_time": sum(splits[n][1] or 0 for n in range(2, 17, 2)),
        }
        if {k: published_seconds(row[k]) or 0 for k in sums} != sums:
            wrong.append(result.source)
    assert wrong == []


def test_unrecorded_splits_are_null_never_zero(real_import: RealImport):
    """The six results with 0:00:00 splits keep those splits NULL (and no split is 0)."""
    nulls = real_import.conn.execute(
        "select count(distinct race_result_id) as races from race_splits"
        " where time_seconds is null or (split_type = 'station' and split_number < 16"
        " and transition_time_seconds is null)"
    ).fetchone()
    gaps = [
        source
        for source, row in published().items()
        if any(
            row[f"{kind}_{k}"] == "0:00:00"
            for k in range(1, 9)
            for kind in ("run", "work", "roxzone")
            if (kind, k) != ("roxzone", 8)
        )
    ]
    assert nulls == {"races": len(gaps)}
    assert len(gaps) == 6


# --------------------------------------------------------------------------- the app's questions

BEST_PER_STATION = """
select s.station_number, min(s.time_seconds) as best
from public.race_splits as s
where s.split_type = 'station'
group by s.station_number
order by s.station_number
"""

STATION_PROGRESSION = """
select r.race_date, s.time_seconds
from public.race_splits as s
join public.race_results as r on r.id = s.race_result_id and r.athlete_id = s.athlete_id
where s.station_id = (select id from public.hyrox_stations where station_number = %s)
order by r.race_date
"""

ROXZONE_SHARE = """
select r.race_date, sum(s.transition_time_seconds)::numeric / r.total_time_seconds as share
from public.race_results as r
join public.race_splits as s on s.race_result_id = r.id and s.athlete_id = r.athlete_id
where r.total_time_seconds is not null
group by r.id
order by r.race_date
"""


def station_seconds(row: PublishedRow, k: int) -> int | None:
    """Station k's published time."""
    return published_seconds(row[f"work_{k}"])


def test_best_time_per_station(real_import: RealImport):
    """Each athlete's best time per station is the minimum of their published station times."""
    for user in sample(real_import):
        rows = [row_of(r) for r in real_import.athletes[user]]
        expected = []
        for k in range(1, 9):
            times = [t for row in rows if (t := station_seconds(row, k)) is not None]
            expected.append({"station_number": k, "best": min(times) if times else None})
        with as_athlete(real_import, user) as conn:
            assert conn.execute(BEST_PER_STATION).fetchall() == expected, user


@pytest.mark.parametrize("station", [2, 5, 8], ids=["sled_push", "row", "wall_balls"])
def test_station_progression_across_races(real_import: RealImport, station: int):
    """A station's times in race order are the published ones, event after event."""
    events = race_import.read_events()
    for user in sample(real_import):
        results = sorted(real_import.athletes[user], key=lambda r: events[r.event_id].race_date)
        expected = [
            {
                "race_date": events[r.event_id].race_date,
                "time_seconds": station_seconds(row_of(r), station),
            }
            for r in results
        ]
        with as_athlete(real_import, user) as conn:
            assert conn.execute(STATION_PROGRESSION, (station,)).fetchall() == expected, user


def test_share_of_race_spent_in_roxzone(real_import: RealImport):
    """Roxzone share per race = published roxzone_time / total_time."""
    events = race_import.read_events()
    for user in sample(real_import):
        results = sorted(real_import.athletes[user], key=lambda r: events[r.event_id].race_date)
        expected = [
            (
                events[r.event_id].race_date,
                round(
                    (published_seconds(row_of(r)["roxzone_time"]) or 0)
                    / (published_seconds(row_of(r)["total_time"]) or 1),
                    6,
                ),
            )
            for r in results
        ]
        with as_athlete(real_import, user) as conn:
            got = [
                (row["race_date"], round(float(row["share"]), 6))
                for row in conn.execute(ROXZONE_SHARE)
            ]
        assert got == expected, user


#: Each question, and the indexes that must serve it (owner-first, as RLS filters).
QUESTIONS = {
    "best_per_station": (BEST_PER_STATION, (), {"race_splits_athlete_id_station_id_idx"}),
    "station_progression": (
        STATION_PROGRESSION,
        (2,),
        {"race_results_athlete_id_race_date_idx", "race_splits_athlete_id_station_id_idx"},
    ),
    "roxzone_share": (
        ROXZONE_SHARE,
        (),
        {"race_results_athlete_id_race_date_idx", "race_splits_split_number_key"},
    ),
}


@pytest.mark.parametrize(("query", "params", "indexes"), QUESTIONS.values(), ids=list(QUESTIONS))
def test_questions_are_index_served(
    real_import: RealImport, query: str, params: tuple[Any, ...], indexes: set[str]
):
    """As the athlete: identity in an InitPlan, no SubPlan, only index scans, the meant indexes."""
    user = sample(real_import)[0]
    with as_athlete(real_import, user) as conn:
        row = conn.execute(
            f"explain (analyze, verbose, format json) {query}",  # type: ignore[arg-type]
            params,
        ).fetchone()
    assert row is not None
    plan = row["QUERY PLAN"][0]
    facts = plans.facts([plan], RACE_TABLES)
    assert facts["seq_scans"] == []
    assert facts["sub_plans"] == 0
    assert facts["per_row_policy_calls"] == 0
    assert facts["init_plans"] >= 1
    scanned = plans.scans(plan, RACE_TABLES)
    assert scanned
    assert [
        (n.relation, n.node_type) for n in scanned if n.node_type not in plans.INDEX_SCANS
    ] == []
    assert set(facts["indexes"]) == indexes


# --------------------------------------------------------------------------- isolation


def test_athletes_see_only_their_own_results(real_import: RealImport):
    """Each sampled athlete reads exactly the races they imported, and their splits."""
    for user in sample(real_import):
        own = sorted(real_import.report.race_ids[r] for r in real_import.athletes[user])
        with as_athlete(real_import, user) as conn:
            races = sorted(r["id"] for r in conn.execute("select id from race_results"))
            splits = conn.execute("select count(*) as n from race_splits").fetchone()
        assert (races, splits) == (own, {"n": 16 * len(own)}), user


def test_another_athlete_sees_none_of_them(real_import: RealImport):
    """An athlete who imported nothing sees no result and no split of the 2,750."""
    user = uuid.uuid4()
    conn = real_import.conn
    with conn.transaction(force_rollback=True):
        conn.execute(
            "insert into auth.users (id, aud, role, email)"
            " values (%s, 'authenticated', 'authenticated', 'outsider@results.test')",
            (user,),
        )
        conn.execute("insert into athlete_profiles (user_id) values (%s)", (user,))
        with acting_as(conn, athlete_claims(user)):
            seen = conn.execute(
                "select (select count(*) from race_results) as races,"
                " (select count(*) from race_splits) as splits"
            ).fetchone()
    assert seen == {"races": 0, "splits": 0}
