"""The RLS benchmark datasets: scales, the set-based generator, its invariants, the draft copy."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from hyrox_schema import catalog, loaders

HERE = Path(__file__).resolve().parent
DATASET_SQL = HERE / "dataset.sql"
DRAFT_POLICIES_SQL = HERE / "draft_policies.sql"
UID_POLICIES_SQL = HERE / "uid_policies.sql"
INLINE_POLICIES_SQL = HERE / "inline_policies.sql"

# Athletes per scale. S is built for the default suite, L and XL only on request.
SCALES: dict[str, int] = {"T": 300, "S": 1_000, "L": 10_000, "XL": 100_000}
# Scales measured for ours and the owner only: no draft, uid or inline copies (each
# would be another 11.2 M plan days to build or clone), and the connection goes to the
# dataset's template itself instead of a clone (the benchmark's writes roll back).
LEAN_SCALES = frozenset({"XL"})

# Rows dataset.sql writes per athlete (auth.users included); the reference tables are extra.
ROWS_PER_ATHLETE: dict[str, int] = {
    "auth.users": 1,
    "athlete_profiles": 1,
    "conversations": 2,
    "messages": 60,
    "training_plans": 1,
    "training_plan_weeks": 16,
    "training_plan_days": 112,
    "workout_logs": 20,
    "benchmark_tests": 2,
    "race_results": 3,
    "race_splits": 48,
    "personal_records": 24,
    "goals": 3,
    "athlete_achievements": 2,
}
# The athlete-owned tables of public (the ones whose reads RLS filters).
ATHLETE_TABLES = frozenset(name for name in ROWS_PER_ATHLETE if "." not in name)

# The fixed "today" of the benchmark: inside every athlete's 16-week plan.
TODAY = date(2026, 2, 18)
# The week the "one week of a plan" family reads, and the plan day the
# "completing a day" family completes (week 5, Tuesday: open for everyone).
READ_WEEK = 5
OPEN_DAY = (5, 2)

# Build times of the dataset templates, by database name (filled by the loaders).
BUILD_SECONDS: dict[str, float] = {}


def bench_id(kind: str, number: int) -> uuid.UUID:
    """The id dataset.sql gives row ``number`` of ``kind`` (``md5(kind || ':' || n)::uuid``)."""
    return uuid.UUID(hashlib.md5(f"{kind}:{number}".encode()).hexdigest())  # an id, not a secret


@dataclass(frozen=True)
class Athlete:
    """One benchmark athlete and the ids the app would already hold when it sends a request."""

    number: int
    user_id: uuid.UUID
    athlete_id: uuid.UUID
    plan_id: uuid.UUID
    week_number: int
    conversation_id: uuid.UUID
    race_id: uuid.UUID
    station_id: uuid.UUID
    open_day_id: uuid.UUID
    today: date


def load_dataset(
    conn: psycopg.Connection[Any], athletes: int, *, profile_is_user: bool = False
) -> float:
    """Generate the dataset for ``athletes`` on an autocommit superuser connection; return seconds.

    Loads in one transaction, then VACUUM ANALYZE (fresh statistics and
    visibility map, as autovacuum would leave a live database), then checks
    the link invariants the trigger-less load must keep. ``profile_is_user``
    gives every profile its auth user's id (the "uid" design alternative).
    """
    started = time.perf_counter()
    with conn.transaction():
        conn.execute(
            "select set_config('bench.athletes', %s, true),"
            " set_config('bench.profile_is_user', %s, true)",
            (str(athletes), "on" if profile_is_user else "off"),
        )
        conn.execute(DATASET_SQL.read_text(encoding="utf-8"))  # type: ignore[arg-type]  # a file, not a literal
    conn.execute("vacuum (analyze)")
    violations = invariant_violations(conn)
    if violations:
        raise RuntimeError(f"the benchmark dataset breaks invariants: {violations}")
    return time.perf_counter() - started


def dataset_loader(athletes: int, *, profile_is_user: bool = False) -> Callable[..., None]:
    """A template-layer loader (hyrox_schema.databases): the dataset for ``athletes``."""

    def load(**kwargs: Any) -> None:  # noqa: ANN401 - the layer's loader kwargs
        with loaders.connect(**kwargs) as conn:
            BUILD_SECONDS[kwargs["dbname"]] = load_dataset(
                conn, athletes, profile_is_user=profile_is_user
            )

    return load


def install_draft_policies(conn: psycopg.Connection[Any]) -> None:
    """Replace the schema's athlete-data policies by the brief's draft (variant c)."""
    with conn.transaction():
        conn.execute(DRAFT_POLICIES_SQL.read_text(encoding="utf-8"))  # type: ignore[arg-type]  # a file, not a literal


def install_uid_policies(conn: psycopg.Connection[Any]) -> None:
    """Point every policy and athlete_id default at auth.uid() (the "uid" alternative)."""
    with conn.transaction():
        conn.execute(UID_POLICIES_SQL.read_text(encoding="utf-8"))  # type: ignore[arg-type]  # a file, not a literal


def install_inline_policies(conn: psycopg.Connection[Any]) -> None:
    """Inline the identity lookup into every athlete-table policy (the "inline" alternative)."""
    with conn.transaction():
        conn.execute(INLINE_POLICIES_SQL.read_text(encoding="utf-8"))  # type: ignore[arg-type]  # a file, not a literal


def _count(conn: psycopg.Connection[Any], query: sql.Composable) -> int:
    row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0] if not isinstance(row, dict) else next(iter(row.values())))


def invariant_violations(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Rows breaking what triggers and foreign keys would have enforced, by check (empty: none).

    Every foreign key of public (catalog-driven), the two-sided plan-day <->
    workout-log link, and the derived training_plan_days.is_completed and scheduled_date.
    """
    violations: dict[str, int] = {}
    for fk in catalog.foreign_keys(conn):
        child = sql.Identifier("public", fk.table)
        parent = sql.Identifier(fk.referenced_schema, fk.referenced_table)
        matches = sql.SQL(" and ").join(
            sql.SQL("p.{} = c.{}").format(sql.Identifier(ref), sql.Identifier(col))
            for col, ref in zip(fk.columns, fk.referenced_columns, strict=True)
        )
        present = sql.SQL(" and ").join(
            sql.SQL("c.{} is not null").format(sql.Identifier(col)) for col in fk.columns
        )
        orphans = _count(
            conn,
            sql.SQL(
                "select count(*) from {} as c"
                " where {} and not exists (select from {} as p where {})"
            ).format(child, present, parent, matches),
        )
        if orphans:
            violations[f"foreign key {fk.name}"] = orphans
    checks = {
        "workout_logs.training_plan_day_id not mirrored by the day": """
            select count(*) from public.workout_logs as l
            where l.training_plan_day_id is not null and not exists (
              select from public.training_plan_days as d
              where d.id = l.training_plan_day_id and d.linked_workout_log_id = l.id)""",
        "training_plan_days.linked_workout_log_id not mirrored by the log": """
            select count(*) from public.training_plan_days as d
            where d.linked_workout_log_id is not null and not exists (
              select from public.workout_logs as l
              where l.id = d.linked_workout_log_id and l.training_plan_day_id = d.id)""",
        "training_plan_days.is_completed not derived from the linked log": """
            select count(*) from public.training_plan_days as d
            left join public.workout_logs as l on l.id = d.linked_workout_log_id
            where d.is_completed is distinct from coalesce(
              l.completion_status in ('completed', 'partial') and l.deleted_at is null, false)""",
        "training_plan_days.scheduled_date not derived from its week and plan": """
            select count(*) from public.training_plan_days as d
            join public.training_plan_weeks as w on w.id = d.training_plan_week_id
            join public.training_plans as p on p.id = w.training_plan_id
            where d.scheduled_date is distinct from
              p.start_date + (w.week_number - 1) * 7 + (d.day_of_week - 1)""",
    }
    for name, query in checks.items():
        broken = _count(conn, sql.SQL(query))  # type: ignore[arg-type]  # constant text
        if broken:
            violations[name] = broken
    return violations


