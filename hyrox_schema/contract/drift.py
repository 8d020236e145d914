"""Drift of the live project: a live database compared with contract/ and migrations/, read only.

``hyrox-contract drift --dsn URL`` (or ``HYROX_DRIFT_DSN``) connects to
a database (the project's session pooler URL, say) and reports

* **migrations**: which migrations of the chain have run there, from two
  independent sources: each migration's guard (its first ``do`` block,
  :mod:`hyrox_schema.chain`), run in a read-only transaction that is rolled
  back (it raises ``... has already been applied`` when the migration's effect
  is there), and the Supabase CLI's history table
  ``supabase_migrations.schema_migrations`` when it exists (a migration run in
  the SQL editor leaves no row there); disagreements are drift;
* **objects**: every object the migrations own (the tables, functions and
  schemas of contract/), read with the contract's own reader, compared with
  the committed text, object by object (changed attributes, objects only in
  the contract, objects only in the database), then as a unified diff per
  file; objects in ``public`` or in a schema the migrations create that the
  contract does not have (a table made in the dashboard) are drift too.

``external.txt`` is not compared: it records what the migrations change on
objects they do not own, relative to the database *before* them, and a live
database has no before-state.

It never writes: the session is made read-only
(``default_transaction_read_only``, set as a startup option and again with
``set``, since poolers may drop startup options, then checked), every
transaction is ``begin read only`` and is rolled back, and it never creates a
database. What the role cannot read (a schema without USAGE, the history
table without SELECT) is listed as "could not read ... as <role>", and then the
run never says "no drift".

Exit status: 0 no drift, 1 drift, 2 could not connect or could not read
everything (and found no drift in what it read).
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, LiteralString, TypeVar, cast

import psycopg
from psycopg.conninfo import conninfo_to_dict

from hyrox_schema import catalog
from hyrox_schema.chain import GUARD_BLOCK, MIGRATIONS_DIR, Migration, discover, guard_problems
from hyrox_schema.contract import CONTRACT_DIR, differences, reader
from hyrox_schema.contract.model import Block, parse, read_dir, render
from hyrox_schema.contract.summary import Change, compare

Conn = psycopg.Connection[Any]
Cursor = psycopg.Cursor[Any]
T = TypeVar("T")

DSN_ENV = "HYROX_DRIFT_DSN"
READ_ONLY_OPTION = "-c default_transaction_read_only=on"
HISTORY_TABLE = "supabase_migrations.schema_migrations"
LOCK_TIMEOUT: LiteralString = "3s"
STATEMENT_TIMEOUT: LiteralString = "60s"
# What public held before 001: not the migrations' objects, so not drift. Qualified names;
# functions without their arguments.
PRE_EXISTING = frozenset(
    {f"public.{t}" for t in catalog.PRE_EXISTING_TABLES} | catalog.PRE_EXISTING_FUNCTIONS
)


# The contract file that is not compared, and why.
NOT_COMPARED = {
    "external.txt": "it records what the migrations change on objects they do not own "
    "(knowledge_chunks and its RPCs, Supabase's schemas, default privileges) relative to the "
    "database before them; a live database has no before-state",
}


class Outcome(enum.IntEnum):
    """The exit status."""

    NO_DRIFT = 0
    DRIFT = 1
    INCOMPLETE = 2


# --------------------------------------------------------------------------- connection


def open_read_only(dsn: str) -> Conn:
    """A connection whose every transaction is read only (checked), autocommit off.

    ``default_transaction_read_only`` is asked for twice: as a startup option
    (PostgreSQL applies it before the first statement) and with ``set`` (a
    pooler may drop startup options); psycopg then opens each transaction with
    ``begin read only``. Lock and statement timeouts keep it out of the app's way.
    Raises RuntimeError when the session is not read only.
    """
    options = conninfo_to_dict(dsn).get("options") or ""
    conn = psycopg.connect(dsn, autocommit=True, options=f"{options} {READ_ONLY_OPTION}".strip())
    try:
        conn.execute("set default_transaction_read_only = on")
        # Never queue behind the app's locks for long, never run away on a busy project.
        conn.execute(f"set lock_timeout = '{LOCK_TIMEOUT}'")
        conn.execute(f"set statement_timeout = '{STATEMENT_TIMEOUT}'")
        conn.autocommit = False
        conn.read_only = True
        row = conn.execute(
            "select current_setting('transaction_read_only') as t,"
            " current_setting('default_transaction_read_only') as d"
        ).fetchone()
        conn.rollback()
        if row != ("on", "on"):
            raise RuntimeError(f"the session is not read only (transaction, default: {row})")
    except BaseException:
        conn.close()
        raise
    return conn


# --------------------------------------------------------------------------- what was read


@dataclass(frozen=True)
class Unreadable:
    """Something the role could not read, and the server's reason."""

    what: str
    reason: str


