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
``schema.table``; the part after ``--`` (why) is required (the grammar: tests/support/hatches.py).
``narrow`` declares a narrowing of accepted input (a smaller type, a vocabulary value removed, a
NOT NULL added), which tests/test_weakenings.py otherwise refuses; it exempts no row.
Without a declaration the upgrade test demands, per table,
the same row count and the same rows (a hash of every column that existed before) after the
migration as before it; new columns are not compared.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from tests.support.chain import Migration
from tests.support.hatches import COLUMN_KINDS, DECLARATION, DECLARATION_BODY, KINDS
from tests.support.impersonation import acting_as, athlete_claims

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
    rows = _rows(
        conn,
        "select format('%I.%I', schemaname, tablename) from pg_tables"
        " where schemaname = 'public' order by tablename",
    )
    return [r[0] for r in rows] + list(EXTRA_TABLES)


def snapshot(conn: Conn, tables: Iterable[str] | None = None) -> Snapshot:
    """Every row of every data table, as per-column value hashes."""
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
                sql.SQL(
                    "select (select jsonb_object_agg(key, md5(value::text))"
                    " from jsonb_each(to_jsonb(t))) from {}.{} as t"
                ).format(sql.Identifier(schema), sql.Identifier(name))
            )
            result[table] = TableRows(columns, [row[0] for row in cur.fetchall()])
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


REAL_RESULTS_SAMPLE = 12
"""How many real published results the filled database carries (plus the ones with gaps)."""


@dataclass(frozen=True)
class Owner:
    """An athlete of the filled database: the auth user id and the profile id."""

    user_id: Any
    athlete_id: Any


# Optional columns the graph builders leave empty, filled on one row of each athlete's data,
# so that dropping or rewriting any column of the schema visibly loses values.
OPTIONAL_VALUES = {
    ("athlete_profiles", "avatar_url"): "https://example.com/avatars/upgrade.png",
    ("benchmark_tests", "notes"): "Tested after an easy week.",
    ("race_results", "notes"): "Hot venue, slow sleds.",
    ("race_splits", "notes"): "Dropped the wall balls twice.",
    ("training_plan_days", "notes"): "Keep the heart rate under 150.",
    ("training_plan_weeks", "notes"): "Deload week.",
    ("workout_logs", "notes"): "Felt strong on the sled push.",
    ("personal_records", "notes"): "Fresh legs.",
}


def fill(conn: Conn, seed: int) -> list[Owner]:
    """Factory data for several athletes in every table: linked plan days and logs, chats,
    races with splits (one DNF, one DSQ), soft-deleted logs, plans and goals, records,
    benchmarks, achievements, every optional column used somewhere, inactive reference rows
    nobody uses; plus an athlete with no data. Then every column's edges (tests/support/edges.py,
    read from the catalog of this database: NULL, every vocabulary value, the range ends, long
    texts; every status and a soft-deleted row of each filler athlete). Tables and columns this
    database does not have (yet) are skipped. Returns the owners (the no-data athlete last)."""
    import factories.base as data_factories
    from factories.athletes import AthleteFactory, AuthUserFactory
    from factories.chat import MessageFactory
    from factories.graphs import populated_athlete, race_with_splits
    from factories.plans import TrainingPlanFactory
    from factories.records import GoalFactory, PersonalRecordFactory
    from factories.reference import AchievementDefinitionFactory, ExerciseFactory
    from factories.workouts import WorkoutLogFactory
    from tests.support import edges

    started = time.perf_counter()
    rows_before = _row_count(conn)
    reference = [s.table for s in edges.shapes_of_catalog(conn) if s.owner_column is None]
    seeded = {table: _ids(conn, table) for table in reference}
    data_factories.reseed(seed)
    owners = []
    with data_factories.bind(conn):
        for number in range(FILLER_ATHLETES):
            user = AuthUserFactory(email=f"athlete{number}@{FILLER_DOMAIN}")
            graph = populated_athlete(AthleteFactory(user=user, onboarded=True))
            athlete = graph.athlete
            WorkoutLogFactory(athlete=athlete, soft_deleted=True)
            TrainingPlanFactory(athlete=athlete, soft_deleted=True)
            GoalFactory(athlete=athlete, soft_deleted=True)
            GoalFactory(athlete=athlete, station_time=True)
            PersonalRecordFactory(athlete=athlete, free_text_exercise=True, improved=True)
            MessageFactory(conversation=graph.chat.conversation, rated=True)
            race_with_splits(athlete, **({"dnf": True} if number % 2 == 0 else {"dsq": True}))
            owners.append(Owner(user["id"], athlete["id"]))
        ExerciseFactory(video_url="https://example.com/videos/upgrade.mp4")
        # Reference rows retired and used by nobody: what a clean-up migration might delete.
        ExerciseFactory(retired=True)
        AchievementDefinitionFactory(is_active=False)
        real_results_sample(conn, owners)
        stranger = AuthUserFactory(email=f"stranger@{FILLER_DOMAIN}")
        owners.append(Owner(stranger["id"], AthleteFactory(user=stranger)["id"]))
    for (table, column), value in OPTIONAL_VALUES.items():
        if not has_column(conn, f"public.{table}", column):
            log.info("upgrade fill: public.%s.%s does not exist here, skipped", table, column)
            continue
        conn.execute(
            sql.SQL(
                "update public.{t} set {c} = %s where id in"
                " (select distinct on ({o}) id from public.{t} order by {o}, id)"
            ).format(
                t=sql.Identifier(table),
                c=sql.Identifier(column),
                o=sql.Identifier("id" if table == "athlete_profiles" else "athlete_id"),
            ),
            (value,),
        )
    made = edges.fill(
        conn,
        owners=[o.athlete_id for o in owners],
        athletes=[o.athlete_id for o in owners[:FILLER_ATHLETES]],
        created={table: _ids(conn, table) - ids for table, ids in seeded.items()},
    )
    log.info(
        "upgrade fill: %d rows added in %.2f s; edges: %d present, %d made, %d unreachable",
        _row_count(conn) - rows_before,
        time.perf_counter() - started,
        made.present,
        made.made,
        len(made.unreachable),
    )
    return owners


