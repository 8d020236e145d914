"""Structural guarantees of the RLS design at scale S, read from EXPLAIN JSON (no timings).

Default suite. On the S benchmark dataset (1,000 athletes, 112,000 plan days),
every request family of the benchmark, run as PostgREST runs it:

* the caller's identity is computed once per statement (an InitPlan run once),
  never per scanned row;
* no policy becomes a SubPlan, so nothing loops once per scanned row;
* owner-scoped reads use index scans, never a sequential scan of an athlete table;
* the benchmark's variants are comparable: the same bodies, the same outcomes.

The draft-policy copy is the negative control: the same checks flag it.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg.rows import tuple_row

from tests.benchmarks import datasets, plans, queries
from tests.benchmarks.databases import BenchSetup
from tests.benchmarks.queries import (
    FAMILIES,
    READ_FAMILIES,
    WRITE_FAMILIES,
    Variant,
    explain_request,
    run_request,
    start_request,
    statements_for,
)


def explain(setup: BenchSetup, family: str, variant: Variant) -> list[plans.Plan]:
    """The EXPLAIN ANALYZE plans of one family in one variant, for the first sample athlete."""
    athlete = setup.sample[0]
    statements = statements_for(FAMILIES[family], athlete, variant)
    return explain_request(setup.connection(variant), athlete, variant, statements)


def scalar(conn: psycopg.Connection[Any], query: str, params: tuple[Any, ...] = ()) -> Any:  # noqa: ANN401 - any column type
    """The single value a query returns."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(query, params)  # type: ignore[arg-type]  # constant text
        row = cur.fetchone()
    assert row is not None
    return row[0]


# --------------------------------------------------------------------------- the dataset


def test_dataset_has_the_benchmark_shape(bench_s: BenchSetup):
    """Every table holds athletes x its per-athlete count (112 plan days, 60 messages, ...)."""
    expected = {table: bench_s.athletes * n for table, n in datasets.ROWS_PER_ATHLETE.items()}
    assert bench_s.rows == expected


def test_dataset_keeps_the_link_invariants(bench_s: BenchSetup):
    """The trigger-less load still satisfies every foreign key, link mirror and derived flag."""
    conn = bench_s.connection("owner")
    with conn.transaction(force_rollback=True):
        assert datasets.invariant_violations(conn) == {}


BREAKAGES = {
    "orphan split": (
        "update public.race_splits set race_result_id = gen_random_uuid()"
        " where id = (select id from public.race_splits order by id limit 1)",
        "foreign key race_splits_race_result_id_fkey",
    ),
    "one-sided link": (
        "update public.training_plan_days set linked_workout_log_id = null, is_completed = false"
        " where id = (select id from public.training_plan_days"
        " where linked_workout_log_id is not null order by id limit 1)",
        "workout_logs.training_plan_day_id not mirrored by the day",
    ),
    "stale completion": (
        "update public.training_plan_days set is_completed = true"
        " where id = (select id from public.training_plan_days"
        " where not is_completed and linked_workout_log_id is not null order by id limit 1)",
        "training_plan_days.is_completed not derived from the linked log",
    ),
    "stale scheduled date": (
        "update public.training_plan_days set scheduled_date = scheduled_date + 1"
        " where id = (select id from public.training_plan_days order by id limit 1)",
        "training_plan_days.scheduled_date not derived from its week and plan",
    ),
}


@pytest.mark.parametrize(("breakage", "expected"), BREAKAGES.values(), ids=list(BREAKAGES))
def test_invariant_check_catches_a_broken_dataset(
    bench_s: BenchSetup, breakage: str, expected: str
):
    """The invariant check is not vacuous: each kind of breakage is reported (rolled back)."""
    conn = bench_s.connection("owner")
    with conn.transaction(force_rollback=True):
        conn.execute("set local session_replication_role = replica")
        conn.execute(breakage)  # type: ignore[arg-type]  # constant text
        violations = datasets.invariant_violations(conn)
    assert expected in violations