@dataclass(frozen=True)
class MigrationState:
    """One migration of the chain as the live database shows it."""

    name: str
    guard: str
    """``applied``, ``not applied``, or ``unknown (<why>)``."""
    history: str | None
    """``recorded (version V, name N)``, ``not recorded``, or None (no history read)."""

    @property
    def disagreement(self) -> str | None:
        """Why the two sources contradict each other (None: they do not)."""
        if self.history is None or self.guard.startswith("unknown"):
            return None
        recorded = self.history.startswith("recorded")
        if recorded and self.guard == "not applied":
            return "recorded in the history, but its effect is not in the database"
        if not recorded and self.guard == "applied":
            return "its effect is in the database, but the history has no row (SQL editor?)"
        return None


@dataclass
class Report:
    """Everything one drift run found."""

    where: str
    migrations: list[MigrationState] = field(default_factory=list)
    history_note: str = ""
    unknown_history: list[str] = field(default_factory=list)
    change: Change = field(default_factory=lambda: Change([], [], []))
    diffs: list[str] = field(default_factory=list)
    undescribed: list[str] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)

    @property
    def drifted(self) -> bool:
        """Anything differs from the contract or the chain."""
        return bool(
            self.change
            or self.diffs
            or self.undescribed
            or self.unknown_history
            or any(m.disagreement for m in self.migrations)
        )

    @property
    def outcome(self) -> Outcome:
        """Drift wins; otherwise anything unread makes the run incomplete."""
        if self.drifted:
            return Outcome.DRIFT
        return Outcome.INCOMPLETE if self.unreadable else Outcome.NO_DRIFT

    def render(self) -> str:
        """The report as plain text (Markdown headings)."""
        lines = ["# Drift of the live database", "", self.where, "", "## Migrations", ""]
        lines.append(
            "(each migration's guard, run read-only: applied when it refuses to run again;"
            f" history: its row in {HISTORY_TABLE})"
        )
        for m in self.migrations:
            history = "" if m.history is None else f"; history: {m.history}"
            lines.append(f"- {m.name}: {m.guard}{history}")
            if m.disagreement:
                lines.append(f"  DRIFT: {m.disagreement}")
        lines.append(f"- history table {HISTORY_TABLE}: {self.history_note}")
        lines += [f"- DRIFT: history row with no migration file: {u}" for u in self.unknown_history]
        lines += ["", "## Objects (contract/ -> database)", ""]
        if not (self.change or self.undescribed):
            which = "that could be read " if self.unreadable else ""
            lines.append(f"- every object the migrations own {which}is as contract/ describes it")
        lines += [
            f"- only in the contract (missing from the database): {r}" for r in self.change.removed
        ]
        lines += [f"- only in the database (not in the contract): {a}" for a in self.change.added]
        lines += [
            f"- only in the database, not describable by the contract: {u}"
            for u in self.undescribed
        ]
        for name, attributes in self.change.changed:
            lines.append(f"- changed: {name}")
            lines += [f"    {a}" for a in attributes]
        lines += ["", "## Not compared", ""]
        lines += [f"- {path}: {why}" for path, why in NOT_COMPARED.items()]
        if self.unreadable:
            lines += ["", "## Could not read", ""]
            lines += [f"- could not read {u.what}: {u.reason}" for u in self.unreadable]
        if self.diffs:
            lines += ["", "## Per-file diff (contract/ -> database)", "", *self.diffs]
        lines += ["", f"Result: {self.verdict}"]
        return "\n".join(lines).rstrip() + "\n"

    @property
    def verdict(self) -> str:
        """One line: drift, no drift, or incomplete."""
        if self.drifted:
            count = len(self.change.added) + len(self.change.removed) + len(self.change.changed)
            extra = " (incomplete: some objects could not be read)" if self.unreadable else ""
            objects = "1 object differs" if count == 1 else f"{count} objects differ"
            return f"DRIFT ({objects}){extra}"
        if self.unreadable:
            return (
                f"INCOMPLETE: no drift in what could be read, but {len(self.unreadable)} "
                "item(s) could not be read with this role's privileges"
            )
        return "no drift"


