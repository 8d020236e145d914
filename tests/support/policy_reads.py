"""Which columns a row level security policy reads, and whether it admits rows beyond the owner's.

A policy expression is parsed with pglast (PostgreSQL's own parser, libpg_query), never matched
with a regex. Its top-level ``and`` conjuncts decide its reach: a conjunct that is the owner
test (``user_id = (select auth.uid())``, ``athlete_id = (select private.current_athlete_id())``,
design 5.1) bounds the whole expression to the owner's rows, and the other conjuncts can only
narrow it (``role = 'user'``, ``deleted_at is null``). Any other expression (``true``,
``owner or coach``, ``is_public``) admits rows of other owners: every column it reads decides
that access, directly, in a subquery, or in a function it calls (followed through SQL bodies by
parse tree, through other languages by a conservative textual rule), except the owner keys and
primary keys.

Column references are resolved conservatively: a qualified name to the relation of that alias
or name, an unqualified one to every relation in the expression (or function body) having a
column of that name, ``*`` to all their columns. Resolving too much can only make the rule
stricter, and ``tests/rls/test_access_deciding_columns.py`` checks that it never resolves less
than PostgreSQL records in pg_depend for the policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from pglast import ast, parse_sql
from pglast.enums import BoolExprType, SubLinkType
from pglast.parser import ParseError
from pglast.visitors import Ancestor, Visitor

Conn = psycopg.Connection[Any]

OWNER_KEYS: dict[str, str] = {"user_id": "auth.uid", "athlete_id": "private.current_athlete_id"}
"""Owner key column -> the identity function the owner test compares it with (design 5.1)."""
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema")
CALL = re.compile(r"\b([a-z_][a-z0-9_]*)\s*\.\s*([a-z_][a-z0-9_]*)\s*\(", re.IGNORECASE)
WORD = re.compile(r"[a-z_][a-z0-9_]*", re.IGNORECASE)

Column = tuple[str, str, str]
"""(schema, table, column)."""


@dataclass(frozen=True)
class Routine:
    """A function of a user schema, with its source text."""

    oid: int
    schema: str
    name: str
    language: str
    source: str
    security_definer: bool
    is_trigger: bool

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass
class Schema:
    """The catalog facts the analysis needs: relations, keys, functions."""

    columns: dict[tuple[str, str], tuple[str, ...]]
    primary_keys: dict[tuple[str, str], frozenset[str]]
    routines: dict[str, list[Routine]] = field(default_factory=dict)
    """By qualified and by bare name (both keys)."""

    def relations_named(self, schema: str | None, name: str) -> list[tuple[str, str]]:
        return [
            key for key in self.columns if key[1] == name and (schema is None or key[0] == schema)
        ]

    def excluded(self, column: Column) -> bool:
        """Owner keys and primary key columns never count as access-deciding."""
        schema, table, name = column
        return name in OWNER_KEYS or name in self.primary_keys.get((schema, table), frozenset())


def load_schema(conn: Conn) -> Schema:
    """Relations, primary keys and functions of every user schema."""
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        rows = cur.execute(
            """
            select n.nspname as schema, c.relname as table,
                   array_agg(a.attname::text order by a.attnum) as columns,
                   coalesce(array_agg(a.attname::text) filter (
                     where a.attnum = any(coalesce(pk.conkey, '{}'))), '{}') as pk
            from pg_class as c
            join pg_namespace as n on n.oid = c.relnamespace
            join pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            left join pg_constraint as pk on pk.conrelid = c.oid and pk.contype = 'p'
            where c.relkind in ('r', 'p', 'v', 'm', 'f')
              and n.nspname <> all(%s) and n.nspname not like 'pg\\_%%'
            group by n.nspname, c.relname
            """,
            (list(SYSTEM_SCHEMAS),),
        ).fetchall()
        schema = Schema(
            columns={(r["schema"], r["table"]): tuple(r["columns"]) for r in rows},
            primary_keys={(r["schema"], r["table"]): frozenset(r["pk"]) for r in rows},
        )
        for r in cur.execute(
            """
            select p.oid::int as oid, n.nspname as schema, p.proname as name,
                   l.lanname as language, p.prosrc as source, p.prosecdef as security_definer,
                   p.prorettype = 'trigger'::regtype as is_trigger
            from pg_proc as p
            join pg_namespace as n on n.oid = p.pronamespace
            join pg_language as l on l.oid = p.prolang
            where n.nspname <> all(%s) and n.nspname not like 'pg\\_%%'
              and not exists (select from pg_depend as d
                              where d.classid = 'pg_proc'::regclass and d.objid = p.oid
                                and d.deptype = 'e')
            """,
            (list(SYSTEM_SCHEMAS),),
        ).fetchall():
            routine = Routine(**r)
            schema.routines.setdefault(routine.qualified, []).append(routine)
            schema.routines.setdefault(routine.name, []).append(routine)
    return schema


@dataclass
class Reads:
    """What an expression or a function body reads."""

    columns: set[Column] = field(default_factory=set)
    calls: set[str] = field(default_factory=set)
    """Called function names as written: ``schema.name`` or ``name``."""


class _Collector(Visitor):  # type: ignore[misc]  # pglast ships no type hints
    def __init__(self) -> None:
        self.relations: list[tuple[str | None, str, str | None]] = []
        self.references: list[tuple[str, ...]] = []
        self.calls: set[str] = set()

    def visit_RangeVar(self, ancestors: Ancestor, node: ast.RangeVar) -> None:
        alias = node.alias.aliasname if node.alias else None
        self.relations.append((node.schemaname, node.relname, alias))

    def visit_ColumnRef(self, ancestors: Ancestor, node: ast.ColumnRef) -> None:
        self.references.append(
            tuple("*" if isinstance(f, ast.A_Star) else f.sval for f in node.fields)
        )

    def visit_FuncCall(self, ancestors: Ancestor, node: ast.FuncCall) -> None:
        self.calls.add(".".join(part.sval for part in node.funcname))


def reads_of(
    nodes: Iterable[ast.Node], schema: Schema, scope: Iterable[tuple[str, str]] = ()
) -> Reads:
    """Columns the parse trees ``nodes`` read, resolved against ``scope`` (the policy's table)
    and every relation named inside them; and the functions they call."""
    collector = _Collector()
    for node in nodes:
        collector(node)
    relations: list[tuple[tuple[str, str], set[str]]] = [(key, {key[1]}) for key in scope]
    for rel_schema, name, alias in collector.relations:
        for key in schema.relations_named(rel_schema, name):
            relations.append((key, {name} | ({alias} if alias else set())))
    found = Reads(calls=collector.calls)
    for reference in collector.references:
        *qualifier, name = reference
        if qualifier:
            targets = [key for key, names in relations if qualifier[-1] in names]
            if len(qualifier) == 2:  # schema.table.column
                targets = [key for key in targets if key[0] == qualifier[0]]
            if not targets:  # an alias we do not know: every relation is a candidate
                targets = [key for key, _ in relations]
        else:
            targets = [key for key, _ in relations]
        for key in dict.fromkeys(targets):
            columns = schema.columns[key]
            for column in columns if name == "*" else [name] if name in columns else []:
                found.columns.add((*key, column))
    return found


def parse_expression(text: str) -> ast.Node:
    """The parse tree of a policy expression (as pg_policies prints it)."""
    statement = parse_sql(f"select 1 where {text}")[0].stmt
    return statement.whereClause


def conjuncts(node: ast.Node) -> Iterator[ast.Node]:
    """The top-level ``and`` operands of an expression (the expression itself otherwise)."""
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.AND_EXPR:
        for argument in node.args:
            yield from conjuncts(argument)
    else:
        yield node


def _identity_call(node: ast.Node | None) -> str | None:
    """``f()`` or ``(select f())`` with no arguments, from nothing: the function's name."""
    if isinstance(node, ast.SubLink) and node.subLinkType == SubLinkType.EXPR_SUBLINK:
        select = node.subselect
        if select.fromClause or select.whereClause or len(select.targetList or ()) != 1:
            return None
        node = select.targetList[0].val
    if isinstance(node, ast.FuncCall) and not node.args:
        return ".".join(part.sval for part in node.funcname)
    return None


def is_owner_test(node: ast.Node, table: str) -> bool:
    """``<owner key> = <its identity function>`` (either side), the key on the policy's table."""
    if not (
        isinstance(node, ast.A_Expr)
        and len(node.name) == 1
        and node.name[0].sval == "="
        and node.lexpr is not None
    ):
        return False
    for column, other in ((node.lexpr, node.rexpr), (node.rexpr, node.lexpr)):
        if isinstance(column, ast.ColumnRef):
            *qualifier, name = (getattr(f, "sval", "*") for f in column.fields)
            if (
                name in OWNER_KEYS
                and qualifier in ([], [table])
                and _identity_call(other) == OWNER_KEYS[name]
            ):
                return True
    return False


def owner_bounded(expression: str, table: str) -> bool:
    """One top-level conjunct of ``expression`` is the owner test: it admits owner rows only."""
    return any(is_owner_test(c, table) for c in conjuncts(parse_expression(expression)))


def _textual_reads(source: str, schema: Schema) -> Reads:
    """Conservative reads of a body we do not parse: every column named in it, of every
    relation named in it, and every ``schema.name(`` call."""
    words = {w.lower() for w in WORD.findall(source)}
    found = Reads(calls={f"{s}.{n}" for s, n in CALL.findall(source)})
    for key, columns in schema.columns.items():
        if key[1] in words:
            found.columns |= {(*key, c) for c in columns if c in words}
    return found


def routine_reads(routine: Routine, schema: Schema) -> Reads:
    """What one function body reads (SQL by parse tree, other languages textually)."""
    if routine.language == "sql":
        try:
            return reads_of([raw.stmt for raw in parse_sql(routine.source)], schema)
        except ParseError:  # a body pglast cannot parse falls back to the textual rule
            return _textual_reads(routine.source, schema)
    if routine.language in ("internal", "c"):
        return Reads()
    return _textual_reads(routine.source, schema)


def columns_read(reads: Reads, schema: Schema) -> set[Column]:
    """``reads``' columns and those of every function it calls, transitively."""
    columns = set(reads.columns)
    pending, seen = list(reads.calls), set()
    while pending:
        name = pending.pop()
        for routine in schema.routines.get(name, []):
            if routine.oid in seen or routine.schema in SYSTEM_SCHEMAS:
                continue
            seen.add(routine.oid)
            inner = routine_reads(routine, schema)
            columns |= inner.columns
            pending.extend(inner.calls)
    return columns


def access_deciding(expression: str, schema_name: str, table: str, schema: Schema) -> set[Column]:
    """The columns that decide, in ``expression`` of a policy on ``schema_name.table``, access
    beyond the owner's rows: none when it is owner-bounded, else all it reads but keys."""
    if owner_bounded(expression, table):
        return set()
    direct = reads_of([parse_expression(expression)], schema, scope=[(schema_name, table)])
    return {c for c in columns_read(direct, schema) if not schema.excluded(c)}
