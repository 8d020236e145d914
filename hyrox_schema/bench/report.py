"""Turn pytest-benchmark JSON from the RLS benchmark into a Markdown report with charts.

Usage::

    hyrox-bench-report RUN.json [MORE.json ...] -o reports/rls-benchmark.md

Several files merge (e.g. an S run and an L run; a later file wins for the
same scale, family and variant). Next to the report, SVG charts drawn with
matplotlib (the optional ``bench`` extra: ``pip install -e '.[bench]'``): one per
scale (``<stem>-<scale>.svg``: the variants of every family, server CPU and wall
clock, log scale), per-request cost against dataset size (``<stem>-scale.svg``)
and throughput against connections (``<stem>-throughput.svg``). Without
matplotlib the report is written without charts, and says so. Headline ratios
are the medians of per-round ratios from the interleaved measurement
(tests.benchmarks.measure); the targets are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from hyrox_schema.bench.families import FAMILIES, VARIANT_LABELS
from hyrox_schema.paths import REPO_ROOT

# Targets (reported, not asserted). Issue 12: every read family at S and L, CPU a/b <= 1.5
# and execution a/b <= 1.2; throughput under RLS >= 85% of the owner's at every N;
# per-request cost at XL within 1.2x of S. Issue 5: plan creation a/b <= 1.5, draft c/a >= 10.
READ_TARGETS = {"cpu": 1.5, "execution": 1.2}
THROUGHPUT_TARGET = 0.85
XL_GROWTH_TARGET = 1.2
PLAN_CREATE_TARGET = 1.5  # a/b, plan creation
DRAFT_SLOWDOWN_TARGET = 10.0  # c/a, deep-chain reads, at L
SCALE_ORDER = ("S", "L", "XL")
CHARTS_MISSING = "pip install -e '.[bench]' to draw them"

VARIANT_ORDER = ("ours", "ours_explicit", "owner", "uid", "uid_owner", "draft")
VARIANT_COLOURS = {
    "ours": "#2b6cb0",
    "ours_explicit": "#63b3ed",
    "owner": "#718096",
    "uid": "#38a169",
    "uid_owner": "#a0aec0",
    "draft": "#c53030",
}
SHORT = {
    "ours": "a",
    "ours_explicit": "a\u2032",
    "owner": "b",
    "uid": "a2",
    "uid_owner": "b2",
    "draft": "c",
}
# Ratio metrics, as named in extra_info["paired_ratios"], with what each measures.
METRICS = {
    "cpu": "server CPU: the backend's time on CPU for the whole request (PostgREST preamble, "
    "statements, commit or rollback), from /proc/<pid>/schedstat - the headline metric",
    "execution": "server, execution only (prepared statement, plan cached: PostgREST's default)",
    "server": "server, planning + execution (unprepared statement)",
    "wall": "wall clock as the client sees the request",
}


@dataclass(frozen=True)
class Result:
    """One benchmark of the JSON: a family in a variant at a scale."""

    scale: str
    family: str
    variant: str
    extra: dict[str, Any]
    stats: dict[str, Any]

    @property
    def server_ms(self) -> float:
        """Median server time (planning + execution) from the interleaved rounds."""
        return float(self.extra["paired"]["server"]["median_ms"])

    @property
    def cpu_ms(self) -> float | None:
        """Median backend CPU time per request (None when the server was not local)."""
        cpu = self.extra["paired"].get("cpu")
        return float(cpu["median_ms"]) if cpu else None

    @property
    def execution_ms(self) -> float:
        """Median execution time alone (a prepared request whose plan is cached)."""
        return float(self.extra["paired"]["server"]["execution_median_ms"])

    @property
    def wall_ms(self) -> float:
        """Median wall time from the interleaved rounds."""
        return float(self.extra["paired"]["wall"]["median_ms"])

    @property
    def bench_wall_ms(self) -> float:
        """pytest-benchmark's own median for this test (its isolated run)."""
        return float(self.stats["median"]) * 1000


