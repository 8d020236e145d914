"""Import official Hyrox results as the app does: CSV rows -> race_results + 16 race_splits.

The official results export (see ``tests/data/hyrox-results/README.md``) has one row per
result: ``gender``, ``age_group``, ``division``, ``total_time`` and ``run_k``, ``work_k``
(station k), ``roxzone_k`` (the transition after station k) for k = 1..8, times as
``H:MM:SS``. The mapping:

* ``0:00:00`` (or an empty cell) means "not recorded": the split's time is NULL, never 0;
* ``roxzone_k`` becomes ``transition_time_seconds`` of station split 2k (k = 1..7);
  ``roxzone_8`` must be unrecorded (there is no roxzone after the wall balls);
* an empty ``age_group`` is NULL; ``gender`` male/female/mixed is men/women/mixed;
* ``division`` names division and format together (``doubles`` = Open Doubles,
  ``pro_doubles`` = Pro Doubles, ``relay`` = Open relay, ...);
* status: an export's ``status`` column when present (finished/DNF/DSQ), otherwise
  finished when a total is published and DNF when it is not; ``penalty_time`` likewise.

:func:`import_results` writes one athlete's results in one request as PostgREST would:
role ``authenticated`` with the athlete's JWT (:func:`acting_as`), two bulk inserts
through ``json_populate_recordset``, RLS deciding. A batch the database refuses is
retried result by result, so refusals are counted with the constraint that refused them.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row
from psycopg.types.json import Json

from hyrox_schema.impersonation import acting_as, athlete_claims
from hyrox_schema.paths import REPO_ROOT

DATA_DIR = REPO_ROOT / "tests" / "data" / "hyrox-results"
DSN_ENV = "HYROX_IMPORT_DSN"
RESULT_FILES = ("s6-2024-gdansk.csv", "s7-2024-dublin.csv")
SEGMENTS = 8

#: Export division -> (race_results.division, race_results.format).
DIVISIONS: Mapping[str, tuple[str, str]] = {
    "open": ("open", "singles"),
    "pro": ("pro", "singles"),
    "doubles": ("open", "doubles"),
    "pro_doubles": ("pro", "doubles"),
    "relay": ("open", "relay"),
    "adaptive": ("adaptive", "singles"),
    "elite_15": ("elite_15", "singles"),
}
CATEGORIES: Mapping[str, str] = {"male": "men", "female": "women", "mixed": "mixed"}
STATUSES: Mapping[str, str] = {"finished": "finished", "dnf": "dnf", "dsq": "dsq"}

RESULT_COLUMNS = (
    "id",
    "athlete_id",
    "race_date",
    "race_name",
    "location",
    "season",
    "division",
    "format",
    "race_category",
    "age_group",
    "status",
    "total_time_seconds",
    "penalty_seconds",
)
SPLIT_COLUMNS = (
    "race_result_id",
    "athlete_id",
    "split_number",
    "split_type",
    "station_id",
    "time_seconds",
    "transition_time_seconds",
)

_TIME = re.compile(r"(\d{1,2}):([0-5]\d):([0-5]\d)")


def seconds(text: str) -> int | None:
    """``H:MM:SS`` as seconds; ``0:00:00`` and an empty cell are "not recorded" (None)."""
    text = text.strip()
    if not text:
        return None
    match = _TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"not an H:MM:SS time: {text!r}")
    hours, minutes, secs = (int(part) for part in match.groups())
    return hours * 3600 + minutes * 60 + secs or None


@dataclass(frozen=True)
class Event:
    """What an export row does not carry about its event (``events.csv``)."""

    event_id: str
    race_name: str
    race_date: date
    season: int
    location: str


@dataclass(frozen=True)
class Result:
    """One published result, mapped to the schema's vocabulary (times in seconds)."""

    source: str
    """``file:line`` of the row, for messages."""
    event_id: str
    division: str
    format: str
    race_category: str | None
    age_group: str | None
    status: str
    total: int | None
    penalty: int
    runs: tuple[int | None, ...]
    stations: tuple[int | None, ...]
    roxzone: tuple[int | None, ...]
    """Transitions after stations 1..7 (the export's roxzone_8 is always unrecorded)."""