# --------------------------------------------------------------------------- the variants


def test_requests_run_as_the_athlete(bench_s: BenchSetup):
    """The PostgREST preamble makes the athlete: role authenticated, auth.uid(), athlete id."""
    athlete = bench_s.sample[0]
    conn = bench_s.connection("ours")
    with conn.transaction(force_rollback=True), conn.cursor(row_factory=tuple_row) as cur:
        start_request(cur, athlete, "ours")
        cur.execute("select current_user, auth.uid(), private.current_athlete_id()")
        assert cur.fetchone() == ("authenticated", athlete.user_id, athlete.athlete_id)


def test_owner_variant_bypasses_rls(bench_s: BenchSetup):
    """Variant b runs as the tables' owner, which RLS does not filter: the physical limit."""
    conn = bench_s.connection("owner")
    with conn.transaction(force_rollback=True), conn.cursor(row_factory=tuple_row) as cur:
        start_request(cur, bench_s.sample[0], "owner")
        cur.execute(
            "select c.relowner = r.oid or r.rolsuper or r.rolbypassrls"
            " from pg_class as c, pg_roles as r"
            " where c.oid = 'public.training_plan_days'::regclass and r.rolname = current_user"
        )
        assert cur.fetchone() == (True,)


def test_draft_copy_carries_only_draft_policies(bench_s: BenchSetup):
    """Variant c's database has the draft's policies on every athlete table, none of ours."""
    conn = bench_s.connection("draft")
    with conn.transaction(force_rollback=True):
        names = {
            (row[0], row[1])
            for row in conn.execute(
                "select tablename, policyname from pg_policies where schemaname = 'public'"
            ).fetchall()
        }
    drafted = {table for table, name in names if name.startswith("draft: ")}
    ours = {(table, name) for table, name in names if not name.startswith("draft: ")}
    assert drafted == datasets.ATHLETE_TABLES
    assert {table for table, _ in ours} <= {
        "hyrox_stations",
        "exercise_library",
        "achievement_definitions",
    }


@pytest.mark.parametrize("family", READ_FAMILIES)
def test_variants_read_the_same_body(bench_s: BenchSetup, family: str):
    """a, b and c return the identical, non-empty JSON body (the comparison is fair)."""
    athlete = bench_s.sample[0]
    bodies = {
        variant: run_request(
            bench_s.connection(variant),
            athlete,
            variant,
            statements_for(FAMILIES[family], athlete, variant),
        )
        for variant in ("ours", "owner", "draft")
    }
    assert bodies["ours"] == bodies["owner"] == bodies["draft"]
    assert bodies["ours"][0] not in (None, "[]")


WRITE_OUTCOMES = {
    "plan_create": (
        "select (select count(*) from public.training_plan_weeks where training_plan_id = p.id),"
        " (select count(*) from public.training_plan_days as d"
        "  join public.training_plan_weeks as w on w.id = d.training_plan_week_id"
        "  where w.training_plan_id = p.id)"
        " from public.training_plans as p where p.athlete_id = %s and p.status = 'draft'",
        (16, 112),
    ),
    "day_complete": (
        "select d.is_completed, l.training_plan_day_id = d.id"
        " from public.training_plan_days as d"
        " join public.workout_logs as l on l.id = d.linked_workout_log_id"
        " where d.athlete_id = %s and d.id = %s",
        (True, True),
    ),
}