def load(paths: Sequence[Path]) -> tuple[dict[tuple[str, str, str], Result], dict[str, Any]]:
    """Results keyed by (scale, family, variant), and the last file's machine/commit info.

    ``meta["throughput"]`` maps a scale to its throughput results (test_rls_throughput).
    """
    results: dict[tuple[str, str, str], Result] = {}
    meta: dict[str, Any] = {"throughput": {}}
    for path in paths:
        document = json.loads(path.read_text(encoding="utf-8"))
        meta.update({key: document.get(key) for key in ("machine_info", "commit_info", "datetime")})
        for bench in document["benchmarks"]:
            extra = bench.get("extra_info", {})
            if "throughput" in extra:
                meta["throughput"][extra["scale"]] = extra
                continue
            if "paired" not in extra:
                continue
            key = (extra["scale"], extra["family"], extra["variant"])
            results[key] = Result(*key, extra=extra, stats=bench["stats"])
    if not results:
        raise SystemExit("no RLS benchmark results in the given JSON (run with --benchmark-only)")
    return results, meta


def _scales(results: dict[tuple[str, str, str], Result]) -> list[str]:
    present = {scale for scale, _, _ in results}
    return [scale for scale in SCALE_ORDER if scale in present]


def _families(results: dict[tuple[str, str, str], Result], scale: str) -> list[str]:
    present = {family for s, family, _ in results if s == scale}
    return [family for family in FAMILIES if family in present]


def _ratio(
    results: dict[tuple[str, str, str], Result], scale: str, family: str, name: str, metric: str
) -> float | None:
    result = results.get((scale, family, "ours"))
    if result is None:
        return None
    value = result.extra.get("paired_ratios", {}).get(metric, {}).get(name)
    return float(value) if value is not None else None


def _fmt_ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("met" if ok else "**missed**")


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    """A target's outcome at one scale: the worst ratio and whether it passes."""

    name: str
    scale: str
    metric: str
    worst: float | None
    worst_family: str | None
    ok: bool | None


def _worst(
    results: dict[tuple[str, str, str], Result],
    scale: str,
    families: list[str],
    name: str,
    metric: str,
    *,
    highest: bool,
) -> tuple[str, float] | None:
    ratios = [(f, _ratio(results, scale, f, name, metric)) for f in families]
    present = [(f, r) for f, r in ratios if r is not None]
    if not present:
        return None
    pick = max if highest else min
    return pick(present, key=lambda item: item[1])


def targets(results: dict[tuple[str, str, str], Result]) -> list[Target]:
    """The issue's targets (and the a2 alternative against the first), per scale and metric."""
    found: list[Target] = []
    for scale in _scales(results):
        families = _families(results, scale)
        reads = [f for f in families if FAMILIES[f].kind == "read"]
        deep = [f for f in reads if FAMILIES[f].deep_chain]
        checks = [
            ("plan creation: a/b <= 1.5", ["plan_create"], "a/b", True, PLAN_CREATE_TARGET),
            (
                "plan creation, athlete_id sent: a'/b <= 1.5",
                ["plan_create"],
                "a'/b",
                True,
                PLAN_CREATE_TARGET,
            ),
        ]
        if scale == "L":
            checks.append(
                ("deep-chain reads: c/a >= 10", deep, "c/a", False, DRAFT_SLOWDOWN_TARGET)
            )
        for metric, limit in READ_TARGETS.items():
            if scale == "XL":
                continue
            worst = _worst(results, scale, reads, "a/b", metric, highest=True)
            if worst is not None:
                label = f"reads: a/b <= {limit}"
                found.append(Target(label, scale, metric, worst[1], worst[0], worst[1] <= limit))
        for metric in ("cpu", "execution"):
            for label, subset, name, highest, limit in checks:
                worst = _worst(results, scale, subset, name, metric, highest=highest)
                if worst is None:
                    continue
                family, value = worst
                ok = value <= limit if highest else value >= limit
                found.append(Target(label, scale, metric, value, family, ok))
    return found


def growth(
    results: dict[tuple[str, str, str], Result], family: str, variant: str, attr: str, scale: str
) -> float | None:
    """Median per-request cost at ``scale`` over the same at S (None when either is missing)."""
    base = _value(results, "S", family, variant, attr)
    top = _value(results, scale, family, variant, attr)
    return top / base if base and top else None


