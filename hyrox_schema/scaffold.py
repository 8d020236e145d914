"""``hyrox-scaffold table NAME --kind athlete|reference [...]``: a new table in one command.

It writes two files and changes nothing else:

* ``migrations/NNN_create_<table>.sql``, the next number of the chain, in 001's style: ``begin;``,
  the guard, lock and statement timeouts, ``create table`` (uuid key, ``athlete_id`` defaulting to
  the caller's profile with its cascading foreign key, named CHECKs, ``deleted_at`` for soft
  delete, created_at/updated_at), comments, the indexes every foreign key and policy column
  needs, ``revoke all`` from the API roles then the grants clients need, row level security with
  one policy per command named as a sentence, the updated_at and owner-immutable triggers (and
  the lock-order trigger with ``--lock-order``), ``commit;``;
* ``tests/tables/<table>.py``, the table's declaration (tests/tables/declaration.py), with the
  factory that makes its rows, every field filled from the options and marked ``# REVIEW:``.

Each ``REVIEW:`` marker is a decision to check and then delete: ``pytest`` fails while one is
left (tests/test_scaffold.py). It refuses to overwrite a file, and prints what to do next.

Columns: ``--column name:type[:check]``, NOT NULL unless the name ends with ``?``
(``--column 'body_fat_pct?:numeric(4,1)'``); the check is an SQL expression over the column
(``--column 'weight_kg:numeric(5,2):weight_kg > 0 and weight_kg < 400'``). A text column without
a check gets the not-blank check of 001. The CHECK cases of the declaration are worked out by
evaluating the expression on candidate values (numbers it names, one step either side); when
that is not possible the case is left for you, marked.

The package does not import ``tests``: the declaration is written from the templates below.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from hyrox_schema.chain import ChainError, discover
from hyrox_schema.paths import REPO_ROOT

MARKER = "REVIEW:"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
ANCHOR_DATE = dt.date(2026, 1, 5)
NUMERIC = re.compile(r"\s*(?:numeric|decimal)\s*\(\s*(\d+)\s*(?:,\s*(\d+))?\s*\)\s*")
FRACTIONAL = ("numeric", "decimal", "real", "double precision")
TEXT_CHECK = "{col} ~ '[^[:space:]]'"


class ScaffoldError(ValueError):
    """A usage error (bad option, existing file); the message says what to do."""


@dataclass(frozen=True)
class Column:
    """One column the author asked for."""

    name: str
    type: str
    nullable: bool = False
    check: str | None = None

    @property
    def base(self) -> str:
        """The type without its modifiers (``numeric(5,2)`` -> ``numeric``)."""
        return self.type.split("(")[0].strip().lower()

    @property
    def scale(self) -> tuple[int | None, int]:
        """(precision, scale) of a numeric type; (None, 0) for other types."""
        found = re.fullmatch(
            r"\s*(?:numeric|decimal)\s*\(\s*(\d+)\s*(?:,\s*(\d+))?\s*\)\s*", self.type
        )
        if found is None:
            return (
                (None, 2)
                if self.base in ("numeric", "decimal", "real", "double precision")
                else (None, 0)
            )
        return int(found[1]), int(found[2] or 0)


@dataclass(frozen=True)
class CheckCases:
    """Values a CHECK accepts and refuses, as Python literals; ``derived`` when evaluated."""

    valid: tuple[str, ...]
    invalid: tuple[str, ...]
    derived: bool


@dataclass
class Spec:
    """What to scaffold."""

    table: str
    kind: str
    columns: list[Column] = field(default_factory=list)
    soft_delete: bool = False
    unique_per_day: str | None = None
    lock_order: bool = False

    @property
    def athlete(self) -> bool:
        return self.kind == "athlete"

    @property
    def words(self) -> str:
        """The table's name as words (``body_measurements`` -> ``body measurements``)."""
        return self.table.replace("_", " ")

    @property
    def factory(self) -> str:
        """The factory class name (``body_measurements`` -> ``BodyMeasurementsFactory``)."""
        return "".join(part.capitalize() for part in self.table.split("_")) + "Factory"

    def checks(self) -> dict[str, tuple[Column, str]]:
        """CHECK name -> (column, expression), in column order."""
        found = {}
        for column in self.columns:
            expression = column.check
            if expression is None and column.base in ("text", "character varying", "varchar"):
                expression = TEXT_CHECK.format(col=column.name)
            if expression is not None:
                found[f"{self.table}_{column.name}_check"] = (column, expression)
        return found

    @property
    def unique_name(self) -> str:
        return f"{self.table}_athlete_id_{self.unique_per_day}_key"

    @property
    def index_name(self) -> str:
        return f"{self.table}_athlete_id_created_at_idx"


