"""Mutation check: weakening any one protection makes the behavioural RLS suite fail.

Opt-in and slow (one full pytest run per mutant): ``HYROX_MUTATIONS=1 pytest
tests/rls/test_mutations.py``. Each mutant is migration 001 with one change —
a policy dropped, a policy opened to ``true``, a grant widened, a composite
foreign key or an owner trigger removed — loaded through ``$HYROX_MIGRATION``.
The behavioural tests of ``tests/rls`` (the catalog tests are left out, so a
catch is never just "the policy list changed") must then *fail*: at least
one failure and no setup error.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hyrox_schema import loaders

opt_in = pytest.mark.skipif(
    os.environ.get("HYROX_MUTATIONS") != "1",
    reason="opt-in: HYROX_MUTATIONS=1 runs the RLS suite once per mutant",
)

REPO_ROOT = loaders.REPO_ROOT
SOURCE = loaders.migration_path().read_text(encoding="utf-8")
POLICY = re.compile(
    r'create policy "(?P<name>[^"]+)"\s+on (?P<table>public\.\w+)\s+for (?P<command>\w+)'
    r"\s+to (?P<roles>\w+(?:, \w+)*)(?P<body>\s.*?);\n",
    re.DOTALL,
)
OPEN_BODY = {
    "select": "using (true)",
    "insert": "with check (true)",
    "update": "using (true) with check (true)",
    "delete": "using (true)",
}
CATALOG_TESTS = ("test_matrix_completeness.py", "test_advisor.py", "test_mutations.py")


@dataclass(frozen=True)
class Mutant:
    """One weakened migration."""

    id: str
    text: str


def _before_commit(extra: str) -> str:
    """The migration with ``extra`` added just before its final ``commit;``."""
    head, sep, tail = SOURCE.rpartition("commit;")
    assert sep, "the migration has no final commit"
    return f"{head}{extra}\n{sep}{tail}"


def _replace_once(pattern: str, replacement: str) -> str:
    """The migration with the single match of ``pattern`` replaced (the mutant must apply)."""
    text, count = re.subn(pattern, replacement, SOURCE, flags=re.DOTALL)
    assert count == 1, f"mutation pattern no longer matches exactly once: {pattern!r}"
    return text


def mutants() -> Iterator[Mutant]:
    """Every policy dropped and opened to true, plus a few grant, key and trigger mutants."""
    for match in POLICY.finditer(SOURCE):
        statement, name, command = match.group(0), match["name"], match["command"]
        slug = re.sub(r"\W+", "_", name)
        yield Mutant(f"drop-{slug}", SOURCE.replace(statement, "", 1))
        opened = (
            f'create policy "{name}"\n  on {match["table"]} for {command} to {match["roles"]}\n'
            f"  {OPEN_BODY[command]};\n"
        )
        if " ".join(match["body"].split()) != OPEN_BODY[command]:  # already open: no mutant
            yield Mutant(f"open-{slug}", SOURCE.replace(statement, opened, 1))
    yield Mutant(
        "grant-delete-messages", _before_commit("grant delete on public.messages to authenticated;")
    )
    yield Mutant(
        "grant-insert-achievements",
        _before_commit("grant insert on public.athlete_achievements to authenticated;"),
    )
    yield Mutant(
        "grant-update-message-content",
        _before_commit("grant update (content, role) on public.messages to authenticated;"),
    )
    yield Mutant("grant-select-goals-anon", _before_commit("grant select on public.goals to anon;"))
    yield Mutant(
        "simple-fk-workout-log-conversation",
        _replace_once(
            r"foreign key \(conversation_id, athlete_id\)\s+references public\.conversations "
            r"\(id, athlete_id\) on delete set null \(conversation_id\)",
            "foreign key (conversation_id) references public.conversations (id) on delete set null",
        ),
    )
    yield Mutant(
        "no-owner-trigger-goals",
        _replace_once(r"create trigger goals_owner_immutable.*?;\n", ""),
    )


MUTANTS = list(mutants())


def test_every_policy_has_two_mutants():
    """The policy pattern still parses the migration (a mutant per policy and way to weaken it)."""
    names = {m["name"] for m in POLICY.finditer(SOURCE)}
    assert len(names) == SOURCE.count("create policy ")
    assert {m.id for m in MUTANTS if m.id.startswith("drop-")} == {
        "drop-" + re.sub(r"\W+", "_", name) for name in names
    }


@pytest.mark.slow
@opt_in
@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_suite_kills_mutant(mutant: Mutant, tmp_path: Path):
    """The behavioural RLS tests fail (not error) on the weakened migration."""
    migration = tmp_path / "001_mutant.sql"
    migration.write_text(mutant.text, encoding="utf-8")
    report = tmp_path / "report.xml"
    ignored = [f"--ignore=tests/rls/{name}" for name in CATALOG_TESTS]
    env = {**os.environ, loaders.MIGRATION_ENV: str(migration), "HYROX_MUTATIONS": "0"}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/rls",
            *ignored,
            "-x",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None, completed.stdout[-2000:]
    failures, errors = int(suite.get("failures", "0")), int(suite.get("errors", "0"))
    caught_by = [
        case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None
    ]
    print(f"{mutant.id}: killed by {caught_by}")
    assert errors == 0, completed.stdout[-3000:]
    assert failures >= 1, f"mutant survived:\n{completed.stdout[-3000:]}"
