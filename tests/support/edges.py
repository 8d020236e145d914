"""The edges of every column, as a table's contract (or the catalog it is read from) describes
them, and how the upgrade data set is made to hold them.

An edge is a value a migration must carry or refuse loudly: NULL for a nullable column; both
booleans; every value of a CHECK vocabulary (``col = ANY (ARRAY[...])``, PostgreSQL's form of
``IN (...)``); the ends of a CHECK range (``col >= a``, ``col <= b``; ``>`` and ``<`` give the
next value inside); the largest value of a ``numeric(p,s)`` or integer column without an upper
CHECK; for free text, the shortest value a ``char_length`` CHECK allows and a long one (10,000
characters, beyond any plausible ``varchar(n)``, or the CHECK's cap). A status-like vocabulary
(a column named ``status`` or ``*_status``) of an athlete-owned table, and soft deletion
(``deleted_at`` set), are edges of every athlete of the data set, not just of the table.

The same derivation serves the fill (from the catalog of the database at N-1, which is the
state the migration under test meets: a vocabulary value N removes is still there) and the test
that the fill covers the edges (tests/test_upgrade_edges.py, from the committed contract).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

import hyrox_schema.contract as contract
from hyrox_schema.contract import model

log = logging.getLogger(__name__)

Conn = psycopg.Connection[Any]

LONG_TEXT = 10_000
"""Characters of the long text edge: beyond any plausible varchar limit."""
SOFT_DELETED_AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
"""``deleted_at`` of a row the fill soft-deletes (a fixed value: the fill is deterministic)."""
TYPE_MAX = {"integer": Decimal(2**31 - 1), "smallint": Decimal(2**15 - 1)}
STEP_TYPES = {"integer", "smallint", "bigint"}
TEXT_TYPES = re.compile(r"^(text|character varying(\((?P<n>\d+)\))?)$")
NUMERIC = re.compile(r"^numeric\((?P<p>\d+),(?P<s>\d+)\)$")
VOCABULARY = re.compile(r"(?<![\w.])(?P<col>\w+) = ANY \(ARRAY\[(?P<values>[^\]]*)\]\)")
VALUE = re.compile(r"'(?P<v>(?:[^']|'')*)'::[\w ]+")
RANGE = re.compile(
    r"(?<![\w.:])(?P<col>\w+) (?P<op>>=|<=|>|<) "
    r"(?P<lit>'(?:[^']|'')*'::[\w ]+|-?\d+(?:\.\d+)?(?:::\w+)?)(?![\w(])"
)
LENGTH = re.compile(r"char_length\((?P<col>\w+)\) (?P<op>>=|<=|>|<) (?P<n>\d+)")
STATUS_LIKE = re.compile(r"^(status|\w+_status)$")


@dataclass(frozen=True)
class Column:
    """A column as the contract shows it."""

    name: str
    type: str
    nullable: bool


@dataclass(frozen=True)
class Shape:
    """A table's columns (generated ones left out) and its CHECK constraints by name."""

    table: str
    columns: dict[str, Column]
    checks: dict[str, str]

    @property
    def owner_column(self) -> str | None:
        """The athlete an owned row belongs to (None: a reference table)."""
        if self.table == "public.athlete_profiles":
            return "id"
        return "athlete_id" if "athlete_id" in self.columns else None


@dataclass(frozen=True)
class Edge:
    """One edge of a column: what it is, the predicate that finds it, the values that make it."""

    table: str
    column: str
    what: str
    values: tuple[Any, ...]
    """Values that make the edge (the first one the constraints accept is used)."""
    predicate: sql.Composable
    per_athlete: bool = False

    def __str__(self) -> str:
        scope = " of every athlete" if self.per_athlete else ""
        return f"{self.table}.{self.column}: {self.what}{scope}"


def _literal(text: str, column: Column) -> Any:  # noqa: ANN401 - a column value
    """A CHECK's literal as a Python value of the column's type."""
    found = VALUE.fullmatch(text)
    raw = found["v"].replace("''", "'") if found else text.split("::")[0]
    if column.type == "date":
        return date.fromisoformat(raw)
    if column.type in STEP_TYPES:
        return int(raw)
    return Decimal(raw) if found is None else raw