def growth_targets(results: dict[tuple[str, str, str], Result]) -> list[Target]:
    """Per-request cost at XL within 1.2x of S, per metric (ours; worst family)."""
    found: list[Target] = []
    if "XL" not in _scales(results):
        return found
    for metric, attr in (("cpu", "cpu_ms"), ("execution", "execution_ms")):
        ratios = [(f, growth(results, f, "ours", attr, "XL")) for f in _families(results, "XL")]
        present = [(f, r) for f, r in ratios if r is not None]
        if present:
            family, value = max(present, key=lambda item: item[1])
            label = f"XL/S per request, ours <= {XL_GROWTH_TARGET}"
            found.append(Target(label, "XL", metric, value, family, value <= XL_GROWTH_TARGET))
    return found


def throughput_targets(meta: dict[str, Any]) -> list[Target]:
    """Throughput ours/owner >= 0.85 at every N, per scale (worst N)."""
    found: list[Target] = []
    for scale in SCALE_ORDER:
        extra = meta["throughput"].get(scale)
        if not extra:
            continue
        per_n = extra["throughput"]["connections"]
        n, value = min(
            ((n, entry["ours/owner requests_per_s"]) for n, entry in per_n.items()),
            key=lambda item: item[1],
        )
        label = f"throughput: ours/owner >= {THROUGHPUT_TARGET}"
        found.append(
            Target(label, scale, "requests/s", value, f"N = {n}", value >= THROUGHPUT_TARGET)
        )
    return found


# --------------------------------------------------------------------------- chart