# --- options -------------------------------------------------------------------------------


def parse_column(raw: str) -> Column:
    """``name[?]:type[:check]`` -> a Column."""
    parts = raw.split(":", 2)
    if len(parts) < 2 or not parts[1].strip():
        raise ScaffoldError(
            f"--column {raw!r}: write name:type[:check], e.g. weight_kg:numeric(5,2)"
        )
    name = parts[0].strip()
    nullable = name.endswith("?")
    name = name.rstrip("?")
    if not NAME.fullmatch(name):
        raise ScaffoldError(f"--column {raw!r}: {name!r} is not a lowercase SQL name")
    if name in ("id", "athlete_id", "created_at", "updated_at", "deleted_at"):
        raise ScaffoldError(f"--column {raw!r}: the scaffold writes {name} itself")
    check = parts[2].strip() if len(parts) == 3 and parts[2].strip() else None
    kind = re.sub(r"\s*,\s*", ", ", parts[1].strip().lower())
    return Column(name, kind, nullable, check)


def build_spec(args: argparse.Namespace) -> Spec:
    """The Spec of parsed arguments (ScaffoldError on a contradiction)."""
    if not NAME.fullmatch(args.name):
        raise ScaffoldError(f"{args.name!r}: a table name is lowercase letters, digits and _")
    columns = [parse_column(raw) for raw in args.column]
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        raise ScaffoldError(f"a column is given twice: {names}")
    if args.kind == "reference" and (args.unique_per_day or args.lock_order or args.soft_delete):
        raise ScaffoldError(
            "--unique-per-day, --lock-order and --soft-delete are for athlete-owned tables"
        )
    if args.unique_per_day and args.unique_per_day not in names:
        columns.insert(0, Column(args.unique_per_day, "date"))
    if args.unique_per_day and next(c for c in columns if c.name == args.unique_per_day).nullable:
        raise ScaffoldError(f"--unique-per-day {args.unique_per_day}: the column must be NOT NULL")
    if not columns:
        raise ScaffoldError("give at least one --column name:type[:check]")
    return Spec(
        args.name, args.kind, columns, args.soft_delete, args.unique_per_day, args.lock_order
    )


# --- values --------------------------------------------------------------------------------


def _fits(column: Column, value: Decimal) -> bool:
    precision, scale = column.scale
    if precision is None:
        return True
    return abs(value) < Decimal(10) ** (precision - scale)


def _holds(expression: str, column: str, value: Decimal) -> bool | None:
    """Whether ``expression`` holds for ``column = value`` (SQLite evaluates it; None when it
    cannot: a PostgreSQL-only operator or function)."""
    query = f"with t({column}) as (select ?) select ({expression}) from t"  # noqa: S608 - the author's own expression
    try:
        with sqlite3.connect(":memory:") as db:
            row = db.execute(query, (float(value),)).fetchone()
    except sqlite3.Error:
        return None
    return None if row is None or row[0] is None else bool(row[0])


def _literal(column: Column, value: Decimal) -> str:
    """A Python literal for a number of ``column``'s type."""
    _, scale = column.scale
    if scale == 0:
        return str(int(value))
    return repr(float(value))


