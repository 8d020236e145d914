"""Small typed catalog queries (pg_catalog), for asserting on the schema's shape."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from psycopg.rows import BaseRowFactory, class_row, tuple_row

# What public held before migration 001 (the brief: knowledge_chunks and its two RPCs), not the
# migrations' to shape: one list for the tools and the tests that set it apart.
PRE_EXISTING_TABLES = frozenset({"knowledge_chunks"})
PRE_EXISTING_FUNCTIONS = frozenset({"public.hybrid_search_chunks", "public.match_chunks"})

Conn = psycopg.Connection[Any]
Row = TypeVar("Row")


@contextmanager
def _cursor(conn: Conn, row_factory: BaseRowFactory[Row]) -> Iterator[psycopg.Cursor[Row]]:
    """A cursor whose queries see ``search_path = pg_catalog``.

    Type names, index and constraint definitions and policy expressions are
    printed relative to the search_path; pinning it makes them deterministic
    (everything outside pg_catalog comes out schema-qualified). The previous
    search_path is restored explicitly, as ``set local`` outlives a released
    savepoint.
    """
    with (
        conn.transaction(),
        conn.cursor(row_factory=tuple_row) as setting,
        conn.cursor(row_factory=row_factory) as cur,
    ):
        setting.execute("select current_setting('search_path')")
        previous = setting.fetchone()
        assert previous is not None
        setting.execute("select set_config('search_path', 'pg_catalog', true)")
        yield cur
        setting.execute("select set_config('search_path', %s, true)", previous)


@dataclass(frozen=True)
class Table:
    """A table with its RLS flags and comment."""

    schema: str
    name: str
    owner: str
    rls_enabled: bool
    rls_forced: bool
    comment: str | None


@dataclass(frozen=True)
class Column:
    """A table column; ``data_type`` as format_type prints it (e.g. ``extensions.vector(1536)``)."""

    table: str
    name: str
    position: int
    data_type: str
    not_null: bool
    default: str | None
    identity: bool
    generated: bool
    comment: str | None


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key; actions are ``cascade``, ``restrict``, ``set null``, ... ."""

    name: str
    table: str
    columns: list[str]
    referenced_schema: str
    referenced_table: str
    referenced_columns: list[str]
    on_delete: str
    on_update: str
    deferrable: bool
    initially_deferred: bool


@dataclass(frozen=True)
class Policy:
    """A row-level security policy, as pg_policies shows it."""

    name: str
    table: str
    command: str
    roles: list[str]
    permissive: bool
    qual: str | None
    with_check: str | None


@dataclass(frozen=True)
class Index:
    """An index; ``columns`` are the key columns or expressions, in order."""

    name: str
    table: str
    columns: list[str]
    include: list[str]
    unique: bool
    primary: bool
    method: str
    predicate: str | None
    definition: str


@dataclass(frozen=True)
class CheckConstraint:
    """A CHECK constraint and its definition (``CHECK (...)``)."""

    name: str
    table: str
    columns: list[str]
    definition: str


@dataclass(frozen=True)
class Trigger:
    """A user trigger; ``events`` like ``['insert', 'update']``."""

    name: str
    schema: str
    table: str
    function: str
    timing: str
    events: list[str]
    for_each_row: bool
    enabled: bool
    definition: str


@dataclass(frozen=True)
class Function:
    """A function or procedure with its security-relevant attributes."""

    schema: str
    name: str
    arguments: str
    result: str
    language: str
    security_definer: bool
    config: list[str]
    volatility: str
    comment: str | None


def tables(
    conn: Conn, *, schema: str = "public", exclude: frozenset[str] = frozenset()
) -> list[Table]:
    """Ordinary and partitioned tables of ``schema`` (minus ``exclude``), by name."""
    with _cursor(conn, class_row(Table)) as cur:
        cur.execute(
            """
            select n.nspname as schema, c.relname as name, pg_get_userbyid(c.relowner) as owner,
                   c.relrowsecurity as rls_enabled, c.relforcerowsecurity as rls_forced,
                   obj_description(c.oid, 'pg_class') as comment
            from pg_class as c
            join pg_namespace as n on n.oid = c.relnamespace
            where n.nspname = %s and c.relkind in ('r', 'p') and c.relname <> all(%s)
            order by c.relname
            """,
            (schema, sorted(exclude)),
        )
        return cur.fetchall()