# --------------------------------------------------------------------------- migrations


def _error(error: psycopg.Error) -> str:
    """A server error in one line: its SQLSTATE class name and primary message."""
    message = error.diag.message_primary or str(error).strip().splitlines()[0]
    return f"{type(error).__name__}: {message}"


def guard_of(migration: Migration) -> str | None:
    """The migration's guard (its first ``do`` block after ``begin;``), or None without one."""
    if guard_problems(migration):
        return None
    text = migration.text
    match = GUARD_BLOCK.search(text, text.index("begin;"))
    return match[0] if match else None


def guard_state(conn: Conn, migration: Migration) -> str:
    """Run the guard in a savepoint of the read-only transaction: applied or not."""
    guard = guard_of(migration)
    if guard is None:
        return "unknown (the file has no guard to ask)"
    try:
        with conn.transaction():
            conn.execute(cast(LiteralString, guard))
    except psycopg.errors.DuplicateObject as error:
        if error.diag.message_primary == migration.guard_message:
            return "applied"
        return f"unknown (its guard raised {_error(error)})"
    except psycopg.Error as error:
        return f"unknown (its guard failed: {_error(error)})"
    return "not applied"


def history(conn: Conn) -> tuple[list[tuple[str, str]] | None, str]:
    """The CLI's history rows (version, name), or None, and a note saying what was found."""
    with conn.cursor() as cur:
        present = cur.execute(
            "select exists (select from pg_catalog.pg_class as c"
            " join pg_catalog.pg_namespace as n on n.oid = c.relnamespace"
            " where n.nspname = 'supabase_migrations' and c.relname = 'schema_migrations')"
        ).fetchone()
    if not (present and present[0]):
        return None, "absent (no migration was pushed with the Supabase CLI)"
    with conn.transaction(), conn.cursor() as cur:
        rows = cur.execute(
            # to_jsonb: older CLI versions made the table without the name column.
            "select h.version::text, coalesce(to_jsonb(h) ->> 'name', '')"
            " from supabase_migrations.schema_migrations as h order by 1"
        ).fetchall()
    return [(str(v), str(n)) for v, n in rows], f"{len(rows)} row(s)"


def _file_version(migration: Migration) -> tuple[str, str]:
    """(version, name) as the Supabase CLI records a file: the leading digits, the rest."""
    match = re.fullmatch(r"([0-9]+)_(.*)", migration.stem)
    assert match, migration.name
    return match[1], match[2]