def parse_row(row: Mapping[str, str], source: str = "row") -> Result:
    """Map one export row (a ``csv.DictReader`` dict) to a :class:`Result`."""
    division, race_format = DIVISIONS[row["division"].strip().lower()]
    gender = row.get("gender", "").strip().lower()
    total = seconds(row["total_time"])
    status = row.get("status", "").strip().lower() or ("finished" if total else "dnf")
    if seconds(row.get(f"roxzone_{SEGMENTS}", "")) is not None:
        raise ValueError(f"{source}: a roxzone after the last station")
    return Result(
        source=source,
        event_id=row["event_id"],
        division=division,
        format=race_format,
        race_category=CATEGORIES[gender] if gender else None,
        age_group=row.get("age_group", "").strip() or None,
        status=STATUSES[status],
        total=total,
        penalty=seconds(row.get("penalty_time", "")) or 0,
        runs=tuple(seconds(row[f"run_{k}"]) for k in range(1, SEGMENTS + 1)),
        stations=tuple(seconds(row[f"work_{k}"]) for k in range(1, SEGMENTS + 1)),
        roxzone=tuple(seconds(row[f"roxzone_{k}"]) for k in range(1, SEGMENTS)),
    )


def read_results(path: Path) -> list[Result]:
    """Every result of one export file, in file order."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            parse_row(row, f"{path.name}:{line}")
            for line, row in enumerate(csv.DictReader(handle), start=2)
        ]


def read_events(path: Path = DATA_DIR / "events.csv") -> dict[str, Event]:
    """The fixture's events by event_id."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            row["event_id"]: Event(
                row["event_id"],
                row["race_name"],
                date.fromisoformat(row["race_date"]),
                int(row["season"]),
                row["location"],
            )
            for row in csv.DictReader(handle)
        }


def fixture_results() -> list[Result]:
    """Every result of the committed fixture, file by file."""
    return [result for name in RESULT_FILES for result in read_results(DATA_DIR / name)]


def result_row(
    result: Result, event: Event, race_id: uuid.UUID, athlete_id: uuid.UUID
) -> dict[str, Any]:
    """The race_results row of a result (JSON-ready, keys = RESULT_COLUMNS)."""
    return {
        "id": str(race_id),
        "athlete_id": str(athlete_id),
        "race_date": event.race_date.isoformat(),
        "race_name": event.race_name,
        "location": event.location,
        "season": event.season,
        "division": result.division,
        "format": result.format,
        "race_category": result.race_category,
        "age_group": result.age_group,
        "status": result.status,
        "total_time_seconds": result.total,
        "penalty_seconds": result.penalty,
    }


def split_rows(
    result: Result, race_id: uuid.UUID, athlete_id: uuid.UUID, stations: Mapping[int, Any]
) -> list[dict[str, Any]]:
    """The 16 race_splits rows of a result: run k = split 2k-1, station k = split 2k."""
    rows: list[dict[str, Any]] = []
    for k in range(1, SEGMENTS + 1):
        common = {"race_result_id": str(race_id), "athlete_id": str(athlete_id)}
        rows.append(
            {
                **common,
                "split_number": 2 * k - 1,
                "split_type": "run",
                "station_id": None,
                "time_seconds": result.runs[k - 1],
                "transition_time_seconds": None,
            }
        )
        rows.append(
            {
                **common,
                "split_number": 2 * k,
                "split_type": "station",
                "station_id": str(stations[k]),
                "time_seconds": result.stations[k - 1],
                "transition_time_seconds": result.roxzone[k - 1] if k < SEGMENTS else None,
            }
        )
    return rows


@dataclass
class ImportReport:
    """What one import did: the stored race ids by result, and every refusal."""

    race_ids: dict[Result, uuid.UUID] = field(default_factory=dict)
    refused: list[tuple[Result, str]] = field(default_factory=list)
    """(result, the constraint or message that refused it)."""

    def merge(self, other: ImportReport) -> None:
        """Add ``other``'s outcome to this report."""
        self.race_ids.update(other.race_ids)
        self.refused.extend(other.refused)


def _bulk_insert(table: str, columns: Sequence[str]) -> sql.Composed:
    """PostgREST's bulk insert: the listed columns from a JSON array of objects."""
    names = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    return sql.SQL(
        "insert into {table} ({names})"
        " select {names} from json_populate_recordset(null::{table}, %s)"
    ).format(table=sql.Identifier("public", table), names=names)


