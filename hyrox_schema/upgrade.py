"""Upgrades keep the data: fill a database, migrate it, prove every row survived.

A migration that changes existing rows on purpose declares it, one line per change, anywhere in
the file (by convention in its header, where review sees it)::

    -- data-change: drop-column public.workout_logs.notes -- moved to workout_notes (row kept)
    -- data-change: rewrite public.goals.status -- 'abandoned' renamed 'dropped'
    -- data-change: delete public.messages -- test rows of the beta removed
    -- data-change: insert public.exercise_library -- the new stations' exercises
    -- data-change: drop-table public.old_table -- replaced by new_table
    -- data-change: narrow public.workout_logs.notes -- capped at 100 characters

``rewrite``, ``drop-column`` and ``narrow`` take ``schema.table.column``, the others
``schema.table``; the part after ``--`` (why) is required (the grammar: hyrox_schema/hatches.py).
``narrow`` declares a narrowing of accepted input (a smaller type, a vocabulary value removed, a
NOT NULL added), which tests/test_weakenings.py otherwise refuses; it exempts no row.
Without a declaration the upgrade test demands, per table,
the same row count and the same rows (a hash of every column that existed before) after the
migration as before it; new columns are not compared.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from hyrox_schema.chain import Migration
from hyrox_schema.hatches import COLUMN_KINDS, DECLARATION, DECLARATION_BODY, KINDS
from hyrox_schema.impersonation import acting_as, athlete_claims
from hyrox_schema.loaders import execute_script
from hyrox_schema.paths import load_repo_module

Conn = psycopg.Connection[Any]
log = logging.getLogger(__name__)
Kind = Literal["rewrite", "drop-column", "narrow", "delete", "insert", "drop-table"]
# Kinds whose column the row comparison leaves out (its values change or go on purpose).
EXEMPT_COLUMN_KINDS = frozenset({"rewrite", "drop-column"})
# Tables outside public whose rows a migration must not touch either.
EXTRA_TABLES = ("auth.users",)
# The filler's athletes sign up with this e-mail domain (so the data can be removed again).
FILLER_DOMAIN = "upgrade.example"
FILLER_ATHLETES = 4


class DeclarationError(ValueError):
    """A ``-- data-change:`` line that does not parse or names nothing that exists."""


@dataclass(frozen=True)
class DataChange:
    """One declared, intended change to existing rows."""

    kind: Kind
    table: str
    column: str | None
    reason: str
    where: str


def declared_changes(migration: Migration) -> list[DataChange]:
    """The ``-- data-change:`` lines of a migration, parsed (a malformed one raises)."""
    changes = []
    for number, line in enumerate(migration.text.splitlines(), start=1):
        found = DECLARATION.match(line)
        if found is None:
            continue
        where = f"{migration.name}:{number}"
        body = DECLARATION_BODY.match(found["rest"])
        if body is None or body["kind"] not in KINDS:
            raise DeclarationError(
                f"{where}: cannot read {line.strip()!r}; write `-- data-change: <kind> "
                f"<schema.table[.column]> -- <why>` with kind one of {', '.join(sorted(KINDS))}"
            )
        parts = body["target"].split(".")
        needs_column = body["kind"] in COLUMN_KINDS
        if needs_column != (len(parts) == 3):
            shape = "schema.table.column" if needs_column else "schema.table"
            raise DeclarationError(f"{where}: {body['kind']} takes {shape}, got {body['target']}")
        changes.append(
            DataChange(
                kind=body["kind"],  # type: ignore[arg-type]  # checked against KINDS
                table=f"{parts[0]}.{parts[1]}",
                column=parts[2] if needs_column else None,
                reason=body["reason"].strip(),
                where=where,
            )
        )
    return changes


# --------------------------------------------------------------------------- snapshots


@dataclass
class TableRows:
    """A table's columns and, per row, an md5 of each column's value."""

    columns: tuple[str, ...]
    rows: list[dict[str, str]]

    def count(self) -> int:
        """Row count."""
        return len(self.rows)

    def multiset(self, columns: Sequence[str]) -> Counter[tuple[str, ...]]:
        """The rows projected on ``columns``, as a multiset."""
        return Counter(tuple(row.get(c, "") for c in columns) for row in self.rows)


Snapshot = dict[str, TableRows]


def data_tables(conn: Conn) -> list[str]:
    """Every ordinary table of schema public, plus auth.users (qualified names)."""
    rows = rows_of(
        conn,
        "select format('%I.%I', schemaname, tablename) from pg_tables"
        " where schemaname = 'public' order by tablename",
    )
    return [r[0] for r in rows] + list(EXTRA_TABLES)


def snapshot(conn: Conn, tables: Iterable[str] | None = None) -> Snapshot:
    """Every row of every data table, as per-column value hashes: ``md5`` of the value as
    jsonb text (``'null'`` for NULL), what the value reads as in ``to_jsonb(row)``."""
    result: Snapshot = {}
    with conn.cursor(row_factory=tuple_row) as cur:
        for table in tables if tables is not None else data_tables(conn):
            schema, name = table.split(".")
            cur.execute(
                "select array_agg(attname::text order by attnum) from pg_attribute"
                " where attrelid = %s::regclass and attnum > 0 and not attisdropped",
                (table,),
            )
            columns = tuple(cur.fetchone()[0])  # type: ignore[index]
            cur.execute(
                sql.SQL("select {} from {}.{} as t").format(
                    sql.SQL(", ").join(
                        sql.SQL("md5(coalesce(to_jsonb(t.{}), 'null')::text)").format(
                            sql.Identifier(column)
                        )
                        for column in columns
                    ),
                    sql.Identifier(schema),
                    sql.Identifier(name),
                )
            )
            result[table] = TableRows(
                columns, [dict(zip(columns, row, strict=True)) for row in cur]
            )
    return result


@dataclass
class Comparison:
    """Rows per table before and after, and what changed without being declared."""

    counts: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)

    @property
    def rows_carried(self) -> int:
        """Rows that existed before the upgrade (all carried through when no findings)."""
        return sum(before for before, _ in self.counts.values())


def validate(changes: Iterable[DataChange], before: Snapshot) -> list[str]:
    """Declarations that name a table or column the database at N-1 does not have."""
    problems = []
    for change in changes:
        table = before.get(change.table)
        if table is None:
            problems.append(f"{change.where}: declares {change.kind} of {change.table}, no table")
        elif change.column is not None and change.column not in table.columns:
            problems.append(
                f"{change.where}: declares {change.kind} of {change.table}.{change.column},"
                " no such column"
            )
    return problems


def compare(before: Snapshot, after: Snapshot, changes: Sequence[DataChange]) -> Comparison:
    """Every row of ``before`` must be in ``after`` unchanged, unless a change declares it."""
    result = Comparison(findings=validate(changes, before))
    for table, old in before.items():
        declared = {(c.kind, c.column) for c in changes if c.table == table}
        new = after.get(table)
        if new is None:
            result.counts[table] = (old.count(), None)
            if ("drop-table", None) not in declared:
                result.findings.append(
                    f"{table}: table dropped, {old.count()} rows lost; the migration declares "
                    f"no `-- data-change: drop-table {table} -- <why>`"
                )
            continue
        result.counts[table] = (old.count(), new.count())
        skipped = {column for kind, column in declared if kind in EXEMPT_COLUMN_KINDS}
        kept = [c for c in old.columns if c not in skipped]
        null = null_hash()
        for column in (c for c in kept if c not in new.columns):
            values = sum(1 for row in old.rows if row.get(column, null) != null)
            result.findings.append(
                f"{table}.{column}: column dropped, {values} non-null values lost; the migration "
                f"declares no `-- data-change: drop-column {table}.{column} -- <why>`"
            )
        present = [c for c in kept if c in new.columns]
        lost = old.multiset(present) - new.multiset(present)
        added = new.multiset(present) - old.multiset(present)
        rewritten = min(sum(lost.values()), sum(added.values()))
        if rewritten and ("rewrite", None) not in declared:
            result.findings.append(
                f"{table}: {rewritten} rows changed in columns "
                f"{_changed_columns(old, new, present)}; the migration declares no "
                f"`-- data-change: rewrite {table}.<column> -- <why>`"
            )
        if sum(lost.values()) > rewritten and ("delete", None) not in declared:
            result.findings.append(
                f"{table}: {sum(lost.values()) - rewritten} rows deleted; the migration declares "
                f"no `-- data-change: delete {table} -- <why>`"
            )
        if sum(added.values()) > rewritten and ("insert", None) not in declared:
            result.findings.append(
                f"{table}: {sum(added.values()) - rewritten} rows added; the migration declares "
                f"no `-- data-change: insert {table} -- <why>`"
            )
    return result


def touched(change: DataChange, before: Snapshot, after: Snapshot) -> str:
    """What a declared change did to the upgrade data set, measured (for the PR summary):
    the target's rows before and after, and the rows or values it deleted, added or changed."""
    old, new = before.get(change.table), after.get(change.table)
    if old is None:
        return f"{change.table}: no such table in the upgrade data"
    total = old.count()
    if new is None:
        return f"{total} of {total} rows of {change.table} (table dropped)"
    if change.column is None:
        present = [c for c in old.columns if c in new.columns]
        lost = sum((old.multiset(present) - new.multiset(present)).values())
        added = sum((new.multiset(present) - old.multiset(present)).values())
        share = " (every row)" if lost and lost == total else ""
        return (
            f"{lost} of {total} rows of {change.table} deleted or changed{share}, {added} added"
            f" ({total} -> {new.count()} rows)"
        )
    null = null_hash()
    values = sum(1 for row in old.rows if row.get(change.column, null) != null)
    if change.column not in new.columns:
        return f"{values} non-null values of {change.table}.{change.column} dropped ({total} rows)"
    column = [change.column]
    changed = sum((old.multiset(column) - new.multiset(column)).values())
    return (
        f"{changed} of {total} rows of {change.table} changed in {change.column} "
        f"({values} non-null values before)"
    )


