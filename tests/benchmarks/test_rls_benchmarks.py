"""RLS benchmark: every request family x variant (a, b, c and the alternatives) x scale.

Skipped by default (``--benchmark-skip`` in addopts); run with::

    pytest tests/benchmarks --benchmark-only [--bench-scale S,L] --benchmark-json=run.json

Each test times the request's wall clock with pytest-benchmark (explicit
rounds and warm-up, one athlete per round, rotating through a sample spread
over the dataset). For robust ratios, every family is also timed once with
its variants interleaved round by round, wall clock and server side
(EXPLAIN ANALYZE planning + execution; see tests.benchmarks.measure).
Everything lands in the JSON: ``extra_info`` carries scale, PG version,
variant, the paired times and ratios, and the plan's shape. ``python -m
hyrox_schema.bench.report`` turns the JSON into reports/rls-benchmark.md.
Nothing here asserts a timing: targets are reported, not tested.
"""

from __future__ import annotations

import itertools
from typing import Any

from pytest_benchmark.fixture import BenchmarkFixture

from hyrox_schema.bench.families import VARIANT_LABELS
from tests.benchmarks.databases import BenchCase, BenchSetup
from tests.benchmarks.datasets import Athlete
from tests.benchmarks.measure import ROUNDS, WARMUP_ROUNDS
from tests.benchmarks.queries import (
    FAMILIES,
    Statement,
    run_request,
    statements_for,
)


def test_rls_request(benchmark: BenchmarkFixture, bench_case: BenchCase, bench_setup: BenchSetup):
    """Time one request family in one variant at one scale (then the family, interleaved)."""
    family = FAMILIES[bench_case.family]
    variant = bench_case.variant
    conn = bench_setup.connection(variant)
    athletes = itertools.cycle(bench_setup.sample_for(variant))

    def next_request() -> tuple[tuple[Athlete, list[Statement]], dict[str, Any]]:
        athlete = next(athletes)
        return (athlete, statements_for(family, athlete, variant)), {}

    def send(athlete: Athlete, statements: list[Statement]) -> list[Any]:
        return run_request(conn, athlete, variant, statements, rollback=family.kind == "write")

    benchmark.group = f"{family.name} @ {bench_case.scale}"
    benchmark.extra_info.update(
        {
            "scale": bench_case.scale,
            "athletes": bench_setup.athletes,
            "plan_days": bench_setup.rows["training_plan_days"],
            "rows": bench_setup.rows,
            "dataset_build_seconds": bench_setup.build_seconds,
            "pg_version": bench_setup.pg_version,
            "family": family.name,
            "family_title": family.title,
            "request": family.request,
            "kind": family.kind,
            "deep_chain": family.deep_chain,
            "variant": variant,
            "variant_label": VARIANT_LABELS[variant],
            "statements": len(statements_for(family, bench_setup.sample[0], variant)),
        }
    )
    benchmark.pedantic(
        send, setup=next_request, rounds=ROUNDS, warmup_rounds=WARMUP_ROUNDS, iterations=1
    )
    paired = bench_setup.paired_times(family)
    benchmark.extra_info["paired"] = paired["variants"][variant]
    benchmark.extra_info["paired_ratios"] = paired["ratios"]
