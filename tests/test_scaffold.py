"""hyrox-scaffold (hyrox_schema/scaffold.py): what it writes passes the gate and is secure by
default, and nothing it marks for review ships unreviewed.

The scaffold runs into a temporary copy of ``migrations/`` and ``tests/tables/``, for an
athlete-owned table with every option, a plain athlete-owned table (an index with its request,
the lock-order trigger) and a reference table. The outputs must parse, pass sqlfluff, squawk and
ruff, and carry a ``REVIEW:`` marker on every decision; applied on a clone of the after layer,
the migrations must pass the author-independent security checks (Database Advisor lints, the
API-reachability judgements, RLS on, the private helpers' rules, no access-deciding column
writable by those it decides for), isolate two athletes' rows built from the catalog alone, and
show exactly the policies the generated declarations name.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import psycopg
import pytest
from psycopg.rows import DictRow

import factories
from factories.athletes import AthleteFactory
from hyrox_schema import catalog, scaffold, squawk, upgrade
from hyrox_schema.chain import discover, guard_problems, transaction_problems
from hyrox_schema.loaders import execute_script
from hyrox_schema.paths import REPO_ROOT
from tests.rls.generic_rows import build_row
from tests.support.access_deciding_checks import writable_access_deciding_columns
from tests.support.advisor import LINTS
from tests.support.api_reachability import CHECKS
from tests.support.schema_checks import private_helper_problems, tables_without_rls

Connection = psycopg.Connection[DictRow]
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Case:
    """One scaffold run: its arguments and the markers its declaration must carry."""

    table: str
    args: tuple[str, ...]
    markers: tuple[str, ...]


COMMON = ("who may do what", "a valid row, by default", "one valid row", "the triggers")
ATHLETE = (*COMMON, "the foreign keys' stories", "every foreign key into", "column -> the default")
CASES = (
    Case(
        "scaffold_measurements",
        (
            "--kind=athlete",
            "--soft-delete",
            "--unique-per-day=measured_on",
            "--column=weight_kg:numeric(5,2):weight_kg > 0 and weight_kg < 400",
            "--column=body_fat_pct?:numeric(4,1)",
        ),
        (*ATHLETE, "values worked out from", "each unique rule", "soft delete"),
    ),
    Case(
        "scaffold_notes",
        ("--kind=athlete", "--lock-order", "--column=note:text", "--column=rating?:smallint"),
        (*ATHLETE, "every non-unique index", "soft delete"),
    ),
    Case(
        "scaffold_venues",
        ("--kind=reference", "--column=name:text", "--column=capacity?:integer"),
        COMMON,
    ),
)


@dataclass(frozen=True)
class Scaffolded:
    """A temporary repository root with the scaffold's outputs."""

    root: Path
    migrations: dict[str, Path]
    declarations: dict[str, Path]
    printed: dict[str, str]


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory: pytest.TempPathFactory) -> Scaffolded:
    """Every case scaffolded, in order, into one copy of migrations/ and tests/tables/."""
    root = tmp_path_factory.mktemp("repo")
    shutil.copytree(REPO_ROOT / "migrations", root / "migrations")
    shutil.copytree(REPO_ROOT / "tests" / "tables", root / "tests" / "tables")
    shutil.copy(REPO_ROOT / ".sqlfluff", root / ".sqlfluff")
    migrations, declarations, printed = {}, {}, {}
    for case in CASES:
        done = subprocess.run(
            [str(BIN / "hyrox-scaffold"), "table", case.table, *case.args, f"--root={root}"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        printed[case.table] = done.stdout
        migrations[case.table] = next((root / "migrations").glob(f"*_create_{case.table}.sql"))
        declarations[case.table] = root / "tests" / "tables" / f"{case.table}.py"
    return Scaffolded(root, migrations, declarations, printed)


def load(path: Path) -> ModuleType:
    """A generated declaration module, imported from its file."""
    spec = importlib.util.spec_from_file_location(f"scaffolded_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migrations_join_the_chain_with_their_guard(scaffolded: Scaffolded):
    """Each migration takes the next number, is one transaction, and starts with its guard."""
    chain = discover(scaffolded.root / "migrations")
    assert [m.path for m in chain[-len(CASES) :]] == list(scaffolded.migrations.values())
    for migration in chain[-len(CASES) :]:
        assert transaction_problems(migration) + guard_problems(migration) == []


def test_the_scaffold_refuses_to_overwrite(scaffolded: Scaffolded):
    """A second run for a table it already wrote changes nothing and says why."""
    case = CASES[0]
    before = sorted(p.name for p in (scaffolded.root / "migrations").iterdir())
    assert scaffold.main(["table", case.table, *case.args, f"--root={scaffolded.root}"]) == 2
    assert sorted(p.name for p in (scaffolded.root / "migrations").iterdir()) == before


def test_the_migrations_pass_sqlfluff_and_squawk(scaffolded: Scaffolded):
    """Our SQL style and squawk's migration lint, as the lint stage runs them."""
    files = [str(p) for p in scaffolded.migrations.values()]
    lint = subprocess.run(
        [str(BIN / "sqlfluff"), "lint", *files],
        cwd=scaffolded.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert squawk.report(squawk.lint([Path(f) for f in files])) == ""


def test_the_declarations_are_ruff_clean(scaffolded: Scaffolded):
    """The generated Python passes the repository's ruff rules and format."""
    files = [str(p) for p in scaffolded.declarations.values()]
    config = f"--config={REPO_ROOT / 'pyproject.toml'}"
    for command in (["check", config, *files], ["format", "--check", config, *files]):
        done = subprocess.run(
            [str(BIN / "ruff"), *command], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.table)
def test_every_decision_is_marked_for_review(scaffolded: Scaffolded, case: Case):
    """The declaration marks each field to review; the migration its columns and grants."""
    text = scaffolded.declarations[case.table].read_text(encoding="utf-8")
    missing = [m for m in case.markers if f"{scaffold.MARKER} {m}" not in text]
    assert missing == []
    sql = scaffolded.migrations[case.table].read_text(encoding="utf-8")
    assert sql.count(scaffold.MARKER) >= 3
    declaration = load(scaffolded.declarations[case.table]).TABLE
    assert declaration.name == case.table


def test_the_next_steps_name_the_design_doc_line(scaffolded: Scaffolded):
    """What it prints says where the ER-diagram line goes and the line itself."""
    printed = scaffolded.printed["scaffold_measurements"]
    assert 'section 4 "Entity-relationship summary"' in printed
    line = 'athlete_profiles ||--o{ scaffold_measurements : "scaffold_measurements_athlete_id_fkey"'
    assert line in printed
    assert "hyrox-contract write" in printed


@pytest.mark.commits
def test_the_scaffolded_tables_are_secure_by_default(db: Connection, scaffolded: Scaffolded):
    """Applied on the after layer, the author-independent checks find nothing, two athletes'
    rows stay apart, and the catalog shows exactly the policies each declaration names."""
    for path in scaffolded.migrations.values():
        execute_script(db, path)
    found: dict[str, list[str]] = {}
    for name, lint in LINTS.items():
        found[f"advisor {name}"] = lint(db)  # type: ignore[arg-type]  # dict rows
    for name, check in CHECKS.items():
        found[f"api {name}"] = check(db)
    found["rls enabled"] = tables_without_rls(db)  # type: ignore[arg-type]
    found["private helpers"] = private_helper_problems(db)
    found["access-deciding columns"] = writable_access_deciding_columns(db)  # type: ignore[arg-type]
    owners = []
    with factories.bind(db):
        for _ in range(2):
            athlete = AthleteFactory()
            owners.append(upgrade.Owner(athlete["user_id"], athlete["id"]))
            for case in CASES[:2]:
                build_row(db, case.table, athlete)
    found["rls isolation"] = upgrade.isolation_failures(db, owners)
    assert {check: items for check, items in found.items() if items} == {}
    for case in CASES:
        declared = {p.name for p in load(scaffolded.declarations[case.table]).TABLE.access.policies}
        assert {p.name for p in catalog.policies(db) if p.table == case.table} == declared


def marker_lines(paths: list[Path]) -> list[str]:
    """``file:line`` of every REVIEW: marker left in ``paths``."""
    return [
        f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}"
        for path in paths
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if scaffold.MARKER in line
    ]


def test_no_scaffold_marker_is_left_unreviewed():
    """A `REVIEW:` marker the scaffold wrote is a decision nobody has checked yet."""
    paths = sorted((REPO_ROOT / "migrations").glob("*.sql"))
    paths += sorted((REPO_ROOT / "tests" / "tables").glob("*.py"))
    left = marker_lines(paths)
    assert left == [], (
        "decide each marked point, then delete its `REVIEW:` marker (hyrox-scaffold wrote it):\n"
        + "\n".join(left)
    )


def test_the_marker_check_finds_a_marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The check is not vacuous: a marker in a file is reported with its line."""
    copy = tmp_path / "x.py"
    copy.write_text("a = 1\n# REVIEW: the default\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "REPO_ROOT", tmp_path)
    assert marker_lines([copy]) == ["x.py:2: # REVIEW: the default"]
