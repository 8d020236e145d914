"""Mutation run of the schema contract: removing any one rule from 001 turns tests red.

Opt-in and slow: ``HYROX_MUTATIONS=1 pytest tests/test_schema_mutations.py -s``
(``HYROX_MUTATION_KINDS=notnull,index`` picks kinds; ``HYROX_MUTATION_WORKERS``
runs that many mutants at once, default 2). Each mutant is migration 001 with
one thing removed — a NOT NULL, a default, a CHECK, a unique rule, a foreign
key, a trigger or an index, enumerated from the committed contract — written
as the matching ``alter table ... drop ...`` / ``drop index`` / ``drop trigger``
just before the migration's ``commit;`` (the schema is the one the migration
without that clause would build) and loaded through ``$HYROX_MIGRATION``.

A mutant is killed when

* the behavioural modules of its kind, run in a child pytest on that
  migration (``tests/test_contract.py`` is not among them and their own
  catalog-reading tests are deselected, so the catch is never just "the
  catalog changed"), report at least one failure and no
  error — or the only errors are the seed file failing to load on the mutant
  (``seeds/*.sql`` is real reference data relying on that default or unique
  key: the layer build itself turns the suite red, naming the rule); and
* the contract compare sees it: the contract the mutant writes differs from
  the committed one.

The children share the parent's server (existing-server mode), so each pays
only for its layers and its modules. Policy and grant mutants live in
tests/rls/test_mutations.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

import tests.contract as contract
from tests.contract import reader
from tests.support import loaders, options
from tests.support.databases import Layer
from tests.support.server import PgServer, cloned_database

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("HYROX_MUTATIONS") != "1",
        reason="opt-in: HYROX_MUTATIONS=1 runs the behaviour modules once per schema mutant",
    ),
]

KINDS_ENV = "HYROX_MUTATION_KINDS"
# The note tests.support.loaders.execute_script adds to an error of a seed file.
SEED_LOAD_NOTE = re.compile(r"while running \S*/seeds/[^/\s]+\.sql")
WORKERS_ENV = "HYROX_MUTATION_WORKERS"

# The behavioural modules that must catch each kind of removal.
MODULES: dict[str, tuple[str, ...]] = {
    "notnull": ("tests/behaviour/test_not_null_defaults_uniques.py",),
    "default": ("tests/behaviour/test_not_null_defaults_uniques.py",),
    "unique": (
        "tests/behaviour/test_not_null_defaults_uniques.py",
        "tests/behaviour/test_plan_day_link.py",
    ),
    "check": ("tests/behaviour/test_constraints.py",),
    "fk": ("tests/behaviour/test_foreign_keys.py", "tests/behaviour/test_deletion_stories.py"),
    "trigger": ("tests/behaviour/test_triggers.py", "tests/behaviour/test_plan_day_link.py"),
    "index": ("tests/benchmarks/test_index_usage.py",),
}

# Tests of these modules that read the catalog (coverage of their case tables, shapes):
# deselected, so a mutant counts as killed only when a behaviour fails.
CATALOG_TESTS = (
    "test_every_check_constraint_has_cases",
    "test_cases_target_their_constraints_table",
    "test_every_foreign_key_is_exercised",
    "test_on_delete_action_is_the_designed_one",
    "test_composite_keys_are_the_same_owner_links",
    "test_every_trigger_is_known_and_tested",
    "test_updated_at_trigger_shape",
    "test_owner_trigger_shape",
    "test_link_uniques_are_deferred_backstops",
    "test_fk_target_keys_lead_with_the_primary_key_and_are_referenced",
    "test_nullable_columns_are_the_designed_ones",
    "test_every_public_table_is_owned_reference_or_pre_existing",
)

SOURCE = loaders.migration_path().read_text(encoding="utf-8")
CONTRACT = contract.load()


@dataclass(frozen=True)
class Mutant:
    """One removal: its kind, a readable id and the statement that removes the rule."""

    kind: str
    id: str
    removal: str

    @property
    def text(self) -> str:
        """Migration 001 with the removal applied inside its transaction."""
        head, sep, tail = SOURCE.rpartition("commit;")
        assert sep, "the migration has no final commit"
        return f"{head}{self.removal}\n{sep}{tail}"


def mutants() -> Iterator[Mutant]:
    """Every single removal the contract lists (primary keys and FK targets excluded)."""
    referenced = {  # unique keys a foreign key depends on: not removable on their own
        (match[1], match[2])
        for _, block in CONTRACT.constraints("foreign key").values()
        if (match := re.search(r"REFERENCES (\S+)\(([^)]*)\)", block["definition"]))
    }
    for table, blocks in sorted(CONTRACT.tables().items()):
        qualified = f"public.{table}"
        primary = {
            c.strip()
            for b in blocks
            if b.kind == "constraint" and b["kind"] == "primary key"
            for c in b["definition"].removeprefix("PRIMARY KEY (").removesuffix(")").split(",")
        }
        for column in (b for b in blocks if b.kind == "column"):
            if column["not null"] == "yes" and column.name not in primary:
                yield Mutant(
                    "notnull",
                    f"notnull-{table}.{column.name}",
                    f"alter table {qualified} alter column {column.name} drop not null;",
                )
            if column["default"] != "none":
                yield Mutant(
                    "default",
                    f"default-{table}.{column.name}",
                    f"alter table {qualified} alter column {column.name} drop default;",
                )
        for block in (b for b in blocks if b.kind == "constraint"):
            kind = {"check": "check", "foreign key": "fk", "unique": "unique"}.get(block["kind"])
            columns = re.match(r"UNIQUE \(([^)]*)\)", block["definition"])
            if kind is None or (columns and (qualified, columns[1]) in referenced):
                continue
            yield Mutant(
                kind,
                f"{kind}-{block.name}",
                f"alter table {qualified} drop constraint {block.name};",
            )
        constraints = {b.name for b in blocks if b.kind == "constraint"}
        for block in (b for b in blocks if b.kind == "index" and b.name not in constraints):
            unique = block["definition"].startswith("CREATE UNIQUE INDEX")
            kind = "unique" if unique else "index"
            yield Mutant(kind, f"{kind}-{block.name}", f"drop index public.{block.name};")
        for block in (b for b in blocks if b.kind == "trigger"):
            yield Mutant(
                "trigger", f"trigger-{block.name}", f"drop trigger {block.name} on {qualified};"
            )


def selected_kinds() -> list[str]:
    """The kinds to run: $HYROX_MUTATION_KINDS (comma-separated) or all."""
    raw = os.environ.get(KINDS_ENV, "").strip()
    kinds = [k.strip() for k in raw.split(",") if k.strip()] or list(MODULES)
    unknown = set(kinds) - MODULES.keys()
    if unknown:
        raise pytest.UsageError(f"{KINDS_ENV}: unknown kinds {sorted(unknown)}")
    return kinds


MUTANTS = [m for m in mutants() if m.kind in selected_kinds()]


@dataclass(frozen=True)
class Verdict:
    """What the behaviour run said about a mutant."""

    failures: int
    errors: int
    caught_by: list[str]
    seconds: float
    output: str
    error_messages: tuple[str, ...] = ()

    @property
    def seed_refused(self) -> bool:
        """Every error is the seed file failing to load on the mutant (the layer build)."""
        return bool(self.error_messages) and all(
            SEED_LOAD_NOTE.search(message) for message in self.error_messages
        )

    @property
    def killed(self) -> bool:
        """Red for the right reason: a failing test, or the seed refusing the mutant."""
        return (self.failures >= 1 and self.errors == 0) or (self.errors >= 1 and self.seed_refused)


def _run_behaviour(mutant: Mutant, dsn: str, work: Path) -> Verdict:
    migration = work / f"{mutant.id}.sql"
    migration.write_text(mutant.text, encoding="utf-8")
    report = work / f"{mutant.id}.xml"
    env = {
        **os.environ,
        loaders.MIGRATION_ENV: str(migration),
        options.DSN_ENV: dsn,
        "HYROX_MUTATIONS": "0",
    }
    started = time.perf_counter()
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *MODULES[mutant.kind],
            "-k",
            f"not ({' or '.join(CATALOG_TESTS)})",
            "-x",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
        ],
        cwd=loaders.REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    seconds = time.perf_counter() - started
    output = (completed.stdout + completed.stderr)[-3000:]
    if not report.is_file():
        return Verdict(0, 1, [], seconds, output)
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None, output
    return Verdict(
        failures=int(suite.get("failures", "0")),
        errors=int(suite.get("errors", "0")),
        caught_by=[
            str(case.get("name"))
            for case in suite.iter("testcase")
            if case.find("failure") is not None
        ],
        seconds=seconds,
        output=output,
        # The message attribute is cut to the error's first lines (a NOT NULL violation's
        # "Failing row contains (...)" can push the loader's note out of it): keep the text too.
        error_messages=tuple(
            f"{error.get('message', '')}\n{error.text or ''}"
            for case in suite.iter("testcase")
            if (error := case.find("error")) is not None
        ),
    )


@pytest.fixture(scope="module")
def verdicts(
    pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> dict[str, Verdict]:
    """Every selected mutant's behaviour run, several at once, on the parent's server."""
    chosen = {
        item.callspec.params["mutant"].id
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.originalname == "test_behaviour_tests_kill_the_mutant"
    }
    selected = [m for m in MUTANTS if m.id in chosen]
    dsn = pg_server.conninfo(pg_server.maintenance_dbname)
    work = tmp_path_factory.mktemp("schema-mutants")
    workers = int(os.environ.get(WORKERS_ENV, "2"))
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = dict(
            zip(
                (m.id for m in selected),
                pool.map(lambda m: _run_behaviour(m, dsn, work), selected),
                strict=True,
            )
        )
    elapsed = time.perf_counter() - started
    for kind in selected_kinds():
        mine = [m for m in selected if m.kind == kind]
        killed = [m for m in mine if results[m.id].killed]
        by_seed = [m for m in killed if results[m.id].seed_refused]
        seconds = sum(results[m.id].seconds for m in mine)
        print(
            f"\nschema mutants {kind}: {len(killed)}/{len(mine)} killed "
            f"({len(by_seed)} by the seed load), {seconds:.0f} s of runs"
        )
    print(f"schema mutants: {len(selected)} in {elapsed:.0f} s wall ({workers} workers)")
    return results


@pytest.fixture(scope="module")
def before_template(pg_server: PgServer, layer_before_001: Layer) -> str:
    """The before layer's template name (each contract compare clones it)."""
    return layer_before_001.template_dbname


