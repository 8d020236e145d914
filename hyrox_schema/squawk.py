"""squawk, the migration linter, over the chain: 001 with ``.squawk-001.toml``, every later
migration with ``.squawk.toml`` (the reasons for each disabled rule are in those files).

``hyrox-squawk [FILE...]`` (or ``python -m hyrox_schema.squawk``) lints the chain (or the given
files, numbered by their names) and prints one line per violation; exit status 1 when there is
any. The lint stage of ``.ci/run`` and ``tests/test_squawk.py`` both run it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hyrox_schema.chain import NAME_PATTERN, REPO_ROOT, discover

CONFIG = REPO_ROOT / ".squawk.toml"
CONFIG_001 = REPO_ROOT / ".squawk-001.toml"


class SquawkMissingError(RuntimeError):
    """The squawk binary (PyPI squawk-cli) is not installed."""


@dataclass(frozen=True)
class Violation:
    """One squawk finding."""

    file: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.rule}: {self.message}"


FIX_HINT = (
    "fix each statement as squawk's rule says (https://squawkhq.com/docs/rules), or record a "
    "reviewed exception on the line above it: `-- squawk-ignore <rule> -- <why>` (the reason is "
    'required; tests/test_weakenings.py, README "Every weakening is loud")'
)


def report(violations: Sequence[Violation]) -> str:
    """Every finding, one per line (never truncated), then what to do; empty when none."""
    if not violations:
        return ""
    lines = [f"squawk: {len(violations)} violation(s):", *(f"  {v}" for v in violations)]
    return "\n".join([*lines, FIX_HINT])


def binary() -> str:
    """The squawk executable: next to this Python first (the venv), then on PATH."""
    beside = Path(sys.executable).with_name("squawk")
    found = str(beside) if beside.is_file() else shutil.which("squawk")
    if found is None:
        raise SquawkMissingError(
            "squawk not found: install the pinned squawk-cli (pip install -e '.[lint]')"
        )
    return found


def config_for(path: Path) -> Path:
    """``.squawk-001.toml`` for migration 001, ``.squawk.toml`` for every later one."""
    match = NAME_PATTERN.fullmatch(path.name)
    return CONFIG_001 if match is not None and int(match["number"]) == 1 else CONFIG


def lint(paths: Iterable[Path]) -> list[Violation]:
    """squawk's findings on ``paths``, each file under its own rule set."""
    by_config: dict[Path, list[Path]] = {}
    for path in paths:
        by_config.setdefault(config_for(path), []).append(path)
    violations = []
    for config, files in by_config.items():
        done = subprocess.run(
            [binary(), "--config", str(config), "--reporter", "json", *map(str, files)],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if done.returncode not in (0, 1) or not done.stdout.strip():
            raise RuntimeError(f"squawk failed (exit {done.returncode}): {done.stderr.strip()}")
        violations += [
            Violation(
                file=_shown(v["file"]),
                line=int(v["line"]) + 1,
                rule=v["rule_name"],
                message=v["message"],
            )
            for v in json.loads(done.stdout)
        ]
    return violations


def _shown(file: str) -> str:
    """A reported path, relative to the repository when inside it."""
    path = Path(file).resolve()
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else file


def main(argv: Sequence[str] | None = None) -> int:
    """``hyrox-squawk [FILE...]``: lint the chain (or the files); print every violation; 1 if
    any."""
    parser = argparse.ArgumentParser(
        prog="hyrox-squawk",
        description="squawk over the migration chain, each file under its rule set "
        "(.squawk-001.toml for 001, .squawk.toml from 002 on).",
    )
    parser.add_argument("files", nargs="*", type=Path, help="default: every migrations/NNN_*.sql")
    args = parser.parse_args(argv)
    paths = [path.resolve() for path in args.files] or [m.path for m in discover()]
    violations = lint(paths)
    if violations:
        print(report(violations))
    print(f"squawk: {len(violations)} violation(s) in {len(paths)} file(s)")
    return 1 if violations else 0


if __name__ == "__main__":
    raise SystemExit(main())