def _ids(conn: Conn, table: str) -> set[Any]:
    """The ids of a table's rows."""
    schema, name = table.split(".")
    query = sql.SQL("select id from {}").format(sql.Identifier(schema, name))
    return {row[0] for row in _rows(conn, query.as_string(conn))}


def _row_count(conn: Conn) -> int:
    """Rows in the data tables (public and auth.users)."""
    query = sql.SQL(" + ").join(
        sql.SQL("(select count(*) from {})").format(sql.Identifier(*table.split(".")))
        for table in data_tables(conn)
    )
    return int(_rows(conn, sql.SQL("select {}").format(query).as_string(conn))[0][0])


def has_column(conn: Conn, table: str, column: str) -> bool:
    """The table exists and has the column."""
    return bool(
        _rows(
            conn,
            "select exists (select from pg_attribute where attrelid = to_regclass(%s)"
            " and attname = %s and attnum > 0 and not attisdropped)",
            (table, column),
        )[0][0]
    )


def real_results_sample(conn: Conn, owners: Sequence[Owner]) -> int:
    """Real published results (tests/data/hyrox-results/) imported as ``owners[0]``, through
    RLS as the app imports them: a spread of Open and Doubles results from both events, gaps
    (unrecorded splits) and the longest age group included. Returns the rows added (a result
    and its 16 splits each)."""
    from tests.support import race_import

    results = race_import.fixture_results()
    gaps = [r for r in results if any(s is None for s in r.runs + r.stations)][:2]
    step = len(results) // REAL_RESULTS_SAMPLE
    # the longest text real data holds (age groups: the events' names are in every sample)
    longest = max(results, key=lambda r: len(r.age_group or ""))
    sample = list(dict.fromkeys([*results[::step][:REAL_RESULTS_SAMPLE], *gaps, longest]))
    report = race_import.import_results(conn, owners[0].user_id, sample, race_import.read_events())
    if report.refused:
        raise AssertionError(f"real results refused while filling: {report.refused}")
    return len(report.race_ids) * 17


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
    return bool(_rows(conn, "select to_regclass(%s) is not null", (table,))[0][0])


def _rows(conn: Conn, query: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
    """Tuple rows, whatever the connection's row factory."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(query, params or None)  # type: ignore[arg-type]  # module constants
        return cur.fetchall()


# --------------------------------------------------------------------------- RLS on upgraded rows


def owned_tables(conn: Conn) -> list[tuple[str, str]]:
    """Tables of public an athlete owns rows in, with the owner column (catalog-driven)."""
    rows = _rows(
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
    failures = []
    for table, column in owned_tables(conn):
        query = sql.SQL("select {c} as owner, count(*) as n from public.{t} group by 1").format(
            c=sql.Identifier(column), t=sql.Identifier(table)
        )
        with conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(query)
            truth = dict(cur.fetchall())
        for owner in owners:
            with (
                acting_as(conn, athlete_claims(owner.user_id)),
                conn.cursor(row_factory=tuple_row) as cur,
            ):
                cur.execute(query)
                seen = dict(cur.fetchall())
            own = truth.get(owner.athlete_id, 0)
            if seen.get(owner.athlete_id, 0) != own:
                failures.append(
                    f"public.{table}: athlete {owner.athlete_id} sees "
                    f"{seen.get(owner.athlete_id, 0)} of their {own} rows"
                )
            foreign = {k: v for k, v in seen.items() if k != owner.athlete_id}
            if foreign:
                failures.append(
                    f"public.{table}: athlete {owner.athlete_id} sees {sum(foreign.values())} rows"
                    " of other athletes"
                )
    return failures


# --------------------------------------------------------------------------- the upgrade build


def apply(conn: Conn, migrations: Iterable[Migration]) -> None:
    """Run migrations in order, each whole, as the layers do."""
    from tests.support.loaders import execute_script

    for migration in migrations:
        execute_script(conn, migration.path)


def build_upgraded(
    conn: Conn, chain: Sequence[Migration], base: int, seeds: Iterable[Path]
) -> None:
    """The after layer through the upgrade path: the chain up to ``base``, the seeds, filled
    data, the newer migrations; the rows are checked (a finding fails the layer build, naming
    it) and the filler's data removed, so the tests run on the upgraded schema."""
    from tests.support.loaders import execute_script

    apply(conn, (m for m in chain if m.number <= base))
    for path in seeds:
        execute_script(conn, path)
    seeded = snapshot(conn)
    fill(conn, seed=base)
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
