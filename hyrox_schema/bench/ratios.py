"""Did the RLS overhead grow? Compare the paired a/b ratios of two RLS benchmark runs.

Usage: ``hyrox-bench-ratios BASELINE.json CURRENT.json
[--max-increase 25] [-o compare.md]``

For every scale and request family, tests/benchmarks records ``a/b``: the server time
(planning + execution) of the request under our policies (a) over the same statements with
the owner's hand-written filter (b), as the median of per-round ratios measured interleaved,
in the same rounds. Machine speed and load cancel out of that ratio (between two runs on
one busy machine it moved by 8% at most, where absolute medians moved by up to 189%), so it
is what this check compares: a ratio more than ``--max-increase`` percent above the
baseline's fails (exit 1). Writes a Markdown table to ``-o`` and stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

METRIC = "server"
RATIO = "a/b"
VARIANT = "ours"

Key = tuple[str, str]  # (scale, family)


def ratios(path: Path) -> dict[Key, float]:
    """``a/b`` (server side) of each (scale, family) in a pytest-benchmark JSON."""
    document = json.loads(path.read_text(encoding="utf-8"))
    found: dict[Key, float] = {}
    for bench in document.get("benchmarks", []):
        extra = bench.get("extra_info", {})
        if extra.get("variant") != VARIANT:
            continue
        value = extra.get("paired_ratios", {}).get(METRIC, {}).get(RATIO)
        if value is not None:
            found[(str(extra["scale"]), str(extra["family"]))] = float(value)
    return found


def compare(
    baseline: dict[Key, float], current: dict[Key, float], max_increase: float
) -> tuple[list[str], list[Key]]:
    """Markdown lines of the comparison, and the (scale, family) keys that regressed."""
    lines = [
        f"### RLS overhead vs the baseline ({METRIC} {RATIO}, fail above +{max_increase:g}%)",
        "",
        f"| scale | family | baseline {RATIO} | now {RATIO} | change | verdict |",
        "|---|---|---:|---:|---:|---|",
    ]
    regressed: list[Key] = []
    for key in sorted(current):
        scale, family = key
        if key not in baseline:
            lines.append(f"| {scale} | {family} | n/a | {current[key]:.2f} | n/a | new |")
            continue
        change = (current[key] / baseline[key] - 1) * 100
        bad = change > max_increase
        if bad:
            regressed.append(key)
        verdict = "**regressed**" if bad else "ok"
        lines.append(
            f"| {scale} | {family} | {baseline[key]:.2f} | {current[key]:.2f} "
            f"| {change:+.0f}% | {verdict} |"
        )
    return lines, regressed


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point: 0 when no ratio grew past the threshold, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="hyrox-bench-ratios", description=__doc__.splitlines()[0])
    parser.add_argument("baseline", type=Path, help="pytest-benchmark JSON of the last main run")
    parser.add_argument("current", type=Path, help="pytest-benchmark JSON of this run")
    parser.add_argument("--max-increase", type=float, default=25.0, help="percent (default 25)")
    parser.add_argument("-o", "--output", type=Path, help="also write the Markdown table here")
    args = parser.parse_args(argv)

    current = ratios(args.current)
    if not current:
        print(f"no {METRIC} {RATIO} ratios in {args.current}: did the JSON layout change?")
        return 1
    baseline = ratios(args.baseline)
    if not baseline:
        # An older layout: nothing to compare with until main records a new baseline.
        lines, regressed = [f"no {METRIC} {RATIO} ratios in the baseline: nothing compared"], []
    else:
        lines, regressed = compare(baseline, current, args.max_increase)
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    if regressed:
        names = ", ".join(f"{family} @ {scale}" for scale, family in regressed)
        print(f"RLS overhead regressed: {names}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