def migration_states(
    conn: Conn, chain: list[Migration], report: Report, role: str
) -> list[MigrationState]:
    """Each migration's guard and history state; unknown history rows go to the report."""
    rows: list[tuple[str, str]] | None = None
    try:
        rows, report.history_note = history(conn)
    except psycopg.Error as error:
        report.history_note = "could not be read"
        report.unreadable.append(Unreadable(f"{HISTORY_TABLE} as {role}", _error(error)))
    states = []
    matched: set[str] = set()
    for migration in chain:
        recorded: str | None = None
        if rows is not None:
            version, name = _file_version(migration)
            found = [(v, n) for v, n in rows if v == version]
            matched |= {v for v, _ in found}
            recorded = (
                ", ".join(f"recorded (version {v}, name {n or '?'})" for v, n in found)
                or "not recorded"
            )
            if found and any(n and n != name for _, n in found):
                recorded += f"; the file's name is {name}"
        state = guard_state(conn, migration)
        if state.startswith("unknown"):
            report.unreadable.append(Unreadable(f"the guard of {migration.name} as {role}", state))
        states.append(MigrationState(migration.stem, state, recorded))
    report.unknown_history = [
        f"version {v} (name {n or '?'})" for v, n in rows or [] if v not in matched
    ]
    return states


# --------------------------------------------------------------------------- objects


@dataclass(frozen=True)
class Owned:
    """The objects to describe: the contract's, plus extras where the migrations own names."""

    tables: list[str]
    functions: list[str]
    schemas: list[str]
    undescribed: list[str]


def contract_objects(files: dict[str, str]) -> tuple[set[str], set[str], set[str]]:
    """Tables, function signatures and schemas the committed contract describes."""
    tables, functions, schemas = set(), set(), set()
    for path, text in files.items():
        blocks = parse(text, source=path)
        if path.startswith("tables/"):
            tables.add(blocks[0].name)
        elif path.startswith("functions/"):
            functions |= {b.name for b in blocks if b.kind == "function"}
        elif path == "schemas.txt":
            schemas |= {b.name for b in blocks if b.kind == "schema"}
    return tables, functions, schemas


def owned_objects(cur: psycopg.Cursor[Any], files: dict[str, str]) -> Owned:
    """The contract's objects, and the live ones in public or the migrations' schemas it lacks."""
    tables, functions, schemas = contract_objects(files)
    watched = {"public", *schemas}
    system = {"system": list(reader.SYSTEM_SCHEMAS)}
    relations = cur.execute(reader.RELATIONS, system).fetchall()  # type: ignore[arg-type]
    live_functions = cur.execute(reader.FUNCTIONS, system).fetchall()  # type: ignore[arg-type]
    live_schemas = {r["name"] for r in cur.execute(reader.SCHEMAS, system).fetchall()}  # type: ignore[arg-type]

    def extra(name: str) -> bool:
        schema = name.partition(".")[0]
        return schema in watched and name.partition("(")[0] not in PRE_EXISTING

    undescribed = []
    for rel in relations:
        name = rel["name"]
        if name in tables or not extra(name):
            continue
        if rel["kind"] in ("r", "p"):
            tables.add(name)
        elif not (rel["kind"] == "S" and rel["dependent"]):
            undescribed.append(f"relation {name} (relkind {rel['kind']})")
    functions |= {r["name"] for r in live_functions if extra(r["name"])}
    return Owned(
        sorted(tables), sorted(functions), sorted(schemas & live_schemas), sorted(undescribed)
    )


def _read(
    conn: Conn, what: str, role: str, report: Report, action: Callable[[Cursor], T]
) -> T | None:
    """``action`` on a catalog cursor in a savepoint; a server error is recorded, not raised."""
    try:
        with reader._catalog_cursor(conn) as cur:
            return action(cur)
    except psycopg.Error as error:
        report.unreadable.append(Unreadable(f"{what} as {role}", _error(error)))
        return None


def _exists(cur: Cursor, query: LiteralString, name: str) -> bool:
    row = cur.execute(query, (name,)).fetchone()
    return bool(row and row["e"])


def _all_tables(conn: Conn, names: list[str]) -> dict[str, list[Block]] | None:
    """The blocks of every table of ``names`` that exists, or None when any read fails."""
    try:
        with reader._catalog_cursor(conn) as cur:
            present = cur.execute(
                "select name from unnest(%s::text[]) as name"
                " where pg_catalog.to_regclass(name) is not null",
                (names,),
            ).fetchall()
            return reader.tables_blocks(cur, [row["name"] for row in present])
    except psycopg.Error:
        return None


