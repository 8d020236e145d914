"""``hyrox-mutants``: the mutation run of migration 001, one tool, shardable.

Each mutant is migration 001 with one protection removed or weakened, loaded through
``$HYROX_MIGRATION`` into a child ``pytest`` of the modules that must catch it:

schema kinds (enumerated from the committed contract, ``contract/``)
    notnull, default, unique, check, fk, trigger, index: one rule dropped by the matching
    ``alter table ... drop ...`` / ``drop index`` / ``drop trigger`` just before the
    migration's ``commit;``. Killed when the kind's behaviour modules (their catalog-reading
    tests deselected, so the catch is never just "the catalog changed") report a failure and
    no error, or the only errors are the seed file refusing to load on the mutant; AND the
    contract the mutant writes differs from the committed one.
RLS kinds (enumerated from the migration's text)
    policy (each policy dropped, and opened to ``true``), grant (a privilege widened),
    ownership (a composite same-owner key made simple, an owner trigger dropped). Killed when
    the behavioural RLS tests (tests/rls without its catalog modules) report a failure and no
    error.

Usage (from anywhere; the repository is the one this module lives in)::

    hyrox-mutants list [--kinds K,...] [--shard k/n]
    hyrox-mutants run --shard k/n [--kinds K,...] [--jobs 2] --report shard.json
    hyrox-mutants merge shard-*.json -o report.md

``run`` starts one server (the embedded engine, or ``--pg-dsn``) and points every child at
it. Shards are deterministic (the same mutant ids on every machine: the enumeration is
sorted, the split greedy by expected cost) and balanced by each kind's expected seconds.
``run`` exits 1 when a mutant of its shard survives; ``merge`` writes killed/total per kind
and every survivor with what should have caught it, and exits 1 when a mutant survived or a
shard is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg

import hyrox_schema.contract as contract
from hyrox_schema import loaders, options
from hyrox_schema.contract import reader
from hyrox_schema.databases import cloned_database, template_layer

REPO_ROOT = loaders.REPO_ROOT
# The note hyrox_schema.loaders.execute_script adds to an error of a seed file.
SEED_LOAD_NOTE = re.compile(r"while running \S*/seeds/[^/\s]+\.sql")
# A child pytest that runs longer than this is stopped and counted as an error.
CHILD_TIMEOUT = 900


@dataclass(frozen=True)
class Kind:
    """A kind of mutant: what runs against it, and its expected seconds (for the shards)."""

    name: str
    family: str  # "schema" (contract compare too) or "rls"
    targets: tuple[str, ...]  # the child pytest's paths and selection
    # expected seconds of one mutant's child run: the mean per kind of shard 1/8 on the shared
    # 2-core machine, two at once (only the ratios matter: they balance the shards)
    cost: float

    @property
    def catchers(self) -> str:
        """What should have caught a mutant of this kind, for the report."""
        paths = [t for t in self.targets if t.startswith("tests/")]
        compare = " and the contract compare (tests/test_contract.py)"
        return ", ".join(paths) + (compare if self.family == "schema" else "")


# Tests of the schema kinds' modules that read the catalog (coverage of their case tables,
# shapes): deselected, so a mutant counts as killed only when a behaviour fails.
SCHEMA_CATALOG_TESTS = (
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
# The catalog modules of tests/rls, left out of the RLS kinds' runs.
RLS_CATALOG_MODULES = ("test_matrix_completeness.py", "test_advisor.py")


def _schema(name: str, modules: Sequence[str], cost: float) -> Kind:
    selection = ("-k", f"not ({' or '.join(SCHEMA_CATALOG_TESTS)})")
    return Kind(name, "schema", (*modules, *selection), cost)


def _rls(name: str) -> Kind:
    ignored = tuple(f"--ignore=tests/rls/{module}" for module in RLS_CATALOG_MODULES)
    return Kind(name, "rls", ("tests/rls", *ignored), 10.0)


BEHAVIOUR = "tests/behaviour"
KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        _schema("notnull", (f"{BEHAVIOUR}/test_not_null_defaults_uniques.py",), 6.0),
        _schema("default", (f"{BEHAVIOUR}/test_not_null_defaults_uniques.py",), 5.0),
        _schema(
            "unique",
            (
                f"{BEHAVIOUR}/test_not_null_defaults_uniques.py",
                f"{BEHAVIOUR}/test_plan_day_link.py",
            ),
            4.0,
        ),
        _schema("check", (f"{BEHAVIOUR}/test_constraints.py",), 9.0),
        _schema(
            "fk",
            (f"{BEHAVIOUR}/test_foreign_keys.py", f"{BEHAVIOUR}/test_deletion_stories.py"),
            9.0,
        ),
        _schema(
            "trigger", (f"{BEHAVIOUR}/test_triggers.py", f"{BEHAVIOUR}/test_plan_day_link.py"), 4.0
        ),
        # the S benchmark dataset is built for each index mutant
        _schema("index", ("tests/benchmarks/test_index_usage.py",), 17.0),
        _rls("policy"),
        _rls("grant"),
        _rls("ownership"),
    )
}


@dataclass(frozen=True)
class Mutant:
    """One weakened migration 001: its kind, a stable id, the change and the full text."""

    kind: str
    id: str
    change: str
    text: str = field(repr=False)

    @property
    def cost(self) -> float:
        """Expected seconds of its run."""
        return KINDS[self.kind].cost


# --------------------------------------------------------------------------- enumeration


def _before_commit(source: str, extra: str) -> str:
    """The migration with ``extra`` added just before its final ``commit;``."""
    head, sep, tail = source.rpartition("commit;")
    if not sep:
        raise ValueError("the migration has no final commit")
    return f"{head}{extra}\n{sep}{tail}"


def schema_mutants(source: str, committed: contract.Contract) -> Iterator[Mutant]:
    """Every single rule removal the contract lists (primary keys and FK targets excluded)."""

    def removal(kind: str, mutant_id: str, statement: str) -> Mutant:
        return Mutant(kind, mutant_id, statement, _before_commit(source, statement))

    referenced = {  # unique keys a foreign key depends on: not removable on their own
        (match[1], match[2])
        for _, block in committed.constraints("foreign key").values()
        if (match := re.search(r"REFERENCES (\S+)\(([^)]*)\)", block["definition"]))
    }
    for table, blocks in sorted(committed.tables().items()):
        qualified = f"public.{table}"
        primary = {
            c.strip()
            for b in blocks
            if b.kind == "constraint" and b["kind"] == "primary key"
            for c in b["definition"].removeprefix("PRIMARY KEY (").removesuffix(")").split(",")
        }
        for column in (b for b in blocks if b.kind == "column"):
            if column["not null"] == "yes" and column.name not in primary:
                yield removal(
                    "notnull",
                    f"notnull-{table}.{column.name}",
                    f"alter table {qualified} alter column {column.name} drop not null;",
                )
            if column["default"] != "none":
                yield removal(
                    "default",
                    f"default-{table}.{column.name}",
                    f"alter table {qualified} alter column {column.name} drop default;",
                )
        for block in (b for b in blocks if b.kind == "constraint"):
            kind = {"check": "check", "foreign key": "fk", "unique": "unique"}.get(block["kind"])
            columns = re.match(r"UNIQUE \(([^)]*)\)", block["definition"])
            if kind is None or (columns and (qualified, columns[1]) in referenced):
                continue
            yield removal(
                kind,
                f"{kind}-{block.name}",
                f"alter table {qualified} drop constraint {block.name};",
            )
        constraints = {b.name for b in blocks if b.kind == "constraint"}
        for block in (b for b in blocks if b.kind == "index" and b.name not in constraints):
            kind = "unique" if block["definition"].startswith("CREATE UNIQUE INDEX") else "index"
            yield removal(kind, f"{kind}-{block.name}", f"drop index public.{block.name};")
        for block in (b for b in blocks if b.kind == "trigger"):
            yield removal(
                "trigger", f"trigger-{block.name}", f"drop trigger {block.name} on {qualified};"
            )


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
GRANTS = {
    "grant-delete-messages": "grant delete on public.messages to authenticated;",
    "grant-insert-achievements": "grant insert on public.athlete_achievements to authenticated;",
    "grant-update-message-content": (
        "grant update (content, role) on public.messages to authenticated;"
    ),
    "grant-select-goals-anon": "grant select on public.goals to anon;",
}
OWNERSHIP = {
    "simple-fk-workout-log-conversation": (
        r"foreign key \(conversation_id, athlete_id\)\s+references public\.conversations "
        r"\(id, athlete_id\) on delete set null \(conversation_id\)",
        "foreign key (conversation_id) references public.conversations (id) on delete set null",
    ),
    "no-owner-trigger-goals": (r"create trigger goals_owner_immutable.*?;\n", ""),
}


def _replace_once(source: str, pattern: str, replacement: str) -> str:
    """The migration with the single match of ``pattern`` replaced (the mutant must apply)."""
    text, count = re.subn(pattern, replacement, source, flags=re.DOTALL)
    if count != 1:
        raise ValueError(f"mutation pattern no longer matches exactly once: {pattern!r}")
    return text


def rls_mutants(source: str) -> Iterator[Mutant]:
    """Every policy dropped and opened to true, plus a few grant, key and trigger mutants."""
    for match in POLICY.finditer(source):
        statement, name, command = match.group(0), match["name"], match["command"]
        slug = re.sub(r"\W+", "_", name)
        yield Mutant(
            "policy", f"drop-{slug}", f'policy "{name}" dropped', source.replace(statement, "", 1)
        )
        opened = (
            f'create policy "{name}"\n  on {match["table"]} for {command} to {match["roles"]}\n'
            f"  {OPEN_BODY[command]};\n"
        )
        if " ".join(match["body"].split()) != OPEN_BODY[command]:  # already open: no mutant
            yield Mutant(
                "policy",
                f"open-{slug}",
                f'policy "{name}" opened: {OPEN_BODY[command]}',
                source.replace(statement, opened, 1),
            )
    for mutant_id, grant in GRANTS.items():
        yield Mutant("grant", mutant_id, grant, _before_commit(source, grant))
    for mutant_id, (pattern, replacement) in OWNERSHIP.items():
        change = f"{pattern!r} -> {replacement!r}"
        yield Mutant("ownership", mutant_id, change, _replace_once(source, pattern, replacement))


def all_mutants(
    source: str | None = None, committed: contract.Contract | None = None
) -> list[Mutant]:
    """Every mutant of migration 001 (``$HYROX_MIGRATION`` or the repository's), sorted by id."""
    text = source if source is not None else loaders.migration_path().read_text(encoding="utf-8")
    found = [*schema_mutants(text, committed or contract.load()), *rls_mutants(text)]
    ids = [m.id for m in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"mutant ids are not unique: {duplicates}")
    return sorted(found, key=lambda m: m.id)


def select_kinds(raw: str | Sequence[str] | None) -> list[str]:
    """Kinds from a comma-separated string or list (empty: all), validated."""
    parts = raw.split(",") if isinstance(raw, str) else list(raw or [])
    kinds = [k.strip() for k in parts if k.strip()] or list(KINDS)
    unknown = sorted(set(kinds) - KINDS.keys())
    if unknown:
        raise ValueError(f"unknown kinds {unknown}; choose from {', '.join(KINDS)}")
    return kinds


# --------------------------------------------------------------------------- shards


def parse_shard(text: str) -> tuple[int, int]:
    """``"k/n"`` -> (k, n), 1 <= k <= n."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise ValueError(f"--shard {text!r}: give k/n with 1 <= k <= n, e.g. 1/8")
    return int(match[1]), int(match[2])


def shards(mutants: Iterable[Mutant], count: int) -> list[list[Mutant]]:
    """Split ``mutants`` into ``count`` shards of about equal expected cost, deterministically:
    the costliest first (ties by id), each to the cheapest shard so far (ties: the lowest)."""
    loads = [0.0] * count
    split: list[list[Mutant]] = [[] for _ in range(count)]
    for mutant in sorted(mutants, key=lambda m: (-m.cost, m.id)):
        target = min(range(count), key=lambda i: (loads[i], i))
        split[target].append(mutant)
        loads[target] += mutant.cost
    return [sorted(shard, key=lambda m: m.id) for shard in split]


def shard_of(mutants: Iterable[Mutant], shard: tuple[int, int]) -> list[Mutant]:
    """The mutants of shard k of n."""
    k, n = shard
    return shards(mutants, n)[k - 1]


# --------------------------------------------------------------------------- verdicts


@dataclass(frozen=True)
class Verdict:
    """What the runs said about one mutant."""

    id: str
    kind: str
    change: str
    failures: int
    errors: int
    caught_by: list[str]
    seconds: float
    output: str
    error_messages: list[str] = field(default_factory=list)
    contract_sees: bool | None = None  # None: not a schema kind

    @property
    def seed_refused(self) -> bool:
        """Every error is the seed file failing to load on the mutant (the layer build)."""
        return bool(self.error_messages) and all(
            SEED_LOAD_NOTE.search(message) for message in self.error_messages
        )

    @property
    def behaviour_killed(self) -> bool:
        """Red for the right reason: a failing test (and no error), or (schema kinds) the seed
        refusing the mutant."""
        if self.failures >= 1 and self.errors == 0:
            return True
        return KINDS[self.kind].family == "schema" and self.errors >= 1 and self.seed_refused

    @property
    def killed(self) -> bool:
        """Caught by the behaviour tests and, for a schema kind, by the contract compare."""
        return self.behaviour_killed and self.contract_sees is not False

    def as_json(self) -> dict[str, Any]:
        """The verdict as the report stores it."""
        return {**asdict(self), "killed": self.killed, "seed_refused": self.seed_refused}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verdict:
        """Read back what :meth:`as_json` wrote."""
        names = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in names})


def read_junit(
    mutant: Mutant, report: Path, seconds: float, output: str, contract_sees: bool | None
) -> Verdict:
    """The verdict of a child run from its JUnit XML (no file: one error)."""
    base = {"id": mutant.id, "kind": mutant.kind, "change": mutant.change}
    if not report.is_file():
        return Verdict(**base, failures=0, errors=1, caught_by=[], seconds=seconds, output=output,
                       contract_sees=contract_sees)  # fmt: skip
    root = ET.parse(report).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    if suite is None:
        return Verdict(**base, failures=0, errors=1, caught_by=[], seconds=seconds, output=output,
                       contract_sees=contract_sees)  # fmt: skip
    return Verdict(
        **base,
        failures=int(suite.get("failures", "0")),
        errors=int(suite.get("errors", "0")),
        caught_by=[
            f"{case.get('classname')}::{case.get('name')}"
            for case in suite.iter("testcase")
            if case.find("failure") is not None
        ],
        seconds=seconds,
        output=output,
        # The message attribute is cut to the error's first lines (a NOT NULL violation's
        # "Failing row contains (...)" can push the loader's note out of it): keep the text too.
        error_messages=[
            f"{error.get('message', '')}\n{error.text or ''}"
            for case in suite.iter("testcase")
            if (error := case.find("error")) is not None
        ],
        contract_sees=contract_sees,
    )


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Target:
    """Where the children run: the server's logins, and the before layer to compare from."""

    dsn: str
    superuser_dsn: str | None
    before_template: str
    server: Any  # hyrox_schema.server.PgServer


def child_env(target: Target, migration: Path) -> dict[str, str]:
    """The child pytest's environment: the mutant as 001, the shared server."""
    env = {
        **os.environ,
        loaders.MIGRATION_ENV: str(migration),
        options.DSN_ENV: target.dsn,
        "HYROX_MUTATIONS": "0",
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    if target.superuser_dsn:
        env[options.SUPERUSER_DSN_ENV] = target.superuser_dsn
    return env


def contract_sees(target: Target, mutant: Mutant, migration: Path, dbname: str) -> bool:
    """Whether the contract the mutant writes differs from the committed one."""
    with (
        cloned_database(target.server, template=target.before_template, dbname=dbname) as dsn,
        psycopg.connect(dsn, autocommit=True) as conn,
    ):
        before = reader.baseline(conn)
        loaders.execute_script(conn, migration)
        written = contract.render_files(reader.read(conn, before))
    return contract.differences(contract.load().files, written) != []


def run_one(target: Target, mutant: Mutant, work: Path, number: int) -> Verdict:
    """Run the child pytest of the mutant's kind (and the contract compare) on the mutant."""
    migration = work / f"{mutant.id}.sql"
    migration.write_text(mutant.text, encoding="utf-8")
    report = work / f"{mutant.id}.xml"
    kind = KINDS[mutant.kind]
    started = time.perf_counter()
    try:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                *kind.targets,
                "-x",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--junitxml={report}",
            ],
            cwd=REPO_ROOT,
            env=child_env(target, migration),
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
            check=False,
        )
        output = (completed.stdout + completed.stderr)[-3000:]
    except subprocess.TimeoutExpired:
        output = f"the child pytest ran longer than {CHILD_TIMEOUT} s"
        report.unlink(missing_ok=True)
    seen = None
    if kind.family == "schema":
        seen = contract_sees(target, mutant, migration, f"hyrox_{os.getpid()}_mutant_{number}")
    return read_junit(mutant, report, time.perf_counter() - started, output, seen)


