"""The mutation runner (hyrox_schema/mutants.py, ``hyrox-mutants``): what it enumerates, how
it shards and judges, and the report it merges; and, opt-in, the mutation run itself.

Opt-in and slow: ``HYROX_MUTATIONS=1 pytest tests/test_mutants.py`` runs every mutant
(``HYROX_MUTATION_KINDS=notnull,policy`` picks kinds, ``HYROX_MUTATION_WORKERS`` how many at
once, default 2) on this session's server; CI runs it sharded with ``hyrox-mutants run``.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest

from hyrox_schema import loaders, mutants
from hyrox_schema.databases import Layer
from hyrox_schema.mutants import KINDS, Mutant, Verdict
from hyrox_schema.server import PgServer

ALL = mutants.all_mutants()
SOURCE = loaders.migration_path().read_text(encoding="utf-8")


# --------------------------------------------------------------------------- enumeration


def test_every_kind_has_mutants():
    """The contract and the migration yield mutants of every kind (the enumeration parses)."""
    assert {m.kind for m in ALL} == set(KINDS)


def test_every_policy_has_a_drop_mutant():
    """The policy pattern still parses the migration: a mutant per policy dropped."""
    names = {m["name"] for m in mutants.POLICY.finditer(SOURCE)}
    assert len(names) == SOURCE.count("create policy ")
    assert {m.id for m in ALL if m.id.startswith("drop-")} == {
        "drop-" + re.sub(r"\W+", "_", name) for name in names
    }


def test_every_mutant_changes_the_migration():
    """No mutant is the migration itself, and ids are unique."""
    assert all(m.text != SOURCE for m in ALL)
    assert len({m.id for m in ALL}) == len(ALL)


def test_schema_mutants_remove_inside_the_transaction():
    """A removal lands before the migration's final ``commit;``, so it is part of 001."""
    mutant = next(m for m in ALL if m.kind == "notnull")
    head, _, _ = mutant.text.rpartition("commit;")
    assert head.rstrip().endswith(mutant.change)


# --------------------------------------------------------------------------- shards


@pytest.mark.parametrize("count", [1, 3, 8, 16])
def test_shards_partition_every_mutant(count: int):
    """Every mutant is in exactly one shard."""
    split = mutants.shards(ALL, count)
    ids = [m.id for shard in split for m in shard]
    assert sorted(ids) == sorted(m.id for m in ALL)
    assert len(split) == count


def test_shards_do_not_depend_on_the_order_found():
    """The same ids per shard whatever order the enumeration came in (every machine agrees)."""
    shuffled = ALL.copy()
    random.Random(17).shuffle(shuffled)
    assert [[m.id for m in s] for s in mutants.shards(shuffled, 8)] == [
        [m.id for m in s] for s in mutants.shards(ALL, 8)
    ]


def test_shards_are_balanced_by_expected_cost():
    """No shard expects more than one mutant's cost above another."""
    loads = [sum(m.cost for m in shard) for shard in mutants.shards(ALL, 8)]
    assert max(loads) - min(loads) <= max(kind.cost for kind in KINDS.values())


@pytest.mark.parametrize("text", ["0/3", "4/3", "1", "a/b", "1/0"])
def test_a_bad_shard_is_refused(text: str):
    """``--shard`` takes k/n with 1 <= k <= n."""
    with pytest.raises(ValueError, match="--shard"):
        mutants.parse_shard(text)


def test_unknown_kinds_are_refused():
    """A typo in ``--kinds`` stops the run instead of running nothing."""
    with pytest.raises(ValueError, match="unknown kinds"):
        mutants.select_kinds("notnull,polcy")
    assert mutants.select_kinds("") == list(KINDS)


# --------------------------------------------------------------------------- verdicts

JUNIT = """\
<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="{errors}" failures="{failures}" tests="2">
<testcase classname="tests.rls.test_anon" name="test_ok" time="0.01"/>
{case}
</testsuite></testsuites>
"""
FAILURE = (
    '<testcase classname="tests.rls.test_anon" name="test_denied" time="0.01">'
    '<failure message="AssertionError">trace</failure></testcase>'
)
SEED_ERROR = (
    '<testcase classname="tests.behaviour.test_x" name="test_y" time="0.01">'
    '<error message="failed on setup">UniqueViolation while running /r/seeds/01.sql'
    "</error></testcase>"
)


def verdict_of(tmp_path: Path, kind: str, case: str, failures: int, errors: int) -> Verdict:
    """The verdict read from a JUnit report with ``case`` in it."""
    report = tmp_path / "junit.xml"
    report.write_text(JUNIT.format(case=case, failures=failures, errors=errors), encoding="utf-8")
    mutant = Mutant(kind, f"{kind}-x", "change", "text")
    seen = True if KINDS[kind].family == "schema" else None
    return mutants.read_junit(mutant, report, 1.0, "out", seen)


def test_a_failing_behaviour_test_kills(tmp_path: Path):
    """One failure and no error: killed, and the failing test is named."""
    verdict = verdict_of(tmp_path, "policy", FAILURE, 1, 0)
    assert verdict.killed
    assert verdict.caught_by == ["tests.rls.test_anon::test_denied"]