@pytest.mark.parametrize("variant", ["ours", "owner", "draft", "ours_explicit"])
@pytest.mark.parametrize("family", WRITE_FAMILIES)
def test_variants_write_the_same_outcome(bench_s: BenchSetup, family: str, variant: Variant):
    """Every variant creates the whole plan / completes and links the day (rolled back)."""
    athlete = bench_s.sample[0]
    query, expected = WRITE_OUTCOMES[family]
    conn = bench_s.connection(variant)
    with conn.transaction(force_rollback=True), conn.cursor(row_factory=tuple_row) as cur:
        start_request(cur, athlete, variant)
        for statement in statements_for(FAMILIES[family], athlete, variant):
            cur.execute(statement.query, statement.params)
        params = (
            (athlete.athlete_id,)
            if family == "plan_create"
            else (
                athlete.athlete_id,
                athlete.open_day_id,
            )
        )
        cur.execute(query, params)  # type: ignore[arg-type]  # constant text
        assert cur.fetchone() == expected


# --------------------------------------------------------------------------- plan shapes


@pytest.mark.parametrize("family", READ_FAMILIES)
def test_identity_is_evaluated_once_per_statement(bench_s: BenchSetup, family: str):
    """Our policies read the caller's identity in InitPlans run once, nowhere per row."""
    for plan in explain(bench_s, family, "ours"):
        init_plans = plans.init_plans(plan)
        assert init_plans, "no InitPlan: is the policy applied at all?"
        assert {node.loops for node in init_plans} == {1}
        assert plans.policy_calls_outside_init_plans(plan) == []


@pytest.mark.parametrize("family", WRITE_FAMILIES)
def test_write_checks_are_evaluated_once_per_statement(bench_s: BenchSetup, family: str):
    """With athlete_id in the body, a write's policy checks run once, nothing per row."""
    for plan in explain(bench_s, family, "ours_explicit"):
        assert plans.init_plans(plan)
        assert {node.loops for node in plans.init_plans(plan)} == {1}
        assert plans.policy_calls_outside_init_plans(plan) == []


@pytest.mark.parametrize("family", WRITE_FAMILIES)
def test_athlete_id_default_is_the_per_row_identity_call(bench_s: BenchSetup, family: str):
    """Left to its default, athlete_id calls current_athlete_id() once per inserted row.

    The measured price of that convenience is the benchmark's a/b versus a'/b
    on the write families; this pins down where it comes from.
    """
    calls = [
        call
        for plan in explain(bench_s, family, "ours")
        for call in plans.policy_calls_outside_init_plans(plan)
    ]
    assert calls
    assert all("current_athlete_id()" in call for call in calls)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_no_sub_plan_loops_per_row(bench_s: BenchSetup, family: str):
    """Our policies never become SubPlans: nothing re-runs once per scanned row."""
    variant: Variant = "ours_explicit" if FAMILIES[family].kind == "write" else "ours"
    for plan in explain(bench_s, family, variant):
        assert [node.node_type for node in plans.sub_plans(plan)] == []


@pytest.mark.parametrize("family", READ_FAMILIES)
def test_owner_scoped_reads_use_index_scans(bench_s: BenchSetup, family: str):
    """Every athlete table a read touches is reached through an index, never a Seq Scan."""
    for plan in explain(bench_s, family, "ours"):
        scans = plans.scans(plan, datasets.ATHLETE_TABLES)
        assert scans
        assert {scan.node_type for scan in scans} <= plans.INDEX_SCANS


# --------------------------------------------------------------------------- negative control


@pytest.mark.parametrize("family", READ_FAMILIES)
def test_draft_policies_fail_the_same_checks(bench_s: BenchSetup, family: str):
    """The draft's bare auth.uid() runs outside any InitPlan, inside SubPlans: the checks see it."""
    documents = explain(bench_s, family, "draft")
    assert any(plans.policy_calls_outside_init_plans(plan) for plan in documents)
    assert any(plans.sub_plans(plan) for plan in documents)


def test_deep_chain_draft_reads_scan_whole_tables(bench_s: BenchSetup):
    """On the deepest chain (today's session) the draft scans plans, weeks and days in full."""
    documents = explain(bench_s, "today", "draft")
    seq_scanned = {
        scan.relation
        for plan in documents
        for scan in plans.scans(plan, datasets.ATHLETE_TABLES)
        if scan.node_type == "Seq Scan"
    }
    assert {"training_plans", "training_plan_weeks"} <= seq_scanned


