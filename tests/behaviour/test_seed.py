"""The Phase 3 reference seed (seeds/001_hyrox_reference.sql): loaded, complete, idempotent."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import DictRow

from hyrox_schema import loaders
from tests.tables import reference_tables

Connection = psycopg.Connection[DictRow]

SEED = loaders.REPO_ROOT / "seeds" / "001_hyrox_reference.sql"
REFERENCE_TABLES = tuple(t.name for t in reference_tables())
ACHIEVEMENT_CODES = {
    "first_race_logged",
    "sub_90_minute_hyrox",
    "training_streak_30_days",
    "all_stations_benchmarked",
    "first_ai_coaching_session",
}


def _snapshot(conn: Connection, table: str) -> list[dict[str, object]]:
    """Every row with its physical version (ctid): any update, even a no-op, changes it."""
    query = sql.SQL("select ctid::text, * from {} order by id").format(
        sql.Identifier("public", table)
    )
    return conn.execute(query).fetchall()


def test_harness_loads_the_seed_files():
    """The after-001 template loads every seeds/*.sql, this one included."""
    assert SEED in loaders.seed_files()
    assert loaders.load_seeds in loaders.after_001_loaders()


def test_seed_has_the_eight_stations_in_race_order(conn: Connection):
    """Stations 1..8 in race order with the official Open/Pro loads (sleds include the sled)."""
    rows = conn.execute(
        "select station_number, station_name, weight_open_men_kg, weight_open_women_kg,"
        " weight_pro_men_kg, weight_pro_women_kg from hyrox_stations order by station_number"
    ).fetchall()
    assert [(r["station_number"], r["station_name"]) for r in rows] == [
        (1, "SkiErg"),
        (2, "Sled Push"),
        (3, "Sled Pull"),
        (4, "Burpee Broad Jumps"),
        (5, "Rowing"),
        (6, "Farmers Carry"),
        (7, "Sandbag Lunges"),
        (8, "Wall Balls"),
    ]
    loads = {r["station_name"]: tuple(list(r.values())[2:]) for r in rows}
    assert loads["Sled Push"] == (152, 102, 202, 152)
    assert loads["Sled Pull"] == (103, 78, 153, 103)
    assert loads["Farmers Carry"] == (24, 16, 32, 24)  # per hand
    assert loads["Sandbag Lunges"] == (20, 10, 30, 20)
    assert loads["Wall Balls"] == (6, 4, 9, 6)
    assert loads["SkiErg"] == loads["Rowing"] == loads["Burpee Broad Jumps"] == (None,) * 4


def test_seed_wall_balls_description_names_the_target_heights(conn: Connection):
    """The wall-ball target heights (3.00 m / 2.70 m) are in the station description."""
    row = conn.execute("select description from hyrox_stations where station_number = 8")
    description = row.fetchone()["description"]  # type: ignore[index]
    assert "3.00 m" in description
    assert "2.70 m" in description


def test_seed_has_a_station_specific_exercise_for_every_station(conn: Connection):
    """Each station has at least one station_specific exercise in the library."""
    rows = conn.execute(
        "select h.station_number, count(e.id) as exercises from hyrox_stations as h"
        " left join exercise_library as e"
        " on e.hyrox_station_id = h.id and e.category = 'station_specific'"
        " group by h.station_number order by h.station_number"
    ).fetchall()
    assert [r["station_number"] for r in rows] == list(range(1, 9))
    assert all(r["exercises"] >= 1 for r in rows)


def test_seed_has_the_five_example_achievements(conn: Connection):
    """The brief's five example achievements exist with stable codes and object criteria."""
    rows = conn.execute("select code, criteria from achievement_definitions").fetchall()
    assert {r["code"] for r in rows} >= ACHIEVEMENT_CODES
    assert all(isinstance(r["criteria"], dict) and r["criteria"] for r in rows)


@pytest.mark.parametrize("runs", [1, 2], ids=["second-run", "third-run"])
def test_running_the_seed_again_changes_nothing(conn: Connection, runs: int):
    """Re-running the seed inserts nothing and rewrites no row (same ctid, same values)."""
    before = {t: _snapshot(conn, t) for t in REFERENCE_TABLES}
    for _ in range(runs):
        loaders.execute_script(conn, SEED)
    after = {t: _snapshot(conn, t) for t in REFERENCE_TABLES}
    assert after == before


def test_seed_repairs_a_changed_value(conn: Connection):
    """A value changed in the database is set back by the next run (upsert, not insert-only)."""
    conn.execute("update hyrox_stations set weight_pro_men_kg = 1 where station_number = 2")
    conn.execute("delete from achievement_definitions where code = 'first_race_logged'")
    loaders.execute_script(conn, SEED)
    row = conn.execute("select weight_pro_men_kg from hyrox_stations where station_number = 2")
    assert row.fetchone() == {"weight_pro_men_kg": 202}
    codes = conn.execute("select code from achievement_definitions").fetchall()
    assert "first_race_logged" in {r["code"] for r in codes}


def test_seed_file_has_no_transaction_control():
    """The seed runs inside the caller's transaction: no begin/commit of its own."""
    statements = [
        line.strip().lower()
        for line in Path(SEED).read_text().splitlines()
        if not line.strip().startswith("--")
    ]
    assert not any(s.startswith(("begin", "commit", "rollback")) for s in statements)
