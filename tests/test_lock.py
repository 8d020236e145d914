"""The gate cannot drift by itself: CI installs the versions pinned in .ci/constraints.txt.

The lock must pin every requirement of the test, lint and bench extras at a version their ranges in
pyproject.toml allow (a changed pyproject without `.ci/lock` fails here), and .ci/run must
install with it. The README's Quick start stays on the ranges.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO_ROOT = Path(__file__).resolve().parents[1]
LOCK = REPO_ROOT / ".ci" / "constraints.txt"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>[^\s;]+)(?:\s*;\s*(?P<marker>.+))?$")


def pins() -> dict[str, Version]:
    """Package -> pinned version, from the lock (markers ignored: one version per package)."""
    found = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line.strip())
        if match:
            found[canonicalize_name(match["name"])] = Version(match["version"])
    return found


def extra_requirements() -> list[Requirement]:
    """Every requirement of the test, lint and bench extras (the dev extra is their union)."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    unique = dict.fromkeys(r for extra in ("test", "lint", "bench") for r in extras[extra])
    return [Requirement(r) for r in unique]


def test_the_lock_pins_every_line_exactly():
    """Every requirement line of the lock is ``name==version``: nothing floats."""
    lines = [
        line.strip()
        for line in LOCK.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert [line for line in lines if not PIN.match(line)] == []
    assert len(lines) >= 30


@pytest.mark.parametrize("requirement", extra_requirements(), ids=str)
def test_the_lock_satisfies_pyproject(requirement: Requirement):
    """Each test/lint requirement is pinned in the lock at a version its specifier allows."""
    pinned = pins().get(canonicalize_name(requirement.name))
    assert pinned is not None, f"{requirement.name} is not in .ci/constraints.txt: run .ci/lock"
    assert requirement.specifier.contains(pinned, prereleases=True), (
        f"{requirement.name}=={pinned} does not satisfy {requirement}: run .ci/lock"
    )


def test_ci_run_installs_from_the_lock():
    """.ci/run installs the extras with --constraint .ci/constraints.txt."""
    script = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"pip install .*\\\n\s*--constraint \.ci/constraints\.txt -e", script)


def test_the_lock_is_refreshed_by_one_documented_command():
    """The lock names the command that wrote it, and that command exists."""
    assert "#    .ci/lock" in LOCK.read_text(encoding="utf-8")
    lock_script = (REPO_ROOT / ".ci" / "lock").read_text(encoding="utf-8")
    assert "--extra test --extra lint" in lock_script
    assert "--universal --python-version 3.11" in lock_script
