"""The repository's layout rule: tools are a package, tests are tests, imports run one way.

* ``hyrox_schema/`` (the installed tools) imports neither ``tests`` nor ``factories``: what a tool
  needs from ``tests/`` (an expectation registry, the upgrade data set) it loads by file path
  (:func:`hyrox_schema.paths.load_repo_module`);
* the package's modules import each other without a cycle (lazy imports inside functions count);
* no test module imports another test module (shared checks and data live in tests/support/ or
  a helper module of their folder);
* every console entry point answers ``--help`` and does one real thing from a directory outside
  the repository.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from hyrox_schema.paths import REPO_ROOT

PACKAGE = REPO_ROOT / "hyrox_schema"
TESTS = REPO_ROOT / "tests"
FORBIDDEN_IN_PACKAGE = ("tests", "factories")
BIN = Path(sys.executable).parent
SCRIPTS = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
    "scripts"
]
# Test modules whose tables tests/test_contract.py still imports: they become per-table
# declarations (issue 17, item 1), which removes these lines. An entry no longer needed fails.
PENDING_REGISTRY_IMPORTS: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    """Dotted name of a repository file (``hyrox_schema/contract/__init__.py`` ->
    ``hyrox_schema.contract``)."""
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module) of every import in ``path``, at any depth (lazy ones too);
    ``from package import module`` yields ``package.module`` as well."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def package_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_package_imports_neither_tests_nor_factories():
    """hyrox_schema never imports tests or factories (one way: they import it)."""
    found = [
        f"{path.relative_to(REPO_ROOT)}:{line}: imports {name} (load a file of tests/ by path "
        "with hyrox_schema.paths.load_repo_module, or move the code into the package)"
        for path in package_files()
        for line, name in imports_of(path)
        if name.split(".")[0] in FORBIDDEN_IN_PACKAGE
    ]
    assert found == [], "\n".join(found)


def package_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (a package counts as its __init__)."""
    modules = {module_name(path): path for path in package_files()}
    return {
        name: {
            target
            for _, target in imports_of(path)
            if target in modules and target != name and not name.startswith(f"{target}.")
        }
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle, each once (as a path that returns to its start)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_the_package_has_no_import_cycle():
    """Imports inside hyrox_schema run one way (a submodule may import its own package)."""
    assert [" -> ".join(cycle) for cycle in cycles(package_graph())] == []


def test_the_cycle_check_finds_a_cycle():
    """The check is not vacuous: a two-module loop is reported."""
    assert cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b", "a"]]


def test_no_test_module_imports_another_test_module():
    """Test modules share nothing with each other but through helper modules (tests/support/,
    a folder's helpers): importing a test module runs and re-collects its tests."""
    found = set()
    for path in sorted(TESTS.rglob("*.py")):
        for _, name in imports_of(path):
            if name.startswith("tests.") and name.split(".")[-1].startswith("test_"):
                found.add((str(path.relative_to(REPO_ROOT)), name))
    # an imported name of a test module shows as module.name too: keep the modules
    modules = {(f, n) for f, n in found if (REPO_ROOT / (n.replace(".", "/") + ".py")).is_file()}
    assert modules - PENDING_REGISTRY_IMPORTS == set(), "move what is shared to tests/support/"
    assert PENDING_REGISTRY_IMPORTS - modules == set(), "stale: remove it from the pending list"


def test_the_entry_points_are_the_documented_tools():
    """pyproject's console scripts are the README's tools, and each is installed."""
    assert set(SCRIPTS) == {
        "hyrox-contract",
        "hyrox-squawk",
        "hyrox-bench-report",
        "hyrox-bench-ratios",
        "hyrox-race-import",
        "hyrox-prepare-server",
        "hyrox-junit-summary",
        "hyrox-mutants",
        "hyrox-scaffold",
    }
    missing = [name for name in SCRIPTS if shutil.which(name, path=str(BIN)) is None]
    assert missing == [], f"not installed in {BIN}: run pip install -e '.[test]'"


JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="1" failures="1">
<testcase classname="tests.test_x" name="test_y"><failure message="boom">boom</failure></testcase>
</testsuite></testsuites>
"""


def real_verbs(tmp_path: Path) -> dict[str, tuple[list[str], int, str]]:
    """Per entry point: arguments of one real run from ``tmp_path``, its exit status, and a
    line of its output (stdout) or a file it writes."""
    run_json = str(REPO_ROOT / "reports" / "rls-benchmark.json")
    (tmp_path / "junit.xml").write_text(JUNIT, encoding="utf-8")
    return {
        "hyrox-contract": (["summary", "--base", "HEAD"], 0, "## Schema change"),
        "hyrox-squawk": ([], 0, "squawk: 0 violation(s)"),
        "hyrox-bench-report": ([run_json, "-o", "out/report.md"], 0, "wrote out/report.md"),
        "hyrox-bench-ratios": ([run_json, run_json], 0, "| ok |"),
        "hyrox-race-import": ([], 0, "2750 result(s) from 2 file(s)"),
        "hyrox-junit-summary": (["junit.xml"], 0, "`tests/test_x.py::test_y` | failed"),
        "hyrox-mutants": (["list"], 0, "check-goals_status_check\tcheck"),
        "hyrox-scaffold": (
            ["table", "layout_probes", "--kind", "athlete", "--column", "note:text", "--dry-run"],
            0,
            "create table public.layout_probes (",
        ),
    }


# prepare-server needs a superuser DSN: test_harness prepares a server with it
REAL_RUN_SCRIPTS = sorted(set(SCRIPTS) - {"hyrox-prepare-server"})


class Runs:
    """Every entry point's runs, each started from its own directory outside the repository,
    all at once: separate processes, so the second core works while the first waits."""

    def __init__(self, root: Path) -> None:
        self._started: dict[tuple[str, str], subprocess.Popen[str]] = {}
        self.expected: dict[str, tuple[int, str]] = {}
        for script in sorted(SCRIPTS):
            self._start(root / f"{script}-help", "help", script, "--help")
        for script in REAL_RUN_SCRIPTS:
            directory = root / f"{script}-real"
            directory.mkdir()
            args, status, expected = real_verbs(directory)[script]
            self.expected[script] = (status, expected)
            self._start(directory, "real", script, *args)

    def _start(self, directory: Path, kind: str, script: str, *args: str) -> None:
        directory.mkdir(exist_ok=True)
        self._started[kind, script] = subprocess.Popen(
            [str(BIN / script), *args],
            cwd=directory,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def result(self, kind: str, script: str) -> subprocess.CompletedProcess[str]:
        """The run's outcome, once it has ended."""
        process = self._started[kind, script]
        stdout, stderr = process.communicate(timeout=300)
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    def close(self) -> None:
        for process in self._started.values():
            if process.poll() is None:
                process.kill()
            process.communicate()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """The entry points' runs of this module, started together on first use."""
    started = Runs(tmp_path_factory.mktemp("entry-points"))
    yield started
    started.close()


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_every_entry_point_answers_help_from_anywhere(runs: Runs, script: str):
    """``--help`` works from a directory outside the repository."""
    done = runs.result("help", script)
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout


@pytest.mark.parametrize("script", REAL_RUN_SCRIPTS)
def test_every_entry_point_works_from_outside_the_repository(runs: Runs, script: str):
    """Each tool finds the repository by itself (hyrox_schema.paths), not from the directory."""
    status, expected = runs.expected[script]
    done = runs.result("real", script)
    assert done.returncode == status, done.stdout + done.stderr
    assert expected in done.stdout, done.stdout


def test_the_repository_is_found_from_the_environment_first(tmp_path: Path):
    """HYROX_REPO wins; a folder that is not the repository is refused, naming the variable."""
    from hyrox_schema.paths import RepositoryNotFound, find_repo_root

    assert find_repo_root({"HYROX_REPO": str(REPO_ROOT)}, cwd=tmp_path) == REPO_ROOT
    with pytest.raises(RepositoryNotFound, match="HYROX_REPO="):
        find_repo_root({"HYROX_REPO": str(tmp_path)}, cwd=tmp_path)