def _step(column: Column) -> Any:  # noqa: ANN401 - the type's smallest step
    numeric = NUMERIC.match(column.type)
    if numeric:
        return Decimal(1).scaleb(-int(numeric["s"]))
    if column.type == "date":
        return timedelta(days=1)
    return 1 if column.type in STEP_TYPES else Decimal("0.01")


def vocabulary(shape: Shape, column: str) -> list[str]:
    """Every value the CHECKs list for ``column`` (union over every vocabulary CHECK)."""
    values: list[str] = []
    for definition in shape.checks.values():
        for found in VOCABULARY.finditer(definition):
            if found["col"] == column:
                values += [v["v"].replace("''", "'") for v in VALUE.finditer(found["values"])]
    return list(dict.fromkeys(values))


def _bounds(shape: Shape, column: Column) -> tuple[Any, Any]:
    """The lowest and highest value the CHECK ranges allow (None when not bounded)."""
    low = high = None
    for definition in shape.checks.values():
        for found in RANGE.finditer(definition):
            if found["col"] != column.name:
                continue
            value = _literal(found["lit"], column)
            if found["op"] == ">":
                value += _step(column)
            elif found["op"] == "<":
                value -= _step(column)
            if found["op"].startswith(">"):
                low = value if low is None else max(low, value)
            else:
                high = value if high is None else min(high, value)
    return low, high


def _lengths(shape: Shape, column: str) -> tuple[int | None, int | None]:
    """The shortest and longest ``char_length`` the CHECKs allow."""
    low = high = None
    for definition in shape.checks.values():
        for found in LENGTH.finditer(definition):
            if found["col"] != column:
                continue
            n = int(found["n"]) + {">": 1, "<": -1}.get(found["op"], 0)
            if found["op"].startswith(">"):
                low = n if low is None else max(low, n)
            else:
                high = n if high is None else min(high, n)
    return low, high


