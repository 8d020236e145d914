"""The results loader on hand-made export rows: what the two real files do not exercise.

No age group, a total close to 4 h, a DNF without a total, a DSQ, a penalty, Pro Doubles
and a relay: each row is mapped as the export's README says and imported as the athlete.
"""

from __future__ import annotations

import uuid
from datetime import date

import psycopg
import pytest
from psycopg.rows import DictRow

from factories.athletes import AthleteFactory
from hyrox_schema import race_import
from hyrox_schema.race_import import Event, parse_row

Connection = psycopg.Connection[DictRow]

EVENT = Event("TEST1", "HYROX Test City", date(2025, 3, 1), 8, "Test City")


def export_row(**cells: str) -> dict[str, str]:
    """An export row of a finished singles Open men's race of 3:59:59, overridden by cells."""
    row = {
        "event_id": "TEST1",
        "event_name": "S8 2025 Test",
        "gender": "male",
        "age_group": "60-64",
        "division": "open",
        "total_time": "3:59:59",
    }
    for k in range(1, 9):
        row[f"run_{k}"] = "0:12:00"
        row[f"work_{k}"] = "0:15:00" if k < 8 else "0:21:59"
        row[f"roxzone_{k}"] = "0:02:00" if k < 8 else "0:00:00"
    return {**row, **cells}


def test_times_are_h_mm_ss_and_zero_is_not_recorded():
    """H:MM:SS to seconds; 0:00:00 and empty cells are None; anything else is an error."""
    assert race_import.seconds("3:59:59") == 14399
    assert race_import.seconds("0:04:07") == 247
    assert race_import.seconds("0:00:00") is None
    assert race_import.seconds("") is None
    for bad in ("4:07", "1:60:00", "abc", "-0:01:00"):
        with pytest.raises(ValueError, match="H:MM:SS"):
            race_import.seconds(bad)


def test_a_row_maps_to_the_schemas_vocabulary():
    """Totals near 4 h, roxzone after stations 1..7, category and division names mapped."""
    result = parse_row(export_row())
    assert (result.division, result.format, result.race_category) == ("open", "singles", "men")
    assert (result.status, result.total, result.penalty) == ("finished", 14399, 0)
    assert result.runs == (720,) * 8
    assert result.stations == (900,) * 7 + (1319,)
    assert result.roxzone == (120,) * 7


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"age_group": ""}, {"age_group": None}),
        ({"gender": ""}, {"race_category": None}),
        ({"total_time": "0:00:00"}, {"status": "dnf", "total": None}),
        ({"status": "DSQ"}, {"status": "dsq", "total": 14399}),
        ({"status": "DNF", "total_time": ""}, {"status": "dnf", "total": None}),
        ({"penalty_time": "0:02:00"}, {"penalty": 120}),
        (
            {"division": "pro_doubles", "gender": "female", "age_group": "30-39"},
            {"division": "pro", "format": "doubles", "race_category": "women"},
        ),
        (
            {"division": "relay", "gender": "mixed", "age_group": "40+"},
            {"division": "open", "format": "relay", "race_category": "mixed"},
        ),
        ({"division": "elite_15", "age_group": ""}, {"division": "elite_15", "format": "singles"}),
    ],
    ids=[
        "no-age-group",
        "no-category",
        "dnf-without-total",
        "dsq",
        "dnf-column",
        "penalty",
        "pro-doubles",
        "relay",
        "elite-15",
    ],
)
def test_export_variants_are_mapped(cells: dict[str, str], expected: dict[str, object]):
    """Each variant of an export row maps to the values the schema stores."""
    result = parse_row(export_row(**cells))
    assert {key: getattr(result, key) for key in expected} == expected


def test_a_roxzone_after_the_wall_balls_is_refused():
    """roxzone_8 has no split to live on: the loader says so instead of dropping it."""
    with pytest.raises(ValueError, match="after the last station"):
        parse_row(export_row(roxzone_8="0:00:10"))


def test_hand_made_rows_import_through_rls(factories_bound: Connection):
    """All variants stored as the athlete: none refused, 16 splits each, NULL where missing."""
    athlete = AthleteFactory()
    rows = [
        export_row(age_group=""),
        export_row(total_time="0:00:00", run_5="0:00:00", work_5="0:00:00", roxzone_5="0:00:00"),
        export_row(penalty_time="0:02:00", status="finished"),
        export_row(division="doubles", gender="mixed", age_group="60+"),
        export_row(division="pro_doubles", gender="male", age_group="16-29"),
        export_row(division="relay", gender="female", age_group="16-39"),
        export_row(division="adaptive", gender="female", age_group="70+"),
    ]
    results = [parse_row(row, f"row{n}") for n, row in enumerate(rows)]
    report = race_import.import_results(
        factories_bound, athlete["user_id"], results, {"TEST1": EVENT}
    )
    assert report.refused == []
    stored = factories_bound.execute(
        "select r.id, r.status, r.age_group, r.total_time_seconds, r.penalty_seconds,"
        " count(s.id) as splits, count(s.id) filter (where s.time_seconds is null) as missing"
        " from race_results as r join race_splits as s on s.race_result_id = r.id"
        " where r.athlete_id = %s group by r.id",
        (athlete["id"],),
    ).fetchall()
    by_id = {row["id"]: row for row in stored}
    got = [by_id[report.race_ids[r]] for r in results]
    assert [g["splits"] for g in got] == [16] * len(rows)
    assert [g["missing"] for g in got] == [0, 2, 0, 0, 0, 0, 0]
    assert [g["age_group"] for g in got] == [None, "60-64", "60-64", "60+", "16-29", "16-39", "70+"]
    assert got[1]["status"] == "dnf"
    assert got[1]["total_time_seconds"] is None
    assert (got[2]["penalty_seconds"], got[2]["total_time_seconds"]) == (120, 14399)


def test_a_refused_result_is_counted_and_the_rest_stored(factories_bound: Connection):
    """A batch with one impossible row: that row is reported with its rule, the others kept."""
    athlete = AthleteFactory()
    results = [
        parse_row(export_row(), "good"),
        parse_row(export_row(division="doubles", age_group="30-34"), "bad"),
    ]
    report = race_import.import_results(
        factories_bound, athlete["user_id"], results, {"TEST1": EVENT}
    )
    assert [(r.source, why) for r, why in report.refused] == [
        ("bad", "race_results_doubles_age_group_check")
    ]
    assert list(report.race_ids) == [results[0]]


def test_importing_for_a_user_without_a_profile_fails_clearly(factories_bound: Connection):
    """The import needs the athlete's profile; without one it says so."""
    with pytest.raises(LookupError, match="no athlete profile"):
        race_import.import_results(
            factories_bound, uuid.uuid4(), [parse_row(export_row())], {"TEST1": EVENT}
        )