def columns(conn: Conn, table: str, *, schema: str = "public") -> list[Column]:
    """Columns of ``schema.table`` in ordinal order."""
    with _cursor(conn, class_row(Column)) as cur:
        cur.execute(
            """
            select c.relname as table, a.attname as name, a.attnum as position,
                   format_type(a.atttypid, a.atttypmod) as data_type, a.attnotnull as not_null,
                   pg_get_expr(d.adbin, d.adrelid) as default,
                   a.attidentity <> '' as identity, a.attgenerated <> '' as generated,
                   col_description(c.oid, a.attnum) as comment
            from pg_attribute as a
            join pg_class as c on c.oid = a.attrelid
            join pg_namespace as n on n.oid = c.relnamespace
            left join pg_attrdef as d on d.adrelid = a.attrelid and d.adnum = a.attnum
            where n.nspname = %s and c.relname = %s and a.attnum > 0 and not a.attisdropped
            order by a.attnum
            """,
            (schema, table),
        )
        return cur.fetchall()


_ACTIONS = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}


def foreign_keys(conn: Conn, *, schema: str = "public") -> list[ForeignKey]:
    """Foreign keys declared on tables of ``schema``, by table then name."""
    with _cursor(conn, tuple_row) as cur:
        cur.execute(
            """
            select con.conname as name, c.relname as table,
                   array(select a.attname from unnest(con.conkey) with ordinality as k(attnum, i)
                         join pg_attribute as a on a.attrelid = con.conrelid and a.attnum = k.attnum
                         order by k.i)::text[] as columns,
                   rn.nspname as referenced_schema, rc.relname as referenced_table,
                   array(select a.attname
                         from unnest(con.confkey) with ordinality as k(attnum, i)
                         join pg_attribute as a
                           on a.attrelid = con.confrelid and a.attnum = k.attnum
                         order by k.i)::text[] as referenced_columns,
                   con.confdeltype::text as on_delete, con.confupdtype::text as on_update,
                   con.condeferrable as deferrable, con.condeferred as initially_deferred
            from pg_constraint as con
            join pg_class as c on c.oid = con.conrelid
            join pg_namespace as n on n.oid = c.relnamespace
            join pg_class as rc on rc.oid = con.confrelid
            join pg_namespace as rn on rn.oid = rc.relnamespace
            where con.contype = 'f' and n.nspname = %s
            order by c.relname, con.conname
            """,
            (schema,),
        )
        rows = cur.fetchall()
    return [
        ForeignKey(
            name=r[0],
            table=r[1],
            columns=r[2],
            referenced_schema=r[3],
            referenced_table=r[4],
            referenced_columns=r[5],
            on_delete=_ACTIONS[r[6]],
            on_update=_ACTIONS[r[7]],
            deferrable=r[8],
            initially_deferred=r[9],
        )
        for r in rows
    ]


def policies(conn: Conn, *, schema: str = "public") -> list[Policy]:
    """RLS policies of ``schema``, by table then name (``command``: select, insert, ..., all)."""
    with _cursor(conn, class_row(Policy)) as cur:
        cur.execute(
            """
            select policyname as name, tablename as table, lower(cmd) as command,
                   roles::text[] as roles, permissive = 'PERMISSIVE' as permissive,
                   qual, with_check
            from pg_policies
            where schemaname = %s
            order by tablename, policyname
            """,
            (schema,),
        )
        return cur.fetchall()