def test_a_cte_is_not_taken_for_an_init_plan():
    """EXPLAIN hangs a data-modifying CTE as "InitPlan"; the plan reader tells them apart."""
    plan: plans.Plan = {
        "Plan": {
            "Node Type": "Aggregate",
            "Plans": [
                {
                    "Node Type": "ModifyTable",
                    "Parent Relationship": "InitPlan",
                    "Subplan Name": "CTE pgrst_source",
                    "Plans": [
                        {
                            "Node Type": "Result",
                            "Parent Relationship": "InitPlan",
                            "Subplan Name": "InitPlan 1",
                            "Actual Loops": 1,
                            "Output": ["private.current_athlete_id()"],
                        },
                        {
                            "Node Type": "Function Scan",
                            "Parent Relationship": "Outer",
                            "Output": ["private.current_athlete_id()"],
                        },
                    ],
                }
            ],
        }
    }
    assert [node.node["Subplan Name"] for node in plans.init_plans(plan)] == ["InitPlan 1"]
    assert plans.policy_calls_outside_init_plans(plan) == [
        "Function Scan: private.current_athlete_id()"
    ]


# --------------------------------------------------------------------------- today's session

SCHEDULED_DATE_INDEX = "training_plan_days_athlete_id_scheduled_date_idx"


def _rows_removed(node: plans.PlanNode) -> int:
    return int(node.node.get("Rows Removed by Filter", 0)) + int(
        node.node.get("Rows Removed by Join Filter", 0)
    )


@pytest.mark.parametrize("variant", ["ours", "owner"])
def test_todays_session_is_found_through_the_scheduled_date_index(
    bench_s: BenchSetup, variant: Variant
):
    """The day comes from (athlete_id, scheduled_date): only the day's sessions are read.

    Weeks and plans are then probed by key (at most one plan's 16 weeks), so the
    request's work does not grow with the plan's length or the dataset.
    """
    (plan,) = explain(bench_s, "today", variant)
    scans = plans.scans(plan, datasets.ATHLETE_TABLES)
    days = [n for n in scans if n.relation == "training_plan_days"]
    assert [n.node.get("Index Name") for n in days] == [SCHEDULED_DATE_INDEX]
    sessions = days[0].node["Actual Rows"]
    assert 1 <= sessions <= 3
    assert _rows_removed(days[0]) == 0
    assert {n.node_type for n in scans} <= plans.INDEX_SCANS
    assert sum(n.node["Actual Rows"] * max(n.loops, 1) for n in scans) <= sessions + 16 + 1


@pytest.mark.parametrize("variant", ["ours", "owner"])
def test_the_derived_date_rule_reads_the_whole_plan(bench_s: BenchSetup, variant: Variant):
    """Control: with the date derived per row, every day of the plan is read and discarded."""
    athlete = bench_s.sample[0]
    statements = queries.today_with_derived_date(athlete, variant in queries.OWNER_BY_HAND)
    (plan,) = explain_request(bench_s.connection(variant), athlete, variant, statements)
    assert sum(_rows_removed(node) for node in plans.walk(plan)) >= 100
    derived = run_request(bench_s.connection(variant), athlete, variant, statements)
    today = statements_for(FAMILIES["today"], athlete, variant)
    assert derived == run_request(bench_s.connection(variant), athlete, variant, today)


@pytest.mark.parametrize("family", READ_FAMILIES)
def test_identity_init_plans_are_one_helper_call_each(bench_s: BenchSetup, family: str):
    """Each InitPlan is a single call of the definer helper: no profile policy nested in it."""
    for plan in explain(bench_s, family, "ours"):
        for node in plans.init_plans(plan):
            assert node.node_type == "Result"
            assert node.node.get("Plans", []) == []
            assert node.node["Output"] == ["private.current_athlete_id()"]