def row_counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Exact row counts of the tables in :data:`ROWS_PER_ATHLETE`."""
    counts: dict[str, int] = {}
    for name in ROWS_PER_ATHLETE:
        schema, _, table = name.rpartition(".")
        counts[name] = _count(
            conn,
            sql.SQL("select count(*) from {}").format(sql.Identifier(schema or "public", table)),
        )
    return counts


def sample_numbers(athletes: int, count: int) -> list[int]:
    """``count`` athlete numbers spread evenly over 1..``athletes``."""
    step = max(athletes // count, 1)
    return [1 + k * step for k in range(min(count, athletes))]


def sample_athletes(conn: psycopg.Connection[Any], athletes: int, count: int) -> list[Athlete]:
    """The request parameters of ``count`` athletes spread over the dataset, read from it."""
    numbers = sample_numbers(athletes, count)
    with conn.cursor(row_factory=dict_row) as cur:
        found: list[Athlete] = []
        for number in numbers:
            cur.execute(
                """
                select a.user_id, a.id as athlete_id, p.id as plan_id,
                       (select c.id from public.conversations as c
                         where c.athlete_id = a.id order by c.started_at desc limit 1)
                         as conversation_id,
                       (select r.id from public.race_results as r
                         where r.athlete_id = a.id order by r.race_date desc limit 1)
                         as race_id,
                       (select s.id from public.hyrox_stations as s where s.station_number = 2)
                         as station_id,
                       (select d.id from public.training_plan_weeks as w
                         join public.training_plan_days as d on d.training_plan_week_id = w.id
                         where w.training_plan_id = p.id and w.week_number = %(week)s
                           and d.day_of_week = %(dow)s and not d.is_completed) as open_day_id
                from public.athlete_profiles as a
                join public.training_plans as p
                  on p.athlete_id = a.id and p.status = 'active' and p.deleted_at is null
                where a.user_id = %(user_id)s
                """,
                {"user_id": bench_id("user", number), "week": OPEN_DAY[0], "dow": OPEN_DAY[1]},
            )
            row = cur.fetchone()
            if row is None:
                raise LookupError(f"athlete {number} is not in the dataset")
            found.append(Athlete(number=number, week_number=READ_WEEK, today=TODAY, **row))
    return found