def run_mutants(target: Target, mutants: Sequence[Mutant], jobs: int) -> list[Verdict]:
    """Every mutant's verdict, ``jobs`` at a time, in the order given."""
    with (
        tempfile.TemporaryDirectory(prefix="hyrox-mutants-") as work,
        ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool,
    ):
        return list(
            pool.map(lambda pair: run_one(target, pair[1], Path(work), pair[0]), enumerate(mutants))
        )


def prepared_target(stack: ExitStack, server: Any) -> Target:  # noqa: ANN401 - a PgServer
    """The before layer built on ``server`` (for the contract compares); the children's DSNs."""
    layer = stack.enter_context(
        template_layer(
            server,
            dbname=f"hyrox_{os.getpid()}_mutants_before",
            template=server.template_dbname,
            loaders=loaders.before_001_loaders(server.superuser),
        )
    )
    return Target(
        dsn=server.conninfo(server.maintenance_dbname),
        superuser_dsn=(
            server.superuser_conninfo(server.maintenance_dbname) if server.superuser else None
        ),
        before_template=layer.template_dbname,
        server=server,
    )


# --------------------------------------------------------------------------- reports


def report_of(
    shard: tuple[int, int], kinds: Sequence[str], verdicts: Sequence[Verdict], seconds: float
) -> dict[str, Any]:
    """A shard's JSON report."""
    return {
        "shard": f"{shard[0]}/{shard[1]}",
        "kinds": list(kinds),
        "wall_seconds": round(seconds, 1),
        "mutants": [v.as_json() for v in verdicts],
    }