def indexes(conn: Conn, *, schema: str = "public") -> list[Index]:
    """Indexes of tables in ``schema``, by table then name."""
    with _cursor(conn, class_row(Index)) as cur:
        cur.execute(
            """
            select ic.relname as name, c.relname as table,
                   array(select pg_get_indexdef(i.indexrelid, k, true)
                         from generate_series(1, i.indnkeyatts) as k order by k)::text[] as columns,
                   array(select pg_get_indexdef(i.indexrelid, k, true)
                         from generate_series(i.indnkeyatts + 1, i.indnatts) as k
                         order by k)::text[] as include,
                   i.indisunique as unique, i.indisprimary as primary, am.amname as method,
                   pg_get_expr(i.indpred, i.indrelid, true) as predicate,
                   pg_get_indexdef(i.indexrelid) as definition
            from pg_index as i
            join pg_class as ic on ic.oid = i.indexrelid
            join pg_class as c on c.oid = i.indrelid
            join pg_namespace as n on n.oid = c.relnamespace
            join pg_am as am on am.oid = ic.relam
            where n.nspname = %s
            order by c.relname, ic.relname
            """,
            (schema,),
        )
        return cur.fetchall()


def check_constraints(conn: Conn, *, schema: str = "public") -> list[CheckConstraint]:
    """CHECK constraints on tables of ``schema`` (NOT NULL excluded), by table then name."""
    with _cursor(conn, class_row(CheckConstraint)) as cur:
        cur.execute(
            """
            select con.conname as name, c.relname as table,
                   array(select a.attname from unnest(con.conkey) with ordinality as k(attnum, i)
                         join pg_attribute as a on a.attrelid = con.conrelid and a.attnum = k.attnum
                         order by k.i)::text[] as columns,
                   pg_get_constraintdef(con.oid, true) as definition
            from pg_constraint as con
            join pg_class as c on c.oid = con.conrelid
            join pg_namespace as n on n.oid = c.relnamespace
            where con.contype = 'c' and n.nspname = %s
            order by c.relname, con.conname
            """,
            (schema,),
        )
        return cur.fetchall()


def triggers(conn: Conn, *, schema: str = "public") -> list[Trigger]:
    """User (non-internal) triggers on tables of ``schema``, by table then name."""
    with _cursor(conn, class_row(Trigger)) as cur:
        cur.execute(
            """
            select t.tgname as name, n.nspname as schema, c.relname as table,
                   t.tgfoid::regproc::text as function,
                   case when t.tgtype & 2 <> 0 then 'before'
                        when t.tgtype & 64 <> 0 then 'instead of' else 'after' end as timing,
                   array_remove(array[
                     case when t.tgtype & 4 <> 0 then 'insert' end,
                     case when t.tgtype & 16 <> 0 then 'update' end,
                     case when t.tgtype & 8 <> 0 then 'delete' end,
                     case when t.tgtype & 32 <> 0 then 'truncate' end
                   ], null)::text[] as events,
                   t.tgtype & 1 <> 0 as for_each_row,
                   t.tgenabled <> 'D' as enabled,
                   pg_get_triggerdef(t.oid, true) as definition
            from pg_trigger as t
            join pg_class as c on c.oid = t.tgrelid
            join pg_namespace as n on n.oid = c.relnamespace
            where not t.tgisinternal and n.nspname = %s
            order by c.relname, t.tgname
            """,
            (schema,),
        )
        return cur.fetchall()


def functions(conn: Conn, *, schema: str = "public") -> list[Function]:
    """Functions and procedures of ``schema`` not owned by an extension, by name."""
    with _cursor(conn, class_row(Function)) as cur:
        cur.execute(
            """
            select n.nspname as schema, p.proname as name,
                   pg_get_function_identity_arguments(p.oid) as arguments,
                   coalesce(pg_get_function_result(p.oid), '') as result,
                   l.lanname as language, p.prosecdef as security_definer,
                   coalesce(p.proconfig, '{}')::text[] as config,
                   case p.provolatile when 'i' then 'immutable' when 's' then 'stable'
                        else 'volatile' end as volatility,
                   obj_description(p.oid, 'pg_proc') as comment
            from pg_proc as p
            join pg_namespace as n on n.oid = p.pronamespace
            join pg_language as l on l.oid = p.prolang
            where n.nspname = %s
              and not exists (select from pg_depend as d
                              where d.classid = 'pg_proc'::regclass and d.objid = p.oid
                                and d.deptype = 'e')
            order by p.proname, arguments
            """,
            (schema,),
        )
        return cur.fetchall()
