"""Paired timing of a request family: all variants interleaved, wall clock and server side.

pytest-benchmark times each variant in its own test, one after the other; on a
shared 2-core machine the load can change between two tests. For the ratios,
every variant of a family is also measured in one loop, round by round (the
same athlete for every variant in a round, the variant order rotating), so a
change in load hits every variant alike. Each round times the request's wall
clock (as the client sees it) and, on a local server, the CPU time its
backend spent on it (``/proc/<pid>/schedstat``: immune to waiting for a busy
core, which wall times are not on a shared machine); then its server-side
time from EXPLAIN ANALYZE: execution alone (what a prepared statement costs
once PostgREST has its plan cached) and planning + execution (an unprepared
request). The ratios are taken per round (paired) and their median reported.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import psycopg

from tests.benchmarks import plans
from tests.benchmarks.datasets import ATHLETE_TABLES, Athlete
from tests.benchmarks.queries import (
    Family,
    Variant,
    explain_request,
    run_request,
    statements_for,
)

# pytest-benchmark rounds and warm-up per test; interleaved rounds per family.
ROUNDS = 50
WARMUP_ROUNDS = 5
PAIRED_ROUNDS = 60

# The ratios the report headlines: (numerator, denominator).
RATIOS: dict[str, tuple[Variant, Variant]] = {
    "a/b": ("ours", "owner"),
    "c/a": ("draft", "ours"),
    "a'/b": ("ours_explicit", "owner"),
    "a2/b2": ("uid", "uid_owner"),
    "a3/b": ("inline", "owner"),
    "a3/b3": ("inline", "inline_owner"),
    "a3/a": ("inline", "ours"),
}


def _ms(value: float) -> float:
    return round(value * 1000, 4)


def summary(samples: Sequence[float]) -> dict[str, float]:
    """Median, quartiles and min of ``samples`` (seconds), in milliseconds."""
    ordered = sorted(samples)
    quartiles = statistics.quantiles(ordered, n=4) if len(ordered) > 1 else ordered * 3
    return {
        "median_ms": _ms(statistics.median(ordered)),
        "q1_ms": _ms(quartiles[0]),
        "q3_ms": _ms(quartiles[2]),
        "min_ms": _ms(ordered[0]),
    }


def backend_cpu_reader(conn: psycopg.Connection[Any]) -> Callable[[], int] | None:
    """A reader of the backend's on-CPU nanoseconds, or None when the server is not local."""
    path = Path(f"/proc/{conn.info.backend_pid}/schedstat")
    try:
        path.read_text()
    except OSError:
        return None

    def read() -> int:
        return int(path.read_text().split()[0])

    return read


def paired_times(
    connection: Callable[[Variant], psycopg.Connection[Any]],
    family: Family,
    variants: Sequence[Variant],
    athletes: Callable[[Variant], Sequence[Athlete]],
    *,
    rounds: int = PAIRED_ROUNDS,
    warmup_rounds: int = WARMUP_ROUNDS,
) -> dict[str, Any]:
    """Wall and server time of the family per variant, interleaved round by round.

    Returns ``{"variants": {variant: {"wall": summary, "cpu": summary or None,
    "server": summary + planning/execution medians, "plan": shape}}, "ratios":
    {"cpu": {"a/b": median of per-round ratios, ...}, "wall": {...}, "server":
    {...}, "execution": {...}}}`` ("cpu" only on a local server).
    """
    wall: dict[Variant, list[float]] = {variant: [] for variant in variants}
    cpu: dict[Variant, list[float]] = {variant: [] for variant in variants}
    cpu_readers = {variant: backend_cpu_reader(connection(variant)) for variant in variants}
    server: dict[Variant, list[float]] = {variant: [] for variant in variants}
    planning: dict[Variant, list[float]] = {variant: [] for variant in variants}
    execution: dict[Variant, list[float]] = {variant: [] for variant in variants}
    shapes: dict[Variant, dict[str, Any]] = {}
    load_before = os.getloadavg()[0]
    # reads commit, so the backend keeps psycopg's prepared statements (cached plans)
    rollback = family.kind == "write"
    for index in range(warmup_rounds + rounds):
        shift = index % len(variants)
        for variant in [*variants[shift:], *variants[:shift]]:
            sample = athletes(variant)
            athlete = sample[index % len(sample)]
            conn = connection(variant)
            statements = statements_for(family, athlete, variant)
            reader = cpu_readers[variant]
            cpu_before = reader() if reader else 0
            started = time.perf_counter()
            run_request(conn, athlete, variant, statements, rollback=rollback)
            elapsed = time.perf_counter() - started
            cpu_spent = (reader() - cpu_before) / 1e9 if reader else None
            documents = explain_request(conn, athlete, variant, statements, rollback=rollback)
            if index < warmup_rounds:
                continue
            plan_s = sum(plans.seconds(document)[0] for document in documents)
            exec_s = sum(plans.seconds(document)[1] for document in documents)
            wall[variant].append(elapsed)
            if cpu_spent is not None:
                cpu[variant].append(cpu_spent)
            planning[variant].append(plan_s)
            execution[variant].append(exec_s)
            server[variant].append(plan_s + exec_s)
            shapes.setdefault(variant, plans.facts(documents, ATHLETE_TABLES))
    by_variant = {
        variant: {
            "wall": summary(wall[variant]),
            "cpu": summary(cpu[variant]) if cpu[variant] else None,
            "server": {
                **summary(server[variant]),
                "planning_median_ms": _ms(statistics.median(planning[variant])),
                "execution_median_ms": _ms(statistics.median(execution[variant])),
            },
            "rounds": rounds,
            "plan": shapes[variant],
            # 1-minute load average before and after: the machine is shared
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        }
        for variant in variants
    }
    return {
        "variants": by_variant,
        "ratios": {
            **({"cpu": _paired_ratios(cpu)} if all(cpu.values()) else {}),
            "wall": _paired_ratios(wall),
            "server": _paired_ratios(server),
            "execution": _paired_ratios(execution),
        },
    }


def _paired_ratios(samples: dict[Variant, list[float]]) -> dict[str, float]:
    """Median of the per-round ratios named in :data:`RATIOS` (where both variants ran).

    Each ratio also comes as ``"<name> min"``: the ratio of the two variants'
    best rounds, the least disturbed by a busy machine.
    """
    ratios: dict[str, float] = {}
    for name, (num, den) in RATIOS.items():
        if num not in samples or den not in samples:
            continue
        pairs = zip(samples[num], samples[den], strict=True)
        ratios[name] = round(statistics.median(top / bottom for top, bottom in pairs), 3)
        ratios[f"{name} min"] = round(min(samples[num]) / min(samples[den]), 3)
    return ratios