def merge(reports: Sequence[dict[str, Any]]) -> tuple[str, bool]:
    """One Markdown report from the shards' JSON; True when every mutant of every shard was
    killed and no shard is missing."""
    counts = {int(r["shard"].split("/")[1]) for r in reports}
    problems: list[str] = []
    if len(counts) > 1:
        problems.append(f"the reports come from different splits: {sorted(counts)}")
    total = max(counts, default=0)
    present = sorted(int(r["shard"].split("/")[0]) for r in reports)
    missing = sorted(set(range(1, total + 1)) - set(present))
    if missing:
        problems.append(f"shards missing: {', '.join(f'{k}/{total}' for k in missing)}")
    if len(present) != len(set(present)):
        problems.append("a shard is reported twice")
    verdicts = [Verdict.from_json(m) for r in reports for m in r["mutants"]]
    lines = ["# Mutation run of migration 001", ""]
    lines.append(
        f"{len(reports)} shard(s) of {total}; "
        f"{sum(r['wall_seconds'] for r in reports):.0f} s of shard wall time "
        f"(longest {max((r['wall_seconds'] for r in reports), default=0):.0f} s)."
    )
    lines += ["", "| kind | killed | total | seconds of runs |", "| --- | ---: | ---: | ---: |"]
    for kind in KINDS:
        mine = [v for v in verdicts if v.kind == kind]
        if mine:
            killed = sum(v.killed for v in mine)
            seconds = sum(v.seconds for v in mine)
            lines.append(f"| {kind} | {killed} | {len(mine)} | {seconds:.0f} |")
    survivors = [v for v in verdicts if not v.killed]
    lines += ["", f"## Survivors ({len(survivors)})", ""]
    if not survivors:
        lines.append("None: every mutant was killed.")
    for v in sorted(survivors, key=lambda v: v.id):
        why = []
        if not v.behaviour_killed:
            why.append(
                f"the behaviour tests {'errored' if v.errors else 'passed'} "
                f"({v.failures} failures, {v.errors} errors)"
            )
        if v.contract_sees is False:
            why.append("the contract compare saw no difference")
        lines += [
            f"- **`{v.id}`** ({v.kind}): `{v.change}`",
            f"  - should have been caught by: {KINDS[v.kind].catchers}",
            f"  - {'; '.join(why)}",
        ]
    if problems:
        lines += ["", "## Problems", "", *(f"- {p}" for p in problems)]
    return "\n".join(lines) + "\n", not survivors and not problems