def texts(length: int) -> tuple[str, ...]:
    """Text values of exactly ``length`` characters, tried in order (one fits any CHECK of the
    schema: prose, an https URL, a lowercase code)."""
    prose = "Sled push felt heavy, wall balls unbroken. " * (length // 40 + 1)
    url = "https://example.com/" + "a" * length
    return (prose[:length], url[:length], "a" * length)


def edges_of(shape: Shape) -> list[Edge]:
    """Every edge of every column of ``shape``."""
    found: list[Edge] = []
    owned = shape.owner_column is not None
    for column in shape.columns.values():
        ident = sql.Identifier(column.name)

        def edge(
            what: str,
            values: Iterable[Any],
            predicate: sql.Composable,
            per: bool = False,
            name: str = column.name,
        ) -> None:
            found.append(Edge(shape.table, name, what, tuple(values), predicate, per))

        if column.nullable:
            edge("NULL", [None], sql.SQL("{} is null").format(ident))
        if column.name == "deleted_at" and owned:
            edge(
                "soft-deleted (deleted_at set)",
                [SOFT_DELETED_AT],
                sql.SQL("{} is not null").format(ident),
                per=True,
            )
        if column.type == "boolean":
            for value in (True, False):
                edge(str(value).lower(), [value], sql.SQL("{} = {}").format(ident, value))
            continue
        words = vocabulary(shape, column.name)
        per = owned and bool(STATUS_LIKE.match(column.name))
        for word in words:
            edge(repr(word), [word], sql.SQL("{} = {}").format(ident, sql.Literal(word)), per)
        if words:
            continue
        text = TEXT_TYPES.match(column.type)
        if text:
            shortest, longest = _lengths(shape, column.name)
            cap = int(text["n"]) if text["n"] else None
            longest = min(n for n in (longest, cap, LONG_TEXT) if n is not None)
            if shortest is not None and shortest > 0:
                edge(
                    f"{shortest} characters (shortest allowed)",
                    texts(shortest),
                    sql.SQL("char_length({}) = {}").format(ident, shortest),
                )
            edge(
                f"{longest} characters (longest)",
                texts(longest),
                sql.SQL("char_length({}) >= {}").format(ident, longest),
            )
            continue
        if column.type in STEP_TYPES or NUMERIC.match(column.type) or column.type == "date":
            low, high = _bounds(shape, column)
            if high is None:
                numeric = NUMERIC.match(column.type)
                if numeric:
                    high = Decimal(10) ** (int(numeric["p"]) - int(numeric["s"])) - _step(column)
                else:
                    high = TYPE_MAX.get(column.type)
                    high = int(high) if high is not None else None
            for label, value in (("min", low), ("max", high)):
                if value is not None:
                    edge(
                        f"{label} {value}",
                        [value],
                        sql.SQL("{} = {}").format(ident, sql.Literal(value)),
                    )
    return found


def status_vocabularies(shape: Shape) -> dict[str, list[str]]:
    """The status-like columns of an athlete-owned table with every value they may take."""
    if shape.owner_column is None:
        return {}
    return {
        name: vocabulary(shape, name)
        for name in shape.columns
        if STATUS_LIKE.match(name) and vocabulary(shape, name)
    }


# --------------------------------------------------------------------------- shapes


def contract_tables() -> list[str]:
    """The qualified names of the committed contract's tables (``public.<name>``)."""
    return sorted(
        path.removeprefix("tables/").removesuffix(".txt")
        for path in contract.load().files
        if path.startswith("tables/")
    )


@cache
def contract_shape(table: str) -> Shape:
    """``table``'s (``public.<name>``) shape from the committed contract, read once."""
    return shape_of_contract(table, contract.load().files[f"tables/{table}.txt"])


def shape_of_contract(table: str, text: str) -> Shape:
    """A table's shape from its contract file (``contract/tables/<table>.txt``)."""
    columns: dict[str, Column] = {}
    checks: dict[str, str] = {}
    for block in model.parse(text, source=table):
        if block.kind == "column" and block.get("generated") in (None, "none"):
            columns[block.name] = Column(block.name, block["type"], block["not null"] == "no")
        elif block.kind == "constraint" and block.get("kind") == "check":
            checks[block.name] = block["definition"]
    return Shape(table, columns, checks)


SHAPES_QUERY = """
select format('%I.%I', n.nspname, c.relname) as tab,
  (select coalesce(jsonb_agg(jsonb_build_array(a.attname, format_type(a.atttypid, a.atttypmod),
      not a.attnotnull) order by a.attnum), '[]')
   from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
     and a.attgenerated = '') as columns,
  (select coalesce(jsonb_object_agg(k.conname, pg_get_constraintdef(k.oid, true)), '{}')
   from pg_constraint k where k.conrelid = c.oid and k.contype = 'c') as checks
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'public' and c.relkind in ('r', 'p')
order by c.relname
"""


def shapes_of_catalog(conn: Conn) -> list[Shape]:
    """Every public table's shape, read from the database (the fill: the state at N-1)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        rows = cur.execute(SHAPES_QUERY).fetchall()
    return [
        Shape(table, {n: Column(n, t, nullable) for n, t, nullable in columns}, dict(checks))
        for table, columns, checks in rows
    ]


# --------------------------------------------------------------------------- filling


@dataclass
class EdgeFill:
    """What :func:`fill` did: edges found already, edges made, edges it could not make."""

    present: int = 0
    made: int = 0
    updates: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)


def _table(table: str) -> sql.Composable:
    schema, name = table.split(".")
    return sql.Identifier(schema, name)


def _scalar(conn: Conn, query: sql.Composable, params: Sequence[Any] = ()) -> Any:  # noqa: ANN401
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(query, params or None).fetchone()
    return None if row is None else row[0]


def fill(
    conn: Conn,
    owners: Sequence[Any],
    athletes: Sequence[Any],
    created: dict[str, set[Any]],
) -> EdgeFill:
    """Make the data hold every edge of every public table, by changing only rows the fill
    made: rows of ``owners`` (athlete ids), per-athlete edges for each of ``athletes``, and the
    reference rows in ``created`` (table -> ids the fill inserted; seeded rows never change).
    A row that carries an edge already is kept as it is; others are updated one column at a
    time (with a companion column a CHECK ties to it), as the connection's user (postgres). An
    edge no row can take is reported and logged, not forced."""
    report = EdgeFill()
    for shape in shapes_of_catalog(conn):
        _fill_table(conn, shape, owners, athletes, created.get(shape.table, set()), report)
    for line in report.unreachable:
        log.warning("upgrade fill: cannot make edge %s", line)
    return report


def _fill_table(
    conn: Conn,
    shape: Shape,
    owners: Sequence[Any],
    athletes: Sequence[Any],
    created: set[Any],
    report: EdgeFill,
) -> None:
    owner = shape.owner_column
    table = _table(shape.table)
    with conn.cursor(row_factory=tuple_row) as cur:
        if owner:
            query = sql.SQL("select id, {o} from {t} where {o} = any(%s) order by ctid")
            params = [list(owners)]
        else:
            query = sql.SQL("select id, null from {t} where id = any(%s) order by ctid")
            params = [list(created)]
        rows = cur.execute(query.format(o=sql.Identifier(owner or "id"), t=table), params)
        rows = rows.fetchall()
    pinned: set[tuple[Any, str]] = set()
    held: list[tuple[sql.Composable, list[Any]]] = []
    missing: list[tuple[Edge, Any]] = []
    for edge in edges_of(shape):
        for scope in athletes if edge.per_athlete else [None]:
            where = sql.SQL("({})").format(edge.predicate)
            params = []
            if scope is not None:
                where += sql.SQL(" and {} = %s").format(sql.Identifier(owner or "id"))
                params.append(scope)
            carrier = _scalar(
                conn,
                sql.SQL("select id from {} where {} order by ctid limit 1").format(table, where),
                params,
            )
            if carrier is not None:
                pinned.add((carrier, edge.column))
                held.append((where, params))
                report.present += 1
            else:
                missing.append((edge, scope))
    for edge, scope in missing:
        candidates = [r[0] for r in rows if scope is None or r[1] == scope]
        if _make(conn, shape, edge, candidates, pinned) or _make_checked(
            conn, shape, edge, candidates, held
        ):
            report.made += 1
            report.updates.append(str(edge))
        else:
            whose = f" (athlete {scope})" if scope is not None else ""
            report.unreachable.append(f"{edge}{whose}")


def set_value(conn: Conn, shape: Shape, row_id: Any, column: str, value: Any) -> bool:  # noqa: ANN401
    """Set one column of one row to ``value`` (with a companion column a CHECK ties to it when
    needed), as the connection's user; whether the constraints and triggers accepted it."""
    return any(
        _try_update(conn, shape.table, row_id, changes)
        for changes in _change_sets(conn, shape, column, value)
    )


def _make(
    conn: Conn, shape: Shape, edge: Edge, candidates: list[Any], pinned: set[tuple[Any, str]]
) -> bool:
    """Update the first candidate row that takes the edge, else add a copy of one with the
    edge (rows carrying other edges are all taken); pin what it changed."""
    for row_id in candidates:
        if (row_id, edge.column) in pinned:
            continue
        for value in edge.values:
            for changes in _change_sets(conn, shape, edge.column, value):
                if any(
                    (row_id, c) in pinned and _current(conn, shape, row_id, c) != v
                    for c, v in changes.items()
                    if c != edge.column
                ):
                    continue
                if _try_update(conn, shape.table, row_id, changes):
                    pinned.update((row_id, c) for c in changes)
                    return True
    for row_id in candidates:
        for value in edge.values:
            for changes in _change_sets(conn, shape, edge.column, value):
                copy = _try_copy(conn, shape, row_id, changes)
                if copy is not None:
                    pinned.update((copy, c) for c in shape.columns)
                    return True
    return False


class _LostEdge(Exception):
    """An update took an edge another row no longer carries (rolled back)."""


def _make_checked(
    conn: Conn,
    shape: Shape,
    edge: Edge,
    candidates: list[Any],
    held: list[tuple[sql.Composable, list[Any]]],
) -> bool:
    """Update any candidate row, even one carrying edges, if every edge the table held before
    is still held afterwards (checked inside a savepoint, rolled back otherwise)."""
    table = _table(shape.table)
    for row_id in candidates:
        for value in edge.values:
            for changes in _change_sets(conn, shape, edge.column, value):
                try:
                    with conn.transaction():
                        if not _try_update(conn, shape.table, row_id, changes):
                            continue
                        for where, params in held:
                            query = sql.SQL("select exists (select from {} where {})")
                            if not _scalar(conn, query.format(table, where), params):
                                raise _LostEdge
                except _LostEdge:
                    continue
                return True
    return False


def _current(conn: Conn, shape: Shape, row_id: Any, column: str) -> Any:  # noqa: ANN401
    """A row's value of one column."""
    query = sql.SQL("select {} from {} where id = %s").format(
        sql.Identifier(column), _table(shape.table)
    )
    return _scalar(conn, query, [row_id])


def _try_copy(conn: Conn, shape: Shape, row_id: Any, changes: dict[str, Any]) -> Any:  # noqa: ANN401
    """Insert a copy of a row (a new id, ``changes`` applied) in a savepoint: its id, or None
    when a constraint or trigger refused it."""
    columns = [c for c in shape.columns if c != "id"]
    values = [sql.Placeholder() if c in changes else sql.Identifier(c) for c in columns]
    query = sql.SQL(
        "insert into {t} ({cols}) select {vals} from {t} where id = %s returning id"
    ).format(
        t=_table(shape.table),
        cols=sql.SQL(", ").join(map(sql.Identifier, columns)),
        vals=sql.SQL(", ").join(values),
    )
    try:
        with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
            row = cur.execute(query, [*(changes[c] for c in columns if c in changes), row_id])
            return row.fetchone()[0]  # type: ignore[index]
    except (psycopg.errors.IntegrityError, psycopg.errors.DataError, psycopg.errors.RaiseException):
        return None


def _change_sets(conn: Conn, shape: Shape, column: str, value: Any) -> Iterator[dict[str, Any]]:  # noqa: ANN401
    """The column alone first, then with one companion column of a CHECK that names it set to
    NULL, a vocabulary value, or a value another row has."""
    yield {column: value}
    for definition in shape.checks.values():
        named = set(re.findall(r"\b\w+\b", definition)) & set(shape.columns) - {column}
        if column not in re.findall(r"\b\w+\b", definition):
            continue
        for companion in sorted(named):
            for other in _companion_values(conn, shape, companion):
                yield {column: value, companion: other}


def _companion_values(conn: Conn, shape: Shape, column: str) -> list[Any]:
    kind = shape.columns[column].type
    values: list[Any] = [None, *vocabulary(shape, column)]
    if kind.startswith("timestamp"):
        values.append(SOFT_DELETED_AT)
    existing = _scalar(
        conn,
        sql.SQL("select {c} from {t} where {c} is not null limit 1").format(
            c=sql.Identifier(column), t=_table(shape.table)
        ),
    )
    if existing is not None and not kind.startswith("json"):
        values.append(existing)
    return values


def _try_update(conn: Conn, table: str, row_id: Any, changes: dict[str, Any]) -> bool:  # noqa: ANN401
    """One UPDATE in a savepoint: whether the constraints and triggers accepted it."""
    query = sql.SQL("update {} set {} where id = %s").format(
        _table(table),
        sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in changes),
    )
    try:
        with conn.transaction():
            conn.execute(query, [*changes.values(), row_id])
    except (psycopg.errors.IntegrityError, psycopg.errors.DataError, psycopg.errors.RaiseException):
        return False
    return True