def test_a_green_run_is_a_survivor(tmp_path: Path):
    """No failure: the mutant survived."""
    assert not verdict_of(tmp_path, "policy", "", 0, 0).killed


def test_the_seed_refusing_the_mutant_kills_schema_kinds_only(tmp_path: Path):
    """The seed file failing to load on a schema mutant is red for the right reason; any
    error on an RLS mutant is not."""
    assert verdict_of(tmp_path, "unique", SEED_ERROR, 0, 1).killed
    assert not verdict_of(tmp_path, "policy", SEED_ERROR, 0, 1).killed


def test_a_schema_mutant_the_contract_misses_survives():
    """A behaviour failure alone does not kill a schema mutant: the contract must see it."""
    verdict = Verdict("x", "notnull", "c", 1, 0, ["t"], 1.0, "", contract_sees=False)
    assert not verdict.killed


def test_no_report_is_an_error(tmp_path: Path):
    """A child that wrote no JUnit report (it crashed) is an error, not a kill."""
    verdict = mutants.read_junit(
        Mutant("policy", "p", "c", "t"), tmp_path / "none.xml", 1, "", None
    )
    assert (verdict.errors, verdict.killed) == (1, False)


# --------------------------------------------------------------------------- merge


def shard_report(k: int, n: int, verdicts: list[Verdict]) -> dict[str, object]:
    """A shard's JSON as ``run`` writes it."""
    return json.loads(json.dumps(mutants.report_of((k, n), list(KINDS), verdicts, 12.0)))


KILLED = Verdict("notnull-goals.title", "notnull", "alter ...", 1, 0, ["t"], 2.0, "", [], True)
SURVIVOR = Verdict("drop-p", "policy", 'policy "p" dropped', 0, 0, [], 3.0, "", [], None)


def test_merge_counts_per_kind_and_lists_survivors_with_their_catchers():
    """Killed/total per kind; each survivor with its change and what should have caught it."""
    text, clean = mutants.merge([shard_report(1, 2, [KILLED]), shard_report(2, 2, [SURVIVOR])])
    assert not clean
    assert "| notnull | 1 | 1 |" in text
    assert "| policy | 0 | 1 |" in text
    assert '**`drop-p`** (policy): `policy "p" dropped`' in text
    assert "should have been caught by: tests/rls" in text


def test_merge_of_a_clean_run_is_clean():
    """Every shard present, every mutant killed: clean."""
    text, clean = mutants.merge([shard_report(1, 1, [KILLED])])
    assert clean
    assert "None: every mutant was killed." in text


def test_merge_notices_a_missing_shard():
    """A shard that did not report makes the merge unclean and is named."""
    text, clean = mutants.merge([shard_report(1, 3, [KILLED]), shard_report(3, 3, [])])
    assert not clean
    assert "shards missing: 2/3" in text


def test_the_console_command_works_from_any_directory(tmp_path: Path):
    """``hyrox-mutants`` (the installed entry point) lists a shard outside the repository."""
    beside = Path(sys.executable).parent / "hyrox-mutants"
    command = str(beside) if beside.is_file() else shutil.which("hyrox-mutants")
    if command is None:
        pytest.fail("hyrox-mutants is not installed: pip install -e '.[test]'")
    listed = subprocess.run(
        [command, "list", "--kinds", "grant,ownership", "--shard", "1/1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    ids = [line.split("\t")[0] for line in listed.stdout.splitlines()]
    assert ids == sorted(m.id for m in ALL if m.kind in {"grant", "ownership"})


# --------------------------------------------------------------------------- the run (opt-in)

OPT_IN = os.environ.get("HYROX_MUTATIONS") == "1"
SELECTED = [
    m for m in ALL if m.kind in mutants.select_kinds(os.environ.get("HYROX_MUTATION_KINDS"))
]


@pytest.fixture(scope="module")
def verdicts(
    pg_server: PgServer, layer_before_001: Layer, request: pytest.FixtureRequest
) -> dict[str, Verdict]:
    """Every selected mutant's verdict, several at once, on this session's server."""
    chosen = {
        item.callspec.params["mutant"].id
        for item in request.session.items
        if isinstance(item, pytest.Function) and item.originalname == "test_the_mutant_is_killed"
    }
    with ExitStack() as stack:
        target = mutants.prepared_target(stack, pg_server)
        found = mutants.run_mutants(
            target,
            [m for m in SELECTED if m.id in chosen],
            int(os.environ.get("HYROX_MUTATION_WORKERS", "2")),
        )
    return {v.id: v for v in found}


@pytest.mark.slow
@pytest.mark.skipif(not OPT_IN, reason="opt-in: HYROX_MUTATIONS=1 runs the mutation run")
@pytest.mark.parametrize("mutant", SELECTED, ids=lambda m: m.id)
def test_the_mutant_is_killed(mutant: Mutant, verdicts: dict[str, Verdict]):
    """The kind's behaviour tests fail on the mutant (and, for a schema kind, the contract
    compare sees it)."""
    verdict = verdicts[mutant.id]
    print(f"{mutant.id}: killed by {verdict.caught_by} in {verdict.seconds:.1f} s")
    assert verdict.killed, (
        f"mutant survived ({mutant.change}); should have been caught by "
        f"{KINDS[mutant.kind].catchers}:\n{verdict.output}"
    )
