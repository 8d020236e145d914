"""The biggest single requests against Supabase's 8 s ``authenticated`` statement timeout,
and what the profile-first lock order (design doc 3.3) costs a request.

Skipped by default like every benchmark; run with::

    pytest tests/benchmarks/test_big_requests.py --benchmark-only [--bench-scale L]

Requests, on a private clone of the scale's dataset (other benchmarks never see it):

* ``create_16_week_plan``: one statement inserting a plan, its 16 weeks and 112 days
  (data-modifying CTEs; the heaviest form a client or an RPC can send), as the athlete;
* ``complete_a_day``: log a workout for a planned day (the link triggers run), as the athlete;
* ``delete_account``: ``delete from auth.users`` as the auth admin for an athlete given
  years of history on top of the dataset's rows (:data:`HISTORY`).

Each round runs in a transaction that is rolled back. Every request runs with the
lock-order triggers on (the schema as migrated) and off (disabled on the clone),
so the difference is the fix's cost per request. ``extra_info`` carries the
server-side time of the lock trigger (EXPLAIN ANALYZE) and the rows deleted.
Nothing here asserts a timing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import tuple_row
from pytest_benchmark.fixture import BenchmarkFixture

from hyrox_schema.server import PgServer, cloned_database
from tests.behaviour.helpers import athlete_row_counts
from tests.benchmarks.databases import DB_PREFIX, resolve_scales
from tests.benchmarks.datasets import SCALES, Athlete, sample_athletes
from tests.benchmarks.queries import start_request

ROUNDS = 15
REQUESTS = ("create_16_week_plan", "complete_a_day", "delete_account")
STATEMENT_TIMEOUT_SECONDS = 8.0  # Supabase's default for the authenticated role
LOCK_TRIGGERS = (
    "conversations",
    "training_plans",
    "training_plan_weeks",
    "training_plan_days",
    "workout_logs",
)

HISTORY = {"years": 3, "plans_per_year": 3, "logs_per_week": 5, "conversations": 150}
"""The heavy athlete's extra history: 9 plans of 16 weeks (1,008 days), 780 logs (linked to
plan days where one exists), 150 conversations of 20 messages."""

HISTORY_TABLES = (*LOCK_TRIGGERS, "messages")

CREATE_PLAN = """
with plan as (
  insert into public.training_plans
    (athlete_id, plan_name, duration_weeks, status, start_date, is_ai_generated)
  values (%(athlete_id)s, 'Sub 80 block', 16, 'draft', date '2026-03-02', true)
  returning id, athlete_id
), weeks as (
  insert into public.training_plan_weeks (training_plan_id, athlete_id, week_number, focus)
  select plan.id, plan.athlete_id, n, 'Block week ' || n
  from plan, generate_series(1, 16) as n
  returning id, athlete_id
)
insert into public.training_plan_days
  (training_plan_week_id, athlete_id, day_of_week, session_type, is_rest_day,
   workout_title, workout_details, estimated_duration_minutes)
select weeks.id, weeks.athlete_id, d, case when d = 7 then 'rest' else 'run' end, d = 7,
       'Session ' || d, '{"blocks": [{"type": "run", "km": 8}]}', 60
from weeks, generate_series(1, 7) as d
"""

COMPLETE_DAY = """
insert into public.workout_logs
  (athlete_id, date, session_type, completion_status, training_plan_day_id, rpe_post)
values (%(athlete_id)s, %(today)s, 'run', 'completed', %(open_day_id)s, 7)
"""

DELETE_ACCOUNT = "delete from auth.users where id = %(user_id)s"

HISTORY_SQL = """
with plans as (
  insert into public.training_plans (athlete_id, plan_name, duration_weeks, status, start_date)
  select %(athlete_id)s, 'History ' || p, 16, 'archived',
         date '2023-01-02' + (p * 119)
  from generate_series(0, %(plans)s - 1) as p
  returning id, athlete_id, start_date
), weeks as (
  insert into public.training_plan_weeks (training_plan_id, athlete_id, week_number)
  select plans.id, plans.athlete_id, n from plans, generate_series(1, 16) as n
  returning id, athlete_id
)
insert into public.training_plan_days
  (training_plan_week_id, athlete_id, day_of_week, session_type)
select weeks.id, weeks.athlete_id, d, 'run' from weeks, generate_series(1, 6) as d
union all
select weeks.id, weeks.athlete_id, 7, 'strength' from weeks
"""

HISTORY_LOGS_SQL = """
insert into public.workout_logs
  (athlete_id, date, session_type, completion_status, training_plan_day_id, notes)
select %(athlete_id)s, date '2023-01-02' + (w * 7) + s, 'run', 'completed',
       (select d.id from public.training_plan_days as d
          join public.training_plan_weeks as wk on wk.id = d.training_plan_week_id
          join public.training_plans as p on p.id = wk.training_plan_id
        where p.athlete_id = %(athlete_id)s and p.plan_name like 'History %%'
          and p.start_date + (wk.week_number - 1) * 7 + d.day_of_week - 1
              = date '2023-01-02' + (w * 7) + s
        limit 1),
       'history'
from generate_series(0, %(weeks)s - 1) as w, generate_series(0, %(per_week)s - 1) as s
"""

HISTORY_CHAT_SQL = """
with c as (
  insert into public.conversations (athlete_id, title, title_source)
  select %(athlete_id)s, 'Chat ' || n, 'auto' from generate_series(1, %(conversations)s) as n
  returning id, athlete_id
)
insert into public.messages (conversation_id, athlete_id, role, content)
select c.id, c.athlete_id, case when m %% 2 = 0 then 'assistant' else 'user' end, 'message ' || m
from c, generate_series(1, 20) as m
"""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise ``scale`` from --bench-scale / HYROX_BENCH_SCALE (default S)."""
    if "scale" in metafunc.fixturenames:
        scales = resolve_scales(metafunc.config.getoption("bench_scale"), os.environ)
        metafunc.parametrize("scale", scales, scope="module")