def pyplot() -> ModuleType | None:
    """matplotlib's pyplot on its SVG backend, or None when the ``bench`` extra is missing."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "rls-benchmark", "svg.fonttype": "none", "font.size": 8})
    return plt


def _save(plt: ModuleType, figure: Any, path: Path) -> None:  # noqa: ANN401 - matplotlib objects
    figure.tight_layout()
    figure.savefig(path, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(figure)


def chart_variants(
    plt: ModuleType, results: dict[tuple[str, str, str], Result], scale: str, path: Path
) -> None:
    """Grouped horizontal bars, log scale: server CPU (left) and wall clock (right) per family."""
    families = _families(results, scale)
    rows = [
        (family, variant)
        for family in families
        for variant in VARIANT_ORDER
        if (scale, family, variant) in results
    ]
    has_cpu = all(results[(scale, f, v)].cpu_ms is not None for f, v in rows)
    panels = (
        ("server CPU per request (ms)", "cpu_ms")
        if has_cpu
        else ("execution (ms)", "execution_ms"),
        ("wall clock per request (ms)", "wall_ms"),
    )
    figure, axes = plt.subplots(1, 2, figsize=(11, 0.22 * len(rows) + 1.6), sharey=True)
    positions: list[float] = []
    y = 0.0
    current = None
    for family, _ in rows:
        if family != current and current is not None:
            y += 0.8
        current = family
        positions.append(y)
        y += 1
    for axis, (title, attr) in zip(axes, panels, strict=True):
        values = [float(getattr(results[(scale, f, v)], attr)) for f, v in rows]
        colours = [VARIANT_COLOURS[v] for _, v in rows]
        axis.barh(positions, values, color=colours, height=0.85)
        axis.set_xscale("log")
        axis.set_title(title)
        axis.grid(axis="x", color="#e2e8f0")
        for position, value in zip(positions, values, strict=True):
            axis.text(value * 1.05, position, _fmt_ms(value), va="center", fontsize=6)
    axes[0].set_yticks(positions, [f"{FAMILIES[f].name} {SHORT[v]}" for f, v in rows])
    axes[0].invert_yaxis()
    handles = [plt.Rectangle((0, 0), 1, 1, color=VARIANT_COLOURS[v]) for v in VARIANT_ORDER]
    figure.legend(
        handles,
        [VARIANT_LABELS[v] for v in VARIANT_ORDER],  # type: ignore[index]  # known variants
        loc="upper center",
        ncol=3,
        fontsize=7,
        bbox_to_anchor=(0.5, 0.0),
    )
    figure.suptitle(f"RLS benchmark, scale {scale}: median per request (log scale)")
    _save(plt, figure, path)


def chart_scale(plt: ModuleType, results: dict[tuple[str, str, str], Result], path: Path) -> None:
    """Per-request cost against dataset size (athletes, log scale), ours and owner, per family."""
    scales = _scales(results)
    families = [f for f in FAMILIES if all((s, f, "ours") in results for s in scales)]
    columns = 3
    rows = -(-len(families) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(11, 2.6 * rows), squeeze=False)
    for axis, family in zip(axes.flat, families, strict=False):
        athletes = [results[(s, family, "ours")].extra["athletes"] for s in scales]
        for variant in ("ours", "owner"):
            for attr, style, label in (("cpu_ms", "-", "CPU"), ("execution_ms", "--", "execution")):
                values = [_value(results, s, family, variant, attr) for s in scales]
                if any(v is None for v in values):
                    continue
                axis.plot(
                    athletes,
                    values,
                    style,
                    marker="o",
                    color=VARIANT_COLOURS[variant],
                    label=f"{SHORT[variant]} {label}",
                )
        axis.set_xscale("log")
        axis.set_ylim(bottom=0)  # linear from zero: a flat line does not grow with the data
        axis.set_xticks(athletes, [f"{s}\n{a:,}" for s, a in zip(scales, athletes, strict=True)])
        axis.minorticks_off()
        axis.set_title(FAMILIES[family].title[:48], fontsize=8)
        axis.set_ylabel("ms per request")
        axis.grid(color="#e2e8f0")
    for axis in list(axes.flat)[len(families) :]:
        axis.set_visible(False)
    axes.flat[0].legend(fontsize=6)
    figure.suptitle(
        "Per-request cost against dataset size (athletes): a = our policies, b = owner (RLS off)"
    )
    _save(plt, figure, path)


def chart_throughput(plt: ModuleType, meta: dict[str, Any], path: Path) -> None:
    """Requests per second and p95 latency against connections, ours and owner, per scale."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    styles = {"S": "-", "L": "--", "XL": ":"}
    for scale in SCALE_ORDER:
        extra = meta["throughput"].get(scale)
        if not extra:
            continue
        per_n = extra["throughput"]["connections"]
        ns = [int(n) for n in per_n]
        for variant in ("ours", "owner"):
            for axis, key in ((left, "requests_per_s"), (right, "p95_ms")):
                axis.plot(
                    ns,
                    [per_n[str(n)][variant][key] for n in ns],
                    styles[scale],
                    marker="o",
                    color=VARIANT_COLOURS[variant],
                    label=f"{SHORT[variant]} @ {scale}",
                )
    for axis, title in ((left, "requests per second"), (right, "p95 latency (ms)")):
        axis.set_xscale("log", base=2)
        axis.set_xticks([1, 2, 4, 8], ["1", "2", "4", "8"])
        axis.minorticks_off()
        axis.set_xlabel("connections (one athlete each)")
        axis.set_title(title)
        axis.grid(color="#e2e8f0")
        axis.legend(fontsize=7)
    figure.suptitle(
        "Throughput of the app's request mix: a = our policies, b = owner, RLS bypassed"
    )
    _save(plt, figure, path)


# --------------------------------------------------------------------------- markdown


def _value(
    results: dict[tuple[str, str, str], Result], scale: str, family: str, variant: str, attr: str
) -> float | None:
    result = results.get((scale, family, variant))
    return getattr(result, attr) if result else None