def test_every_kind_has_mutants():
    """The contract yields mutants of every kind (the enumeration still parses it)."""
    assert {m.kind for m in mutants()} == set(MODULES)


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_behaviour_tests_kill_the_mutant(mutant: Mutant, verdicts: dict[str, Verdict]):
    """The kind's behavioural modules fail (or the seed refuses to load) on the mutant."""
    verdict = verdicts[mutant.id]
    caught = verdict.caught_by or ["the seed load"] * verdict.seed_refused
    print(f"{mutant.id}: killed by {caught} in {verdict.seconds:.1f} s")
    assert verdict.errors == 0 or verdict.seed_refused, verdict.output
    assert verdict.killed, f"mutant survived:\n{verdict.output}"


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_the_contract_compare_sees_the_mutant(
    mutant: Mutant, pg_server: PgServer, before_template: str, tmp_path: Path
):
    """The contract the mutant writes differs from the committed one."""
    migration = tmp_path / "001_mutant.sql"
    migration.write_text(mutant.text, encoding="utf-8")
    with (
        cloned_database(
            pg_server, template=before_template, dbname=f"hyrox_{os.getpid()}_mutant"
        ) as dsn,
        psycopg.connect(dsn, autocommit=True) as conn,
    ):
        before = reader.baseline(conn)
        loaders.execute_script(conn, migration)
        written = contract.render_files(reader.read(conn, before))
    assert contract.differences(CONTRACT.files, written) != []