def check_cases(column: Column, expression: str) -> CheckCases:
    """Accepted and refused values of one CHECK, evaluated when the column is a number."""
    if expression == TEXT_CHECK.format(col=column.name):
        return CheckCases(("not_blank",), (), derived=True)
    numeric = column.base in (
        "numeric",
        "decimal",
        "integer",
        "int",
        "smallint",
        "bigint",
        "real",
        "double precision",
    )
    if numeric:
        _, scale = column.scale
        step = Decimal(1).scaleb(-scale)
        named = sorted({Decimal(n) for n in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?", expression)})
        candidates = [n + d for n in named for d in (-step, 0, step)]
        candidates += [(a + b) / 2 for a, b in itertools.pairwise(named)]
        candidates = [c.quantize(step) for c in candidates if _fits(column, c)]
        verdicts = {c: _holds(expression, column.name, c) for c in dict.fromkeys(candidates)}
        if verdicts and None not in verdicts.values():
            good = [c for c, ok in verdicts.items() if ok]
            bad = [c for c, ok in verdicts.items() if not ok]
            if good and bad:
                # a value well inside, the accepted edges, and the refused ones next to them
                middle = sorted(good)[len(good) // 2]
                edges = [min(good), max(good)]
                picked = list(dict.fromkeys([middle, *edges]))
                near = sorted(bad, key=lambda b: min(abs(b - g) for g in good))[:4]
                return CheckCases(
                    tuple(_literal(column, v) for v in picked),
                    tuple(_literal(column, v) for v in sorted(near)),
                    derived=True,
                )
    return CheckCases((sample(column),), (), derived=False)


def sample(column: Column, *, sequence: bool = False) -> str:
    """A Python expression of a valid value of ``column`` for the factory."""
    if column.check is not None:
        cases = check_cases(column, column.check)
        if cases.derived and cases.valid and cases.valid[0] != "not_blank":
            return cases.valid[0]
    base = column.base
    if base == "date":
        if sequence:
            return "factory.Sequence(lambda n: ANCHOR_DATE - timedelta(days=n))"
        return "ANCHOR_DATE"
    if base in ("timestamptz", "timestamp with time zone", "timestamp"):
        return "dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)"
    if base in ("text", "character varying", "varchar"):
        return repr(f"Sample {column.name.replace('_', ' ')}")
    if base == "boolean":
        return "False"
    if base in ("jsonb", "json"):
        return "{}"
    if base == "uuid":
        return "None  # REVIEW: a uuid column without a foreign key? name its parent"
    if base in ("integer", "int", "smallint", "bigint"):
        return "1"
    if base in ("numeric", "decimal", "real", "double precision"):
        return "1.0" if column.scale[1] else "1"
    return "None"


# --- the migration -------------------------------------------------------------------------


def _quote(text: str) -> str:
    """An SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _comment_of(spec: Spec, column: Column) -> str:
    words = column.name.replace("_", " ")
    text = f"The {words} ({column.type})"
    if column.nullable:
        text += "; NULL when not recorded"
    return text + "."


def migration_sql(spec: Spec, stem: str) -> str:
    """The migration's text, in 001's style (sqlfluff- and squawk-clean)."""
    t = spec.table
    q = f"public.{t}"
    lines: list[str] = []
    add = lines.append
    rule = "-- " + "=" * 77
    add(rule)
    add(f"-- Hyrox AI Coach — migration {stem[:3]}: {spec.words}")
    add(rule)
    add("-- Target: Supabase (PostgreSQL 15 or newer). Runs as `postgres`.")
    add("--")
    add("-- Why")
    add(f"-- * REVIEW: why the app needs public.{t} (scaffolded by hyrox-scaffold).")
    add("--")
    add("-- What changes")
    if spec.athlete:
        add(f"-- * public.{t}: athlete-owned rows (athlete_id, cascading from the profile),")
        add("--   read and written only by their athlete (RLS, one policy per command).")
    else:
        add(f"-- * public.{t}: reference data, read by everyone, written by the service role.")
    add("-- * No existing row is read or written: the table is new and empty.")
    add(rule)
    add("")
    add("begin;")
    add("")
    add(rule)
    add("-- Section: guard — refuse to run twice")
    add(rule)
    add("")
    add("do $$")
    add("begin")
    add(f"  if to_regclass('{q}') is not null then")
    add(f"    raise exception 'migration {stem} has already been applied'")
    add("      using errcode = 'duplicate_object',")
    add(f"            hint = '{q} exists; nothing was changed.';")
    add("  end if;")
    add("end")
    add("$$;")
    add("")
    if spec.athlete:
        add("-- The foreign key locks athlete_profiles (SHARE ROW EXCLUSIVE): give up rather than")
        add("-- queue behind a long transaction on it, and keep requests from queuing behind us.")
    else:
        add("-- Give up rather than queue behind a long transaction, and keep requests from")
        add("-- queuing behind us.")
    add("set local lock_timeout = '5s';")
    add("set local statement_timeout = '60s';")
    add("")
    add(rule)
    add(f"-- Section: {t}")
    add(rule)
    add("")
    add("-- REVIEW: the columns, their types, NOT NULLs and CHECKs.")
    add(f"create table {q} (")
    body = ["  id uuid primary key default gen_random_uuid()"]
    if spec.athlete:
        body.append("  athlete_id uuid not null default private.current_athlete_id()")
    for column in spec.columns:
        body.append(f"  {column.name} {column.type}{'' if column.nullable else ' not null'}")
    if spec.soft_delete:
        body.append("  deleted_at timestamptz")
    body.append("  created_at timestamptz not null default now()")
    body.append("  updated_at timestamptz not null default now()")
    if spec.unique_per_day:
        body.append(f"  constraint {spec.unique_name} unique (athlete_id, {spec.unique_per_day})")
    if spec.athlete:
        body.append(
            f"  constraint {t}_athlete_id_fkey foreign key (athlete_id)\n"
            "    references public.athlete_profiles (id) on delete cascade"
        )
    for name, (_, expression) in spec.checks().items():
        one_line = f"  constraint {name} check ({expression})"
        if len(one_line) <= 100:
            body.append(one_line)
        else:
            body.append(f"  constraint {name}\n    check ({expression})")
    lines.append(",\n".join(body))
    add(");")
    add("")
    add("-- REVIEW: the comments say what each column holds (the contract shows them).")
    add(f"comment on table {q} is")
    if spec.athlete:
        summary = f"One athlete's {spec.words}"
        if spec.unique_per_day:
            summary += f", one row per {spec.unique_per_day.replace('_', ' ')}"
        summary += "."
        if spec.soft_delete:
            summary += " Soft-deleted via deleted_at (restorable)."
        summary += " Read and written only by their athlete."
    else:
        summary = f"Reference: {spec.words}. Public read; written only by the service role."
    add(f"  {_quote(summary)};")
    for column in spec.columns:
        add(f"comment on column {q}.{column.name} is")
        add(f"  {_quote(_comment_of(spec, column))};")
    if spec.soft_delete:
        add(f"comment on column {q}.deleted_at is")
        add(
            "  'Soft delete: set to hide the row in the app, clear to restore. The row stays "
            "visible to its owner so undo is possible.';"
        )
    add("")
    if spec.athlete and not spec.unique_per_day:
        add("-- the policy column's index (athlete_id first), also serving the newest rows first")
        add("-- REVIEW: the index serves the request named for it in the declaration.")
        add(f"create index {spec.index_name}")
        add(f"  on {q} (athlete_id, created_at desc);")
        add("")
    elif spec.athlete:
        add("-- The unique key (athlete_id first) serves the policies and the foreign key")
        add("-- to athlete_profiles: no other index is needed.")
        add("")
    add(rule)
    add("-- Section: triggers")
    add(rule)
    add("")
    add(f"create trigger {t}_set_updated_at")
    add(f"  before update on {q}")
    add("  for each row execute function private.update_updated_at();")
    if spec.athlete:
        add(f"create trigger {t}_owner_immutable")
        add(f"  before update of athlete_id on {q}")
        add("  for each row when (old.athlete_id is distinct from new.athlete_id)")
        add("  execute function private.forbid_owner_change('athlete_id');")
    if spec.lock_order:
        add("")
        add("-- its writes reach the plan-day/log link: the requesting athlete's profile row first")
        add(f"create trigger {t}_lock_athlete_first")
        add(f"  before insert or update or delete on {q}")
        add("  for each statement when (pg_trigger_depth() = 0)")
        add("  execute function private.lock_requesting_athlete();")
    add("")
    add(rule)
    add("-- Section: privileges")
    add("-- Supabase grants anon and authenticated ALL on new public tables. Take that")
    add("-- back and grant each role what it needs (TRUNCATE, which ignores RLS, never).")
    add(rule)
    add("")
    add(f"revoke all on table {q} from anon, authenticated;")
    add(f"grant all on table {q} to service_role;")
    if spec.athlete:
        add("-- REVIEW: the commands clients need (the access matrix's pattern says the same).")
        add(f"grant select, insert, update, delete on table {q} to authenticated;")
    else:
        add(f"grant select on table {q} to anon, authenticated;")
    add("")
    add(rule)
    add("-- Section: row level security")
    add("-- One policy per command, `to` a role, the identity only inside (select ...).")
    add(rule)
    add("")
    add(f"alter table {q} enable row level security;")
    add("")
    if spec.athlete:
        own = "athlete_id = (select private.current_athlete_id())"
        add(f'create policy "athletes can read their own {spec.words}"')
        add(f"  on {q} for select to authenticated")
        add(f"  using ({own});")
        add(f'create policy "athletes can create their own {spec.words}"')
        add(f"  on {q} for insert to authenticated")
        add(f"  with check ({own});")
        add(f'create policy "athletes can update their own {spec.words}"')
        add(f"  on {q} for update to authenticated")
        add(f"  using ({own})")
        add(f"  with check ({own});")
        add(f'create policy "athletes can delete their own {spec.words}"')
        add(f"  on {q} for delete to authenticated")
        add(f"  using ({own});")
    else:
        add(f'create policy "everyone can read {spec.words}"')
        add(f"  on {q} for select to anon, authenticated using (true);")
    add("")
    add("commit;")
    return "\n".join(lines) + "\n"


# --- the declaration -----------------------------------------------------------------------


def _check_entry(name: str, column: Column, expression: str) -> list[str]:
    cases = check_cases(column, expression)
    if cases.valid == ("not_blank",):
        return [f'        "{name}": not_blank("{column.name}"),']
    c = column.name
    valid = ", ".join(f'{{"{c}": {v}}}' for v in cases.valid)
    if cases.derived:
        invalid = ", ".join(f'{{"{c}": {v}}}' for v in cases.invalid)
        note = f"REVIEW: values worked out from `{expression}`: accepted, then refused."
        return [*_comment(note, 8), f'        "{name}": Check(({valid},), ({invalid},)),']
    note = (
        f"REVIEW: `{expression}` could not be evaluated here: write the values it accepts "
        "and at least one it refuses (each refused one names this CHECK)."
    )
    return [*_comment(note, 8), f'        "{name}": Check(({valid},), ()),']


def _comment(text: str, indent: int) -> list[str]:
    """``text`` as Python comment lines of at most 100 characters."""
    prefix = " " * indent + "# "
    return textwrap.wrap(text, 100, initial_indent=prefix, subsequent_indent=prefix)


def ruff_format(text: str, name: str) -> str:
    """``text`` formatted by ruff (the lint extra) when it is installed; as is otherwise."""
    ruff = Path(sys.executable).with_name("ruff")
    command = str(ruff) if ruff.is_file() else shutil.which("ruff")
    if command is None:
        return text
    done = subprocess.run(
        [command, "format", "--line-length", "100", "--stdin-filename", name, "-"],
        input=text,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout if done.returncode == 0 else text


def declaration_py(spec: Spec, migration: str) -> str:
    """The declaration module's text (tests/tables/goals.py is its model)."""
    t = spec.table
    out: list[str] = []
    add = out.append
    add(f'"""public.{t}: what the suite expects of it beyond the contract.')
    add("")
    add(f"Scaffolded with {migration} by hyrox-scaffold. The fields are described in")
    add("tests/tables/declaration.py. Decide every point marked REVIEW below, then delete its")
    add("marker: pytest fails while one is left (tests/test_scaffold.py).")
    add('"""')
    add("")
    add("from __future__ import annotations")
    add("")
    uses_dt = any(
        c.base in ("timestamptz", "timestamp with time zone", "timestamp") for c in spec.columns
    )
    uses_date = any(c.base == "date" for c in spec.columns)
    if uses_dt or spec.soft_delete:
        add("import datetime as dt")
    if spec.unique_per_day:
        add("from datetime import timedelta")
    if uses_dt or spec.soft_delete or spec.unique_per_day:
        add("")
    if spec.soft_delete or spec.unique_per_day:
        add("import factory")
        add("")
    if spec.athlete:
        add("from factories.athletes import OwnedFactory")
    else:
        add("from factories import base")
    if uses_date:
        add("from factories.providers import ANCHOR_DATE")
    add("from tests.support.access_matrix import Command, Policy")
    if spec.athlete and not spec.unique_per_day:
        add("from tests.support.index_requests import Request")
    checks = spec.checks()
    if any(check_cases(c, e).valid == ("not_blank",) for c, e in checks.values()):
        add("from tests.tables.checks import not_blank")
    names = ["Access"]
    if any(check_cases(c, e).valid != ("not_blank",) for c, e in checks.values()):
        names.append("Check")
    if spec.unique_per_day:
        names += ["Connection", "Duplicate"]
    if spec.athlete:
        names += ["ForeignKey", "Link"]
    names += ["Ownership", "TableDeclaration", "Triggers"]
    add("from tests.tables.declaration import (")
    for n in names:
        add(f"    {n},")
    add(")")
    if spec.athlete:
        add("from tests.tables.stories import owned")
    add("")
    add("")
    base_class = "OwnedFactory" if spec.athlete else "base.PgFactory"
    add(f"class {spec.factory}({base_class}):")
    if spec.athlete:
        doc = (
            f"A row of public.{t}; pass ``athlete=<athlete_profiles row>`` (default: a new "
            "athlete). Found by the behaviour tests like the factories of factories/."
        )
    else:
        doc = f"A row of public.{t} (reference data, written as the service role would)."
    wrapped = textwrap.wrap(doc, 90)
    add(f'    """{wrapped[0]}')
    out.extend(f"    {line}" for line in wrapped[1:])
    if spec.soft_delete:
        add("")
        add("    Traits: ``soft_deleted`` (deleted_at set).")
    add('    """')
    add("")
    add("    class Meta:")
    add(f'        table = "public.{t}"')
    if spec.soft_delete:
        add("")
        add("    class Params:")
        add(
            "        soft_deleted = factory.Trait("
            "deleted_at=dt.datetime(2026, 1, 3, tzinfo=dt.UTC))"
        )
    add("")
    add("    # REVIEW: a valid row, by default (every value must pass the CHECKs).")
    for column in spec.columns:
        value = sample(column, sequence=column.name == spec.unique_per_day)
        add(f"    {column.name} = {value}")
    add("")
    if spec.unique_per_day:
        d = spec.unique_per_day
        add("")
        add(f"def _one_per_{d}(_: Connection) -> Duplicate:")
        add(f'    """A second row of the same athlete on the same {d.replace("_", " ")}."""')
        add(f"    first = {spec.factory}()")
        add("    return lambda: " + f"{spec.factory}(athlete_id=first.athlete_id, {d}=first.{d})")
        add("")
    add("")
    add("TABLE = TableDeclaration(")
    add(f'    name="{t}",')
    if spec.athlete:
        add("    ownership=Ownership.ATHLETE,")
        add("    # REVIEW: who may do what (tests/support/access_matrix.py PATTERNS), the policies")
        add("    # the catalog must show, and a column with a value the owner may write.")
        add("    access=Access(")
        add('        pattern="athlete_crud",')
        add("        policies=(")
        for verb, cmd in (
            ("read", "SELECT"),
            ("create", "INSERT"),
            ("update", "UPDATE"),
            ("delete", "DELETE"),
        ):
            add(f'            Policy("athletes can {verb} their own {spec.words}", Command.{cmd}),')
        add("        ),")
    else:
        add("    ownership=Ownership.REFERENCE,")
        add("    # REVIEW: who may do what (tests/support/access_matrix.py PATTERNS), the policies")
        add("    # the catalog must show, and a column with a value the service role may write.")
        add("    access=Access(")
        add('        pattern="reference",')
        add("        policies=(")
        add(
            f'            Policy("everyone can read {spec.words}", Command.SELECT, '
            '("anon", "authenticated")),'
        )
        add("        ),")
    updatable = next((c for c in spec.columns if c.name != spec.unique_per_day), spec.columns[0])
    cases = check_cases(updatable, updatable.check) if updatable.check else None
    value = (
        cases.valid[-1]
        if cases and cases.derived and cases.valid != ("not_blank",)
        else sample(updatable)
    )
    if updatable.base in ("text", "character varying", "varchar"):
        value = repr("Edited")
    add(f'        update=("{updatable.name}", {value}),')
    add("    ),")
    add("    # REVIEW: one valid row owned by the athlete (reference data: any row).")
    if spec.athlete:
        add(f"    make_row=lambda athlete: {spec.factory}(athlete=athlete),")
    else:
        add(f"    make_row=lambda _: {spec.factory}(),")
    if checks:
        add("    checks={")
        for name, (column, expression) in checks.items():
            out.extend(_check_entry(name, column, expression))
        add("    },")
    if spec.athlete:
        add("    # REVIEW: the foreign keys' stories (every foreign key of the table).")
        add("    foreign_keys={")
        add(f'        "{t}_athlete_id_fkey": ForeignKey("cascade", owned("{t}")),')
        add("    },")
        add("    # REVIEW: every foreign key into athlete data an attacker could aim elsewhere.")
        add(f'    links=(Link("{t}_athlete_id_fkey", "athlete_id", "athlete_profiles"),),')
    add("    # REVIEW: column -> the default it must store (none but the scaffold's own columns).")
    add("    defaults={},")
    if spec.unique_per_day:
        add("    # REVIEW: each unique rule and the duplicate it refuses.")
        add(f'    uniques={{"{spec.unique_name}": _one_per_{spec.unique_per_day}}},')
    if spec.athlete and not spec.unique_per_day:
        add("    # REVIEW: every non-unique index and the request it serves.")
        add("    index_requests={")
        add(f'        "{spec.index_name}": Request(')
        add(f'            "select id from public.{t} where athlete_id = %(athlete_id)s"')  # noqa: S608
        add('            " order by created_at desc limit 20",')
        add(f'            "the athlete\'s latest {spec.words}",')
        add("        ),")
        add("    },")
    if spec.athlete:
        add("    # REVIEW: soft delete (deleted_at) or real deletes (None).")
        add(f"    soft_delete={'deleted_at' if spec.soft_delete else None!r},")
    add("    # REVIEW: the triggers: lock_athlete_first only if its writes reach the plan-day/log")
    add("    # link (design doc 3.3).")
    if spec.athlete:
        add(f"    triggers=Triggers(lock_athlete_first={spec.lock_order}),")
    else:
        add("    triggers=Triggers(owner_immutable=False),")
    add(")")
    return "\n".join(out) + "\n"


# --- the command ---------------------------------------------------------------------------


def next_number(migrations: Path) -> int:
    """The next free number of the chain in ``migrations``."""
    try:
        return len(discover(migrations)) + 1
    except ChainError as error:
        raise ScaffoldError(f"fix the chain first: {error}") from None


def er_line(spec: Spec) -> str | None:
    """The ER-diagram line tests/test_design_doc.py expects for the table."""
    if not spec.athlete:
        return None
    return f'    athlete_profiles ||--o{{ {spec.table} : "{spec.table}_athlete_id_fkey"'


def next_steps(spec: Spec, migration: Path, declaration: Path, root: Path) -> str:
    """What to do after the scaffold, in order."""
    rel_m, rel_d = migration.relative_to(root), declaration.relative_to(root)
    entity = f"    {spec.table} {{ ... }}  (e.g. `uuid id PK`, `uuid athlete_id FK` lines)"
    steps = [
        f"wrote {rel_m}",
        f"wrote {rel_d}",
        "",
        "next:",
        f"  1. review {rel_m} and {rel_d}: decide every `REVIEW:` marker, then delete it",
        "     (pytest fails while one is left: tests/test_scaffold.py)",
        '  2. docs/design_decisions.md, section 4 "Entity-relationship summary", inside the',
        "     mermaid erDiagram block (tests/test_design_doc.py):",
    ]
    line = er_line(spec)
    if line:
        steps.append(f"       {line.strip()}")
    else:
        steps.append(f"       {entity.strip()}")
    steps += [
        f"     and name `{spec.table}` (in backticks) in the prose outside the diagram,",
        "     with why the table exists",
        "  3. hyrox-contract write      (regenerates contract/; commit its diff)",
        "  4. pytest                    (sqlfluff lint migrations/ and hyrox-squawk too)",
    ]
    return "\n".join(steps)


def write(spec: Spec, root: Path, *, dry_run: bool = False) -> tuple[Path, Path, str, str]:
    """Write (unless ``dry_run``) the migration and the declaration under ``root``."""
    migrations = root / "migrations"
    tables = root / "tests" / "tables"
    number = next_number(migrations)
    stem = f"{number:03d}_create_{spec.table}"
    migration = migrations / f"{stem}.sql"
    declaration = tables / f"{spec.table}.py"
    existing = [p for p in (migration, declaration) if p.exists()]
    existing += [p for p in migrations.glob(f"*_create_{spec.table}.sql") if p != migration]
    if existing:
        raise ScaffoldError(
            "refusing to overwrite: "
            + ", ".join(str(p.relative_to(root)) for p in existing)
            + " (remove it first, or pick another table name)"
        )
    sql = migration_sql(spec, stem)
    py = ruff_format(declaration_py(spec, migration.name), f"{spec.table}.py")
    if not dry_run:
        migration.write_text(sql, encoding="utf-8")
        declaration.write_text(py, encoding="utf-8")
    return migration, declaration, sql, py


def main(argv: Sequence[str] | None = None) -> int:
    """``hyrox-scaffold table NAME --kind athlete|reference ...``."""
    parser = argparse.ArgumentParser(
        prog="hyrox-scaffold",
        description="Write a new table's migration (001's style) and its declaration "
        "(tests/tables/<table>.py), every decision to review marked REVIEW:.",
    )
    sub = parser.add_subparsers(dest="what", required=True)
    table = sub.add_parser("table", help="a new athlete-owned or reference table")
    table.add_argument("name", help="the table, in public (lowercase, plural: body_measurements)")
    table.add_argument("--kind", choices=("athlete", "reference"), required=True)
    table.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="NAME[?]:TYPE[:CHECK]",
        help="a column (NOT NULL unless NAME ends with ?), optionally with a CHECK expression",
    )
    table.add_argument("--soft-delete", action="store_true", help="a deleted_at column (undo)")
    table.add_argument(
        "--unique-per-day",
        metavar="DATE_COLUMN",
        help="one row per athlete per DATE_COLUMN (added as `date not null` if not given)",
    )
    table.add_argument(
        "--lock-order",
        action="store_true",
        help="its writes reach the plan-day/log link: lock the athlete's profile row first",
    )
    table.add_argument(
        "--root", type=Path, default=REPO_ROOT, help="the repository (default: %(default)s)"
    )
    table.add_argument(
        "--dry-run", action="store_true", help="print both files instead of writing them"
    )
    args = parser.parse_args(argv)
    try:
        spec = build_spec(args)
        migration, declaration, sql, py = write(spec, args.root.resolve(), dry_run=args.dry_run)
    except ScaffoldError as error:
        print(f"hyrox-scaffold: {error}", file=sys.stderr)
        return 2
    if args.dry_run:
        print(f"-- {migration.name}\n{sql}\n# {declaration.name}\n{py}")
        return 0
    print(next_steps(spec, migration, declaration, args.root.resolve()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