def null_hash() -> str:
    """What ``md5(value::text)`` gives for a null value (jsonb ``null``)."""
    return hashlib.md5(b"null").hexdigest()


def _changed_columns(old: TableRows, new: TableRows, columns: Sequence[str]) -> str:
    """The columns whose values differ as multisets (the suspects of a rewrite)."""
    changed = [
        c
        for c in columns
        if Counter(r.get(c) for r in old.rows) != Counter(r.get(c) for r in new.rows)
    ]
    return ", ".join(changed) or "(a combination)"


# --------------------------------------------------------------------------- filled database


@dataclass(frozen=True)
class Owner:
    """An athlete of the filled database: the auth user id and the profile id."""

    user_id: Any
    athlete_id: Any


Filler = Callable[[Conn, int], list[Owner]]
"""Fills a database with several athletes' data (seeded) and returns the owners: the upgrade
data set, ``fill`` in tests/support/upgrade_fill.py (test data, built with the factories)."""
FILL_MODULE = "tests/support/upgrade_fill.py"


def repo_filler() -> Filler:
    """The repository's upgrade data set (:data:`FILL_MODULE`), loaded from its file: this
    package imports neither ``tests`` nor ``factories`` (README "What's here")."""
    return load_repo_module(FILL_MODULE).fill