def _request(
    conn: psycopg.Connection[Any],
    user_id: uuid.UUID,
    results: Sequence[Result],
    events: Mapping[str, Event],
) -> dict[Result, uuid.UUID]:
    """One request as the athlete: look up who I am and the stations, then two bulk inserts."""
    ids = {result: uuid.uuid4() for result in results}
    with acting_as(conn, athlete_claims(user_id)), conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "select (select p.id from public.athlete_profiles as p),"
            " (select jsonb_object_agg(s.station_number, s.id) from public.hyrox_stations as s)"
        )
        athlete_id, by_number = cur.fetchone() or (None, None)
        if athlete_id is None:
            raise LookupError(f"user {user_id} has no athlete profile")
        stations = {int(number): station for number, station in (by_number or {}).items()}
        races = [result_row(r, events[r.event_id], ids[r], athlete_id) for r in results]
        splits = [row for r in results for row in split_rows(r, ids[r], athlete_id, stations)]
        cur.execute(_bulk_insert("race_results", RESULT_COLUMNS), (Json(races),))
        cur.execute(_bulk_insert("race_splits", SPLIT_COLUMNS), (Json(splits),))
    return ids


def import_results(
    conn: psycopg.Connection[Any],
    user_id: uuid.UUID,
    results: Iterable[Result],
    events: Mapping[str, Event],
) -> ImportReport:
    """Store ``results`` as the athlete ``user_id``: one request, or one per result on refusal.

    A refused request writes nothing (it is one transaction, or a savepoint inside the
    caller's); the results are then sent one by one and each refusal is recorded.
    """
    batch = list(results)
    report = ImportReport()
    try:
        report.race_ids.update(_request(conn, user_id, batch, events))
        return report
    except psycopg.errors.IntegrityError:
        pass
    for result in batch:
        try:
            report.race_ids.update(_request(conn, user_id, [result], events))
        except psycopg.errors.IntegrityError as error:
            why = error.diag.constraint_name or error.diag.message_primary or ""
            report.refused.append((result, why))
    return report


def athletes_of(results: Iterable[Result]) -> list[list[Result]]:
    """Deal results to athletes: each athlete's races share format, category and age group.

    Within one (division, format, category, age group) pool, athlete k gets the k-th result
    of every event, so an athlete who raced both events owns two races a season apart
    (a progression), and nobody owns two races of one event.
    """
    pools: dict[tuple[object, ...], dict[str, list[Result]]] = {}
    for result in results:
        key = (result.division, result.format, result.race_category, result.age_group)
        pools.setdefault(key, {}).setdefault(result.event_id, []).append(result)
    athletes: list[list[Result]] = []
    for by_event in pools.values():
        for k in range(max(len(rs) for rs in by_event.values())):
            athletes.append([rs[k] for rs in by_event.values() if k < len(rs)])
    return athletes


def main(argv: Sequence[str] | None = None) -> int:
    """``hyrox-race-import``: read official results exports; with ``--user-id`` and ``--dsn``,
    import them as that athlete (through RLS, as the app does) and commit."""
    parser = argparse.ArgumentParser(
        prog="hyrox-race-import",
        description="Official Hyrox results CSV -> race_results + 16 race_splits, as the athlete.",
    )
    parser.add_argument(
        "csv", nargs="*", type=Path, help="export files (default: the repository's fixture)"
    )
    parser.add_argument("--events", type=Path, default=None, help="events.csv (default: fixture)")
    parser.add_argument("--user-id", type=uuid.UUID, help="auth.users id of the importing athlete")
    parser.add_argument("--dsn", default=None, help=f"libpq URI or conninfo (env {DSN_ENV})")
    args = parser.parse_args(argv)
    files = [path.resolve() for path in args.csv] or [DATA_DIR / name for name in RESULT_FILES]
    results = [result for path in files for result in read_results(path)]
    events = read_events(args.events.resolve() if args.events else DATA_DIR / "events.csv")
    unknown = sorted({r.event_id for r in results} - events.keys())
    if unknown:
        print(f"events.csv has no row for event(s) {', '.join(unknown)}", file=sys.stderr)
        return 2
    gaps = sum(1 for r in results if any(s is None for s in r.runs + r.stations))
    print(f"{len(results)} result(s) from {len(files)} file(s), {gaps} with unrecorded splits")
    if args.user_id is None:
        return 0
    dsn = args.dsn or os.environ.get(DSN_ENV)
    if not dsn:
        parser.error(f"--user-id needs --dsn or {DSN_ENV}")
    with psycopg.connect(dsn) as conn:
        report = import_results(conn, args.user_id, results, events)
    print(f"imported {len(report.race_ids)} race(s), refused {len(report.refused)}")
    for result, why in report.refused:
        print(f"  refused {result.source}: {why}")
    return 1 if report.refused else 0


if __name__ == "__main__":
    raise SystemExit(main())
