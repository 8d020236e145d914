"""Throughput under concurrency (tests.benchmarks.throughput): N athletes at once, ours vs owner.

The benchmark (``--benchmark-only``) runs pgbench at N = 1, 2, 4, 8 connections per
scale (not at the lean XL scale) and stores requests per second and p50/p95/p99 per
variant and N in ``extra_info["throughput"]``; nothing is asserted on the numbers.
The default suite checks that the scripts are the app's requests and run cleanly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from tests.benchmarks import throughput
from tests.benchmarks.databases import BenchDatabases, BenchSetup


def conninfo(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """What pgbench needs to reach the connection's database."""
    info = conn.info
    return {
        "host": info.host,
        "port": info.port,
        "user": info.user,
        "password": info.password,
        "dbname": info.dbname,
    }


def _station(conn: psycopg.Connection[Any]) -> str:
    row = conn.execute("select id from public.hyrox_stations where station_number = 2").fetchone()
    conn.rollback()
    assert row is not None
    return str(row[0])


def test_mix_scripts_run_every_request_without_failure(bench_s: BenchSetup):
    """Each script of the mix runs as a clean transaction, as ours and as the owner."""
    try:
        throughput.pgbench_path()
    except FileNotFoundError as missing:
        pytest.skip(str(missing))
    conn = bench_s.connection("ours")
    variables = {
        "claims": throughput.claims_template(),
        "station": _station(conn),
        "step": str(bench_s.athletes // 2),
    }
    for variant in throughput.VARIANTS:
        for family in throughput.MIX:
            scripts = {family: throughput.script(family, variant, conn)}
            latencies, failed, _ = throughput.run_pgbench(
                conninfo(conn),
                scripts,
                connections=2,
                seconds=0,
                variables=variables,
                transactions=2,
            )
            assert (len(latencies), failed) == (4, 0), (variant, family)


def test_scripts_send_the_benchmark_statements_as_each_athlete(bench_s: BenchSetup):
    """Ours switches to authenticated with the athlete's claims; the owner filters by hand."""
    conn = bench_s.connection("ours")
    ours = throughput.script("today", "ours", conn)
    owner = throughput.script("today", "owner", conn)
    assert "set_config('role', 'authenticated', true)" in ours
    assert "set_config('role'" not in owner
    assert """"d".athlete_id = md5('athlete:'""" in owner
    assert "athlete_id = md5(" not in ours
    assert ":client_id" in ours
    assert "request.jwt.claims" in ours


def test_read_log_counts_latencies_and_failures(tmp_path: Path):
    """pgbench's log: the third field is the latency in us, or 'failed'."""
    (tmp_path / "tx.1").write_text(
        "0 0 1200 0 1767225600 1\n0 1 failed 1 1767225600 2\n1 0 800 2 1767225600 3\n"
    )
    assert throughput.read_log(tmp_path) == ([1200, 800], 1)


def test_rls_throughput(
    benchmark: BenchmarkFixture,
    throughput_scale: str,
    bench_databases: BenchDatabases,
    request: Any,  # noqa: ANN401 - pytest.FixtureRequest
):
    """Requests per second and latency percentiles at N connections, ours vs the owner."""
    setup = bench_databases.get(throughput_scale, request)
    conn = setup.connection("ours")
    conn.rollback()
    benchmark.group = f"throughput @ {throughput_scale}"
    benchmark.extra_info.update(
        {
            "scale": throughput_scale,
            "athletes": setup.athletes,
            "plan_days": setup.rows["training_plan_days"],
            "pg_version": setup.pg_version,
            "kind": "throughput",
        }
    )
    results = benchmark.pedantic(
        throughput.measure,
        args=(conninfo(conn), conn, setup.athletes),
        rounds=1,
        iterations=1,
        warmup_rounds=0,
    )
    conn.rollback()
    benchmark.extra_info["throughput"] = results