def remove_filler(conn: Conn, seeded: Snapshot) -> None:
    """Delete the filler's data again: its auth users (cascading to everything they own) and
    the reference rows it created (those not in ``seeded``)."""
    conn.execute("delete from auth.users where email like %s", (f"%@{FILLER_DOMAIN}",))
    for table in ("public.achievement_definitions", "public.exercise_library"):
        if table in seeded and to_regclass(conn, table):
            keep = [row["id"] for row in seeded[table].rows]
            conn.execute(
                sql.SQL("delete from {} where md5(to_jsonb(id)::text) <> all(%s)").format(
                    sql.SQL(table)
                ),
                (keep,),
            )


def to_regclass(conn: Conn, table: str) -> bool:
    """The table exists."""
    return bool(rows_of(conn, "select to_regclass(%s) is not null", (table,))[0][0])


def rows_of(conn: Conn, query: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
    """Tuple rows, whatever the connection's row factory."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(query, params or None)  # type: ignore[arg-type]  # module constants
        return cur.fetchall()


# --------------------------------------------------------------------------- RLS on upgraded rows


def owned_tables(conn: Conn) -> list[tuple[str, str]]:
    """Tables of public an athlete owns rows in, with the owner column (catalog-driven)."""
    rows = rows_of(
        conn,
        "select c.relname::text, a.attname::text from pg_class c"
        " join pg_attribute a on a.attrelid = c.oid"
        " where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')"
        "   and (a.attname = 'athlete_id' or (c.relname = 'athlete_profiles' and a.attname = 'id'))"
        "   and not a.attisdropped order by 1",
    )
    return [(r[0], r[1]) for r in rows]


def isolation_failures(conn: Conn, owners: Sequence[Owner]) -> list[str]:
    """Each owner sees exactly their rows of every owned table; nobody sees another's."""
    queries = {
        table: sql.SQL("select {c} as owner, count(*) as n from public.{t} group by 1").format(
            c=sql.Identifier(column), t=sql.Identifier(table)
        )
        for table, column in owned_tables(conn)
    }
    with conn.cursor(row_factory=tuple_row) as cur:
        truth = {table: dict(cur.execute(query).fetchall()) for table, query in queries.items()}
    seen: dict[tuple[Any, str], dict[Any, int]] = {}
    for owner in owners:  # one request per athlete, reading every table
        with (
            acting_as(conn, athlete_claims(owner.user_id)),
            conn.cursor(row_factory=tuple_row) as cur,
        ):
            for table, query in queries.items():
                seen[owner.athlete_id, table] = dict(cur.execute(query).fetchall())
    failures = []
    for table in queries:
        for owner in owners:
            visible = seen[owner.athlete_id, table]
            own = truth[table].get(owner.athlete_id, 0)
            if visible.get(owner.athlete_id, 0) != own:
                failures.append(
                    f"public.{table}: athlete {owner.athlete_id} sees "
                    f"{visible.get(owner.athlete_id, 0)} of their {own} rows"
                )
            foreign = {k: v for k, v in visible.items() if k != owner.athlete_id}
            if foreign:
                failures.append(
                    f"public.{table}: athlete {owner.athlete_id} sees {sum(foreign.values())} rows"
                    " of other athletes"
                )
    return failures


# --------------------------------------------------------------------------- the upgrade build


def apply(conn: Conn, migrations: Iterable[Migration]) -> None:
    """Run migrations in order, each whole, as the layers do."""
    for migration in migrations:
        execute_script(conn, migration.path)


def build_upgraded(
    conn: Conn,
    chain: Sequence[Migration],
    base: int,
    seeds: Iterable[Path],
    fill: Filler | None = None,
) -> None:
    """The after layer through the upgrade path: the chain up to ``base``, the seeds, filled
    data, the newer migrations; the rows are checked (a finding fails the layer build, naming
    it) and the filler's data removed, so the tests run on the upgraded schema. ``fill``:
    the repository's data set (:func:`repo_filler`) unless given."""
    apply(conn, (m for m in chain if m.number <= base))
    for path in seeds:
        execute_script(conn, path)
    seeded = snapshot(conn)
    (fill or repo_filler())(conn, base)
    before = snapshot(conn)
    newer = [m for m in chain if m.number > base]
    apply(conn, newer)
    changes = [c for m in newer for c in declared_changes(m)]
    findings = compare(before, snapshot(conn), changes).findings
    if findings:
        raise AssertionError(
            "the upgrade lost or altered rows it does not declare:\n  " + "\n  ".join(findings)
        )
    remove_filler(conn, seeded)
