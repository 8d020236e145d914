"""Turn pytest-benchmark JSON from the RLS benchmark into a Markdown report with SVG charts.

Usage::

    python -m tests.benchmarks.report RUN.json [MORE.json ...] -o reports/rls-benchmark.md

Several files merge (e.g. an S run and an L run; a later file wins for the
same scale, family and variant). Next to the report, one SVG chart per scale
(``<stem>-<scale>.svg``) shows the variants of every family, server side and
wall clock, on a log scale. Headline ratios are the medians of per-round
ratios from the interleaved measurement (tests.benchmarks.measure); the
targets are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from tests.benchmarks.queries import FAMILIES, VARIANT_LABELS

# Targets of issue 5 (reported, not asserted).
READ_OVERHEAD_TARGET = 1.2  # a/b, every read family, S and L
PLAN_CREATE_TARGET = 1.5  # a/b, plan creation
DRAFT_SLOWDOWN_TARGET = 10.0  # c/a, deep-chain reads, at L

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
    """Results keyed by (scale, family, variant), and the last file's machine/commit info."""
    results: dict[tuple[str, str, str], Result] = {}
    meta: dict[str, Any] = {}
    for path in paths:
        document = json.loads(path.read_text(encoding="utf-8"))
        meta = {key: document.get(key) for key in ("machine_info", "commit_info", "datetime")}
        for bench in document["benchmarks"]:
            extra = bench.get("extra_info", {})
            if "paired" not in extra:
                continue
            key = (extra["scale"], extra["family"], extra["variant"])
            results[key] = Result(*key, extra=extra, stats=bench["stats"])
    if not results:
        raise SystemExit("no RLS benchmark results in the given JSON (run with --benchmark-only)")
    return results, meta


def _scales(results: dict[tuple[str, str, str], Result]) -> list[str]:
    present = {scale for scale, _, _ in results}
    return [scale for scale in ("S", "L") if scale in present]


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
            ("reads: a/b <= 1.2", reads, "a/b", True, READ_OVERHEAD_TARGET),
            ("alternative a2, reads: a2/b2 <= 1.2", reads, "a2/b2", True, READ_OVERHEAD_TARGET),
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
        for metric in METRICS:
            for label, subset, name, highest, limit in checks:
                worst = _worst(results, scale, subset, name, metric, highest=highest)
                if worst is None:
                    continue
                family, value = worst
                ok = value <= limit if highest else value >= limit
                found.append(Target(label, scale, metric, value, family, ok))
    return found


# --------------------------------------------------------------------------- chart


def chart_svg(results: dict[tuple[str, str, str], Result], scale: str) -> str:
    """Grouped horizontal bars, log scale: server CPU (left panel) and wall (right) per family."""
    families = _families(results, scale)
    rows: list[tuple[str, str]] = [
        (family, variant)
        for family in families
        for variant in VARIANT_ORDER
        if (scale, family, variant) in results
    ]
    bar, gap, label_w, panel_w, top = 12, 10, 250, 330, 60
    legend_rows = math.ceil(len(VARIANT_ORDER) / 2)
    body_bottom = top + len(rows) * bar + len(families) * gap
    height = body_bottom + 40 + legend_rows * 16
    width = label_w + 2 * panel_w + 60
    has_cpu = all(results[(scale, f, v)].cpu_ms is not None for f, v in rows)
    panels = (
        ("server CPU per request", "cpu_ms")
        if has_cpu
        else ("server side, execution", "execution_ms"),
        ("wall clock (client)", "wall_ms"),
    )
    values = [
        float(getattr(results[(scale, f, v)], metric)) for f, v in rows for _, metric in panels
    ]
    low = 10 ** math.floor(math.log10(max(min(values), 1e-3)))
    high = 10 ** math.ceil(math.log10(max(values)))
    span = math.log10(high) - math.log10(low)

    def x(value: float) -> float:
        return (math.log10(max(value, low)) - math.log10(low)) / span * (panel_w - 20)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="18" font-size="14" font-weight="bold">RLS benchmark, scale {scale}: '
        "median per request (ms, log scale)</text>",
    ]
    for index, (title, metric) in enumerate(panels):
        left = label_w + index * (panel_w + 30)
        out.append(f'<text x="{left}" y="40" font-weight="bold">{escape(title)}</text>')
        decade = low
        while decade <= high * 1.0001:
            gx = left + x(decade)
            out.append(
                f'<line x1="{gx:.1f}" y1="{top - 8}" x2="{gx:.1f}" y2="{body_bottom}" '
                'stroke="#e2e8f0"/>'
            )
            out.append(
                f'<text x="{gx:.1f}" y="{body_bottom + 14}" text-anchor="middle">{decade:g}</text>'
            )
            decade *= 10
        y = top
        current = None
        for family, variant in rows:
            if family != current:
                if current is not None:
                    y += gap
                current = family
                if index == 0:
                    out.append(
                        f'<text x="10" y="{y + bar - 2}" font-weight="bold">{escape(family)}</text>'
                    )
            value = getattr(results[(scale, family, variant)], metric)
            if index == 0:
                out.append(
                    f'<text x="{label_w - 6}" y="{y + bar - 2}" text-anchor="end">'
                    f"{escape(SHORT[variant])}</text>"
                )
            out.append(
                f'<rect x="{left}" y="{y + 1}" width="{max(x(value), 1):.1f}" '
                f'height="{bar - 2}" fill="{VARIANT_COLOURS[variant]}"/>'
            )
            out.append(
                f'<text x="{left + max(x(value), 1) + 3:.1f}" y="{y + bar - 2}">'
                f"{_fmt_ms(value)}</text>"
            )
            y += bar
    for index, variant in enumerate(VARIANT_ORDER):
        lx = 10 + (index % 2) * (width // 2)
        ly = body_bottom + 40 + (index // 2) * 16
        out.append(
            f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" '
            f'fill="{VARIANT_COLOURS[variant]}"/>'
        )
        label = escape(VARIANT_LABELS[variant])  # type: ignore[index]  # known variants
        out.append(f'<text x="{lx + 14}" y="{ly}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


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
        "Generated by `python -m tests.benchmarks.report` from pytest-benchmark JSON "
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
    for target in targets(results):
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
            f"![variants per family at scale {scale}]({charts[scale]})",
        ]
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", nargs="+", type=Path, help="pytest-benchmark JSON file(s)")
    parser.add_argument("-o", "--output", type=Path, default=Path("reports/rls-benchmark.md"))
    args = parser.parse_args(argv)
    results, meta = load(args.json)
    output: Path = args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    charts: dict[str, str] = {}
    for scale in _scales(results):
        chart = output.with_name(f"{output.stem}-{scale}.svg")
        chart.write_text(chart_svg(results, scale), encoding="utf-8")
        charts[scale] = chart.name
    output.write_text(markdown(results, meta, charts), encoding="utf-8")
    print(f"wrote {output} and {', '.join(charts.values())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