def _times_table(results: dict[tuple[str, str, str], Result], scale: str, metric: str) -> list[str]:
    attr = {
        "cpu": "cpu_ms",
        "execution": "execution_ms",
        "server": "server_ms",
        "wall": "wall_ms",
    }[metric]
    lines = [
        "| family | a ours | b owner | c draft | a2 uid | b2 uid owner | a/b | c/a | a2/b2 "
        "| a/b best | c/a best | a2/b2 best |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for family in _families(results, scale):
        cells = [
            _fmt_ms(_value(results, scale, family, variant, attr))
            for variant in ("ours", "owner", "draft", "uid", "uid_owner")
        ]
        ratios = [
            _fmt_ratio(_ratio(results, scale, family, name + suffix, metric))
            for suffix in ("", " min")
            for name in ("a/b", "c/a", "a2/b2")
        ]
        lines.append(f"| {FAMILIES[family].title} | {' | '.join(cells + ratios)} |")
    return lines


def _writes_table(results: dict[tuple[str, str, str], Result], scale: str) -> list[str]:
    lines = [
        "| family | a ours | a' explicit | b owner | "
        + " | ".join(f"{metric} a/b | {metric} a'/b" for metric in METRICS)
        + " |",
        "|---|---:|---:|---:|" + "---:|" * (2 * len(METRICS)),
    ]
    explicit = "a" + chr(39) + "/b"
    for family in _families(results, scale):
        if FAMILIES[family].kind != "write":
            continue
        cells = [
            _fmt_ms(_value(results, scale, family, variant, "execution_ms"))
            for variant in ("ours", "ours_explicit", "owner")
        ]
        ratios = [
            _fmt_ratio(_ratio(results, scale, family, name, metric))
            for metric in METRICS
            for name in ("a/b", explicit)
        ]
        lines.append(f"| {FAMILIES[family].title} | {' | '.join(cells + ratios)} |")
    return lines


def _shapes_table(results: dict[tuple[str, str, str], Result], scale: str) -> list[str]:
    lines = [
        "| family | a: InitPlans / SubPlans / seq scans / per-row identity calls "
        "| c: SubPlans / seq scans |",
        "|---|---|---|",
    ]
    for family in _families(results, scale):
        ours = results.get((scale, family, "ours"))
        draft = results.get((scale, family, "draft"))
        a = ours.extra["paired"]["plan"] if ours else {}
        c = draft.extra["paired"]["plan"] if draft else {}
        lines.append(
            f"| {FAMILIES[family].title} "
            f"| {a.get('init_plans', '-')} / {a.get('sub_plans', '-')} "
            f"/ {', '.join(a.get('seq_scans', [])) or 'none'} "
            f"/ {a.get('per_row_policy_calls', '-')} "
            f"| {c.get('sub_plans', '-')} / {', '.join(c.get('seq_scans', [])) or 'none'} |"
        )
    return lines


def _load_range(results: dict[tuple[str, str, str], Result], scale: str) -> str:
    loads = [
        value
        for (s, _, _), result in results.items()
        if s == scale
        for value in result.extra["paired"].get("load_average", [])
    ]
    return f"{min(loads):.1f}-{max(loads):.1f}" if loads else "unknown"


def _chart(charts: dict[str, str], key: str, alt: str) -> str:
    if key in charts:
        return f"![{alt}]({charts[key]})"
    return f"(chart not drawn: matplotlib is not installed; {CHARTS_MISSING})"


def _growth_section(
    results: dict[tuple[str, str, str], Result], charts: dict[str, str]
) -> list[str]:
    scales = _scales(results)
    if len(scales) < 2 or scales[0] != "S":
        return []
    others = scales[1:]
    header = " | ".join(
        f"{variant} {metric} {scale}/S"
        for scale in others
        for variant in ("a", "b")
        for metric in ("cpu", "exec")
    )
    lines = [
        "",
        "## Cost against dataset size",
        "",
        "Median per-request cost at each scale over the same at S (1.00 = does not grow "
        f"with the data; target at XL: <= {XL_GROWTH_TARGET}):",
        "",
        f"| family | {header} |",
        "|---|" + "---:|" * (4 * len(others)),
    ]
    for family in _families(results, "S"):
        cells = [
            _fmt_ratio(growth(results, family, variant, attr, scale))
            for scale in others
            for variant in ("ours", "owner")
            for attr in ("cpu_ms", "execution_ms")
        ]
        lines.append(f"| {FAMILIES[family].title} | {' | '.join(cells)} |")
    lines += [
        "",
        "What RLS adds, per scale (a/b, medians of per-round ratios): constant in the data "
        "when the ratio does not grow from S to the larger scales:",
        "",
        "| family | " + " | ".join(f"cpu a/b {s} | exec a/b {s}" for s in scales) + " |",
        "|---|" + "---:|" * (2 * len(scales)),
    ]
    for family in _families(results, "S"):
        cells = [
            _fmt_ratio(_ratio(results, scale, family, "a/b", metric))
            for scale in scales
            for metric in ("cpu", "execution")
        ]
        lines.append(f"| {FAMILIES[family].title} | {' | '.join(cells)} |")
    lines += ["", _chart(charts, "scale", "per-request cost against dataset size")]
    return lines


def _throughput_section(meta: dict[str, Any], charts: dict[str, str]) -> list[str]:
    if not meta["throughput"]:
        return []
    first = next(iter(meta["throughput"].values()))["throughput"]
    mix = ", ".join(f"{FAMILIES[f].name} {w}" for f, w in first["mix"].items())
    lines = [
        "",
        "## Throughput under concurrency",
        "",
        "pgbench (`-M prepared`), N connections, each a different athlete through the "
        "PostgREST preamble (role `authenticated` and the athlete's claims, transaction-local), "
        f"sending the app's request mix (weights: {mix}; writes roll back). Runs of a and b "
        f"alternate N by N; {first['repeats']} runs of {first['seconds_per_run']} s per "
        "variant and N, merged. Latency percentiles over every request of those runs.",
        "",
        "| scale | N | a req/s | b req/s | a/b req/s | a p50 | b p50 | a p95 | b p95 "
        "| a p99 | b p99 | failed | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scale in SCALE_ORDER:
        extra = meta["throughput"].get(scale)
        if not extra:
            continue
        for n, entry in extra["throughput"]["connections"].items():
            a, b = entry["ours"], entry["owner"]
            lines.append(
                f"| {scale} | {n} | {a['requests_per_s']:,.0f} | {b['requests_per_s']:,.0f} "
                f"| {entry['ours/owner requests_per_s']:.2f} | {a['p50_ms']:.2f} "
                f"| {b['p50_ms']:.2f} | {a['p95_ms']:.2f} | {b['p95_ms']:.2f} "
                f"| {a['p99_ms']:.2f} | {b['p99_ms']:.2f} | {a['failed'] + b['failed']} "
                f"| {max(a['load_average'], b['load_average']):.1f} |"
            )
    lines += ["", _chart(charts, "throughput", "throughput against connections")]
    return lines


def markdown(
    results: dict[tuple[str, str, str], Result], meta: dict[str, Any], charts: dict[str, str]
) -> str:
    """The whole report."""
    any_result = next(iter(results.values()))
    machine = meta.get("machine_info") or {}
    cpu = (machine.get("cpu") or {}).get("brand_raw", "unknown CPU")
    cores = (machine.get("cpu") or {}).get("count", "?")
    commit = meta.get("commit_info") or {}
    lines = [
        "# RLS benchmark: our policies vs. the physical limit vs. the draft",
        "",
        "Generated by `hyrox-bench-report` from pytest-benchmark JSON "
        "(`pytest tests/benchmarks --benchmark-only`); see tests/benchmarks/README.md.",
        "",
        f"- run: {meta.get('datetime', '?')}, PostgreSQL {any_result.extra['pg_version']}, "
        f"{cpu} ({cores} cores), Python {machine.get('python_version', '?')}"
        + (f", commit {commit.get('id', '')[:12]}" if commit.get("id") else ""),
        "- variants: **a** = our policies as `authenticated` (PostgREST preamble, JWT claims); "
        "**b** = the same statements with `athlete_id = <athlete>` written by hand, as the "
        "table owner (RLS bypassed): the physical limit; **c** = the same statements on a "
        "copy of the database whose policies are the brief's draft (nested "
        "`... in (select ... where user_id = auth.uid())`, bare `auth.uid()`); **a'** "
        "(writes only) = a with `athlete_id` in the request body; **a2** = a design "
        "alternative, profile id = auth user id, policies `athlete_id = (select auth.uid())` "
        "and default `auth.uid()`, on a copy of the same data generated with those ids, and "
        "**b2** its own physical limit (the owner's statements on that copy). Variants on one "
        "database share one connection, as PostgREST's pool serves every role.",
        "- times: medians over interleaved rounds (every variant of a family measured in "
        "the same round, for the same athlete, order rotating). Server times come from "
        "`EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON)`: *execution* alone is what a request "
        "costs once its prepared statement has a cached plan (PostgREST prepares its "
        "statements), *total* adds planning; *wall* is the whole request as the client sees "
        "it (transaction, PostgREST preamble, body fetched as text). Reads commit, so "
        "psycopg's prepared statements (prepared after 5 uses) keep their cached plans, as "
        "PostgREST's do; writes are rolled back after each round, and since psycopg drops "
        "its prepared statements at every rollback, a write's *cpu* and *wall* include "
        "planning. Ratios are medians of per-round ratios.",
        "",
    ]
    for scale in _scales(results):
        sample = results[next(k for k in results if k[0] == scale)]
        extra = sample.extra
        rows = extra.get("rows", {})
        build = extra.get("dataset_build_seconds")
        lines.append(
            f"- scale {scale}: {extra['athletes']:,} athletes, {extra['plan_days']:,} plan days, "
            f"{sum(rows.values()):,} rows in athlete tables"
            + (
                f"; built in {build:.1f} s (load + VACUUM ANALYZE + invariant checks)"
                if build
                else ""
            )
            + f"; {extra['paired']['rounds']} interleaved rounds per family, pytest-benchmark "
            f"{sample.stats.get('rounds', '?')} rounds per test; 1-minute load average during "
            f"the interleaved rounds {_load_range(results, scale)} (a shared 2-core machine)"
        )
    lines += [
        "",
        "## Targets",
        "",
        "| target | scale | metric | worst | family | verdict |",
        "|---|---|---|---:|---|---|",
    ]
    for target in [*targets(results), *growth_targets(results), *throughput_targets(meta)]:
        lines.append(
            f"| {target.name} | {target.scale} | {target.metric} | {_fmt_ratio(target.worst)} "
            f"| {target.worst_family or '-'} | {_verdict(target.ok)} |"
        )
    for scale in _scales(results):
        lines += ["", f"## Scale {scale}", ""]
        for metric, title in METRICS.items():
            lines += [
                f"Median milliseconds per request, {title}. Ratios: medians of per-round "
                "ratios; *best*: ratio of the variants' fastest rounds:",
                "",
                *_times_table(results, scale, metric),
                "",
            ]
        lines += [
            "Writes with the client passing `athlete_id` in the body (a'); times are "
            "execution only, then the median paired ratios for each metric (server = planning "
            "+ execution):",
            "",
            *_writes_table(results, scale),
            "",
            "Plan shapes (first measured round, from EXPLAIN JSON):",
            "",
            *_shapes_table(results, scale),
            "",
            _chart(charts, scale, f"variants per family at scale {scale}"),
        ]
    lines += _growth_section(results, charts)
    lines += _throughput_section(meta, charts)
    lines += [
        "",
        "## Requests",
        "",
        "| family | as PostgREST receives it |",
        "|---|---|",
        *[f"| {family.title} | `{family.request}` |" for family in FAMILIES.values()],
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="hyrox-bench-report", description=__doc__.splitlines()[0])
    parser.add_argument("json", nargs="+", type=Path, help="pytest-benchmark JSON file(s)")
    parser.add_argument(
        "-o", "--output", type=Path, default=REPO_ROOT / "reports" / "rls-benchmark.md"
    )
    args = parser.parse_args(argv)
    results, meta = load(args.json)
    output: Path = args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    charts: dict[str, str] = {}
    plt = pyplot()
    if plt is None:
        print(f"matplotlib is not installed ({CHARTS_MISSING}): charts skipped")
    else:
        for scale in _scales(results):
            chart = output.with_name(f"{output.stem}-{scale}.svg")
            chart_variants(plt, results, scale, chart)
            charts[scale] = chart.name
        if len(_scales(results)) > 1:
            chart = output.with_name(f"{output.stem}-scale.svg")
            chart_scale(plt, results, chart)
            charts["scale"] = chart.name
        if meta["throughput"]:
            chart = output.with_name(f"{output.stem}-throughput.svg")
            chart_throughput(plt, meta, chart)
            charts["throughput"] = chart.name
    output.write_text(markdown(results, meta, charts), encoding="utf-8")
    print(f"wrote {output}" + (f" and {', '.join(charts.values())}" if charts else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
