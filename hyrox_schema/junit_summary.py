"""Which tests broke: a JUnit XML report (pytest --junitxml) as a GitHub job summary.

Usage: ``hyrox-junit-summary REPORT.xml [MORE.xml ...]``

Writes a Markdown table of the failed and errored tests to ``$GITHUB_STEP_SUMMARY`` (stdout
when unset) and one ``::error`` annotation per test, so the run page names the broken test
without opening the log. Standard library only; always exits 0 (the test step has failed
already; a missing report, e.g. when the install failed, is said in the summary).
"""

from __future__ import annotations

import argparse
import os
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

MAX_ANNOTATIONS = 20  # GitHub shows at most 10 error annotations per step anyway
MESSAGE_CHARS = 300


@dataclass(frozen=True)
class Broken:
    """One failed or errored test."""

    test_id: str
    kind: str  # "failed" or "error"
    message: str


def node_id(case: ET.Element) -> str:
    """pytest's node id, rebuilt from classname (dotted path + class) and name."""
    classname = case.get("classname", "")
    name = case.get("name", "")
    parts = classname.split(".")
    # pytest writes "tests.rls.test_anon" or "tests.rls.test_anon.TestClass".
    module_end = next(
        (i for i, part in enumerate(parts) if part.startswith("test_")), len(parts) - 1
    )
    path = "/".join(parts[: module_end + 1]) + ".py" if classname else ""
    inner = [*parts[module_end + 1 :], name]
    return "::".join([path, *inner]) if path else name


def one_line(text: str) -> str:
    """First non-empty line of ``text``, shortened."""
    line = next((raw.strip() for raw in text.splitlines() if raw.strip()), "")
    return line if len(line) <= MESSAGE_CHARS else line[: MESSAGE_CHARS - 1] + "…"


def broken_tests(report: Path) -> list[Broken]:
    """Failed and errored test cases of one JUnit XML file."""
    found: list[Broken] = []
    for case in ET.parse(report).getroot().iter("testcase"):
        for kind, tag in (("failed", "failure"), ("error", "error")):
            element = case.find(tag)
            if element is not None:
                message = element.get("message") or element.text or ""
                found.append(Broken(node_id(case), kind, one_line(message)))
    return found


def escape_cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("`", "'")


def summary(reports: list[Path]) -> tuple[str, list[Broken]]:
    """The Markdown summary and the broken tests of all ``reports``."""
    lines = ["## Broken tests", ""]
    broken: list[Broken] = []
    for report in reports:
        if not report.is_file():
            lines.append(f"- no report at `{report}` (did the job fail before pytest ran?)")
            continue
        broken.extend(broken_tests(report))
    if broken:
        lines += ["", "| test | outcome | first line of the message |", "|---|---|---|"]
        lines += [
            f"| `{escape_cell(b.test_id)}` | {b.kind} | {escape_cell(b.message)} |" for b in broken
        ]
    elif all(report.is_file() for report in reports):
        lines.append("No failed test in the report: the failure is outside pytest (see the log).")
    return "\n".join(lines) + "\n", broken


def annotation(item: Broken) -> str:
    """A GitHub workflow command that shows ``item`` as an error annotation."""
    message = item.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    title = item.test_id.replace("%", "%25").replace(":", "%3A").replace(",", "%2C")
    return f"::error title={title}::{item.kind}: {message}"


def main(argv: Sequence[str] | None = None) -> int:
    """``hyrox-junit-summary REPORT.xml...``: write the summary and the annotations."""
    parser = argparse.ArgumentParser(
        prog="hyrox-junit-summary", description=__doc__.splitlines()[0]
    )
    parser.add_argument("reports", nargs="+", type=Path, help="pytest --junitxml files")
    args = parser.parse_args(argv)
    text, broken = summary(args.reports)
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with Path(target).open("a", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    for item in broken[:MAX_ANNOTATIONS]:
        print(annotation(item))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