def live_files(
    conn: Conn, files: dict[str, str], role: str, report: Report
) -> tuple[dict[str, str], set[str]]:
    """The database's contract files for the owned objects, and the files it could not read."""
    owned = _read(
        conn, "the catalog's object lists", role, report, lambda c: owned_objects(c, files)
    )
    if owned is None:
        return {}, set(files)
    report.undescribed = owned.undescribed
    blocks: dict[str, list[Block]] = {}
    unread: set[str] = set()

    def table(cur: Cursor, name: str) -> list[Block]:
        exists = _exists(cur, "select pg_catalog.to_regclass(%s) is not null as e", name)
        return reader.table_blocks(cur, name) if exists else []

    def function(cur: Cursor, signature: str) -> list[Block]:
        exists = _exists(cur, "select pg_catalog.to_regprocedure(%s) is not null as e", signature)
        return [reader._function_block(cur, signature)] if exists else []

    # every table in one read; when the role may not read one of them, table by table below,
    # so each refusal is reported against its table
    together = _all_tables(conn, owned.tables)
    for name in owned.tables:
        path = f"tables/{reader._file_name(name)}.txt"
        if together is not None:
            found = together.get(name, [])
        else:
            found = _read(conn, f"table {name}", role, report, lambda c, n=name: table(c, n))
        if found is None:
            unread.add(path)
        elif found:
            blocks[path] = found
    for signature in owned.functions:
        path = f"functions/{reader._file_name(signature.partition('(')[0])}.txt"
        found = _read(
            conn, f"function {signature}", role, report, lambda c, s=signature: function(c, s)
        )
        if found is None:
            unread.add(path)
        elif found:
            blocks.setdefault(path, []).extend(found)
    for schema in owned.schemas:
        block = _read(
            conn, f"schema {schema}", role, report, lambda c, s=schema: reader._schema_block(c, s)
        )
        if block is None:
            unread.add("schemas.txt")
        else:
            blocks.setdefault("schemas.txt", []).append(block)
    return {path: render(items) for path, items in sorted(blocks.items())}, unread


# --------------------------------------------------------------------------- the run


def drift(
    dsn: str,
    *,
    contract_dir: Path = CONTRACT_DIR,
    migrations_dir: Path = MIGRATIONS_DIR,
) -> Report:
    """Read the database at ``dsn`` (read only) and compare it with the contract and the chain.

    Raises psycopg.OperationalError (or RuntimeError) when it cannot connect read-only.
    """
    committed = {p: t for p, t in read_dir(contract_dir).items() if p not in NOT_COMPARED}
    chain = discover(migrations_dir)
    with closing(open_read_only(dsn)) as conn:
        try:
            facts = conn.execute(
                "select current_database(), current_user, current_setting('server_version')"
            ).fetchone()
            assert facts is not None
            database, role, version = (str(f) for f in facts)
            params = conninfo_to_dict(dsn)
            host = params.get("host") or "localhost"
            report = Report(
                where=f"database {database} on {host} as {role} (PostgreSQL {version}); "
                "read-only transactions, rolled back\ncompared with contract/ "
                f"({len(committed)} files compared) and migrations/ "
                f"({chain[0].stem} .. {chain[-1].stem})"
            )
            report.migrations = migration_states(conn, chain, report, role)
            actual, unread = live_files(conn, committed, role, report)
        finally:
            conn.rollback()
    comparable = {p: t for p, t in committed.items() if p not in unread}
    actual = {p: t for p, t in actual.items() if p not in unread}
    report.change = compare(comparable, actual)
    report.diffs = differences(comparable, actual)
    return report


def resolve_dsn(given: str | None, environ: dict[str, str] | os._Environ[str]) -> str | None:
    """``--dsn`` > ``$HYROX_DRIFT_DSN``; None when neither is set."""
    return given or environ.get(DSN_ENV, "").strip() or None