class BigRequestDb:
    """A private clone of one scale's dataset, a heavy athlete in it, lock triggers on or off."""

    def __init__(self, conninfo: str, auth_admin_conninfo: str, athletes: int) -> None:
        self.conn = psycopg.connect(conninfo, autocommit=True)
        # GoTrue's own login, for the account deletion (never `set role` from postgres)
        self.auth_admin = psycopg.connect(auth_admin_conninfo, autocommit=True)
        self.athlete: Athlete = sample_athletes(self.conn, athletes, 1)[0]
        self.heavy: Athlete = sample_athletes(self.conn, athletes, 2)[1]
        self._add_history(self.heavy)
        for table in HISTORY_TABLES:
            self.conn.execute(f"vacuum analyze public.{table}")
        self.heavy_rows = self._owned_rows(self.heavy)

    def _add_history(self, athlete: Athlete) -> None:
        params = {
            "athlete_id": athlete.athlete_id,
            "plans": HISTORY["years"] * HISTORY["plans_per_year"],
            "weeks": HISTORY["years"] * 52,
            "per_week": HISTORY["logs_per_week"],
            "conversations": HISTORY["conversations"],
        }
        with self.conn.transaction():
            for statement in (HISTORY_SQL, HISTORY_LOGS_SQL, HISTORY_CHAT_SQL):
                self.conn.execute(statement, params)

    def _owned_rows(self, athlete: Athlete) -> int:
        return sum(athlete_row_counts(self.conn, athlete.athlete_id, athlete.user_id).values())

    def lock_order(self, on: bool) -> None:
        """Enable or disable the lock-order triggers on this clone."""
        action = "enable" if on else "disable"
        for table in LOCK_TRIGGERS:
            self.conn.execute(
                sql.SQL("alter table {} {} trigger {}").format(
                    sql.Identifier("public", table),
                    sql.SQL(action),
                    sql.Identifier(f"{table}_lock_athlete_first"),
                )
            )

    def run(self, request: str, *, explain: bool = False) -> Any:  # noqa: ANN401 - plan JSON
        """Run ``request`` once, in a transaction rolled back after it."""
        athlete = self.heavy if request == "delete_account" else self.athlete
        query = {
            "create_16_week_plan": CREATE_PLAN,
            "complete_a_day": COMPLETE_DAY,
            "delete_account": DELETE_ACCOUNT,
        }[request]
        params = {
            "athlete_id": athlete.athlete_id,
            "user_id": athlete.user_id,
            "today": athlete.today,
            "open_day_id": athlete.open_day_id,
        }
        if explain:
            query = "explain (analyze, timing on, summary, format json) " + query
        conn = self.auth_admin if request == "delete_account" else self.conn
        with (
            conn.transaction(force_rollback=True),
            conn.cursor(row_factory=tuple_row) as cur,
        ):
            if request != "delete_account":
                start_request(cur, athlete, "ours")
            cur.execute(query, params)
            return cur.fetchone()[0] if explain else cur.rowcount  # type: ignore[index]


@pytest.fixture(scope="module")
def big_db(
    pg_server: PgServer, scale: str, request: pytest.FixtureRequest
) -> Iterator[BigRequestDb]:
    """The private clone of ``scale``'s dataset with the heavy athlete."""
    layer = request.getfixturevalue(f"bench_layer_{scale.lower()}")
    with ExitStack() as stack:
        conninfo = stack.enter_context(
            cloned_database(
                pg_server, template=layer.template_dbname, dbname=f"{DB_PREFIX}_{scale}_big"
            )
        )
        dbname = f"{DB_PREFIX}_{scale}_big"
        database = BigRequestDb(conninfo, pg_server.auth_admin_conninfo(dbname), SCALES[scale])
        stack.callback(database.conn.close)
        stack.callback(database.auth_admin.close)
        yield database


def _trigger_ms(plan: list[dict[str, Any]]) -> dict[str, float]:
    """Server-side time per trigger (EXPLAIN ANALYZE), milliseconds."""
    return {t["Trigger Name"]: round(t["Time"], 3) for t in plan[0].get("Triggers", [])}


@pytest.mark.parametrize("lock_order", ["on", "off"])
@pytest.mark.parametrize(
    "request_name", ["create_16_week_plan", "complete_a_day", "delete_account"]
)
def test_big_request(
    benchmark: BenchmarkFixture,
    big_db: BigRequestDb,
    scale: str,
    request_name: str,
    lock_order: str,
):
    """Time one request, lock order on or off (reported against the 8 s timeout)."""
    big_db.lock_order(lock_order == "on")
    try:
        benchmark.group = f"{request_name} @ {scale}"
        benchmark.pedantic(
            big_db.run, args=(request_name,), rounds=ROUNDS, warmup_rounds=2, iterations=1
        )
        plan = big_db.run(request_name, explain=True)  # warm: after the rounds
        benchmark.extra_info.update(
            {
                "scale": scale,
                "lock_order": lock_order,
                "statement_timeout_s": STATEMENT_TIMEOUT_SECONDS,
                "server_ms": round(plan[0]["Execution Time"] + plan[0]["Planning Time"], 3),
                "trigger_ms": _trigger_ms(plan),
                "heavy_athlete_rows": big_db.heavy_rows,
            }
        )
    finally:
        big_db.lock_order(True)