# --------------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hyrox-mutants", description="The mutation run of migration 001 (shardable)."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="the mutants (id, kind, expected seconds)")
    run = commands.add_parser("run", help="run one shard's mutants; write its JSON report")
    for sub in (listing, run):
        sub.add_argument("--kinds", default="", help=f"comma-separated, of {', '.join(KINDS)}")
        sub.add_argument("--shard", default="1/1", help="k/n: the k-th of n shards (default 1/1)")
    run.add_argument("--report", type=Path, required=True, help="the shard's JSON report")
    run.add_argument("--jobs", type=int, default=2, help="mutants at once (default 2)")
    run.add_argument("--id", action="append", default=[], help="only these mutant ids")
    run.add_argument("--pg-dsn", default=None, help=f"an existing server (env {options.DSN_ENV})")
    run.add_argument(
        "--pg-superuser-dsn",
        default=None,
        help=f"its superuser login (env {options.SUPERUSER_DSN_ENV})",
    )
    run.add_argument(
        "--pg-engine", default=None, help="the embedded engine: 15, 17 or 18 (default)"
    )
    merging = commands.add_parser("merge", help="one Markdown report from the shards' JSON")
    merging.add_argument("reports", nargs="+", type=Path)
    merging.add_argument("-o", "--output", type=Path, required=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``hyrox-mutants``."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "merge":
            reports = [json.loads(p.read_text(encoding="utf-8")) for p in args.reports]
            text, clean = merge(reports)
            args.output.write_text(text, encoding="utf-8")
            print(text)
            return 0 if clean else 1
        kinds = select_kinds(args.kinds)
        shard = parse_shard(args.shard)
    except ValueError as error:
        print(f"hyrox-mutants: {error}", file=sys.stderr)
        return 2
    chosen = shard_of([m for m in all_mutants() if m.kind in kinds], shard)
    if args.command == "list":
        for mutant in chosen:
            print(f"{mutant.id}\t{mutant.kind}\t{mutant.cost:.0f}")
        print(f"# shard {args.shard}: {len(chosen)} mutants, "
              f"{sum(m.cost for m in chosen):.0f} s expected", file=sys.stderr)  # fmt: skip
        return 0
    if args.id:
        unknown = sorted(set(args.id) - {m.id for m in chosen})
        if unknown:
            print(f"hyrox-mutants: not in shard {args.shard}: {unknown}", file=sys.stderr)
            return 2
        chosen = [m for m in chosen if m.id in args.id]
    from hyrox_schema.contract.build import server  # the embedded engines only when running

    started = time.perf_counter()
    with ExitStack() as stack:
        pg = stack.enter_context(
            server(args.pg_dsn, engine=args.pg_engine, superuser_dsn=args.pg_superuser_dsn)
        )
        verdicts = run_mutants(prepared_target(stack, pg), chosen, args.jobs)
    seconds = time.perf_counter() - started
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(
        json.dumps(report_of(shard, kinds, verdicts, seconds), indent=2) + "\n", encoding="utf-8"
    )
    survivors = [v.id for v in verdicts if not v.killed]
    print(
        f"hyrox-mutants: shard {args.shard}: {len(verdicts) - len(survivors)}/{len(verdicts)} "
        f"killed in {seconds:.0f} s ({args.jobs} at once); report {args.report}"
    )
    for mutant_id in survivors:
        print(f"  survived: {mutant_id}")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
