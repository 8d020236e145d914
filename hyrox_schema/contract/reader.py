"""Read the contract from a migrated database: every object the migrations own, as blocks.

What the migrations own is what the database has after them and did not have
before them (:class:`Baseline`, read from the before layer): tables, views and
materialized views, sequences, functions, extensions and schemas. On objects
they do not own (the pre-existing ``knowledge_chunks`` and its RPCs, the
schemas Supabase provides, default privileges) ``external.txt`` records what
the migrations *change*: the watched objects are described before and after,
and only those that differ are written (their state after the migrations).
That keeps the text the same on every engine, whatever the platform itself
grants there.

PostgreSQL 15, 17 and 18 must write the same text, so:

* nullability comes from ``attnotnull`` only (PG 18 also records NOT NULL as
  ``pg_constraint`` rows of contype ``n``: those are not constraints here);
* privileges are answered question by question (``has_*_privilege`` for the
  API roles, the ACL itself only for PUBLIC) over a fixed list of privileges:
  ACL strings differ (PG 17 added MAINTAIN) and so do the roles that exist
  (Supabase images add supabase_admin, dashboard_user, ...); owners are left out;
* every expression (defaults, checks, index and trigger definitions, policy
  clauses) is printed with ``search_path = pg_catalog`` and its whitespace
  collapsed; function bodies and view definitions (``pg_get_viewdef``, pretty)
  keep their lines, right-stripped;
* extensions are named with their schema, not their version (engines ship
  different ones);
* everything is sorted by name (columns keep their ordinal order).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row

from hyrox_schema.contract.model import Block

Conn = psycopg.Connection[Any]

# The roles a Supabase API request can act as; PUBLIC is every role.
API_ROLES = ("anon", "authenticated", "service_role")
TABLE_PRIVILEGES = ("select", "insert", "update", "delete", "truncate", "references", "trigger")
COLUMN_PRIVILEGES = ("select", "insert", "update", "references")
# Schemas Supabase provides whose privileges the contract watches (when they exist).
WATCHED_SCHEMAS = ("auth", "extensions", "public")
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")

CONSTRAINT_KINDS = {
    "p": "primary key",
    "u": "unique",
    "f": "foreign key",
    "c": "check",
    "x": "exclusion",
    "t": "constraint trigger",
}
COMMANDS = {"r": "select", "a": "insert", "w": "update", "d": "delete", "*": "all"}


class ContractError(RuntimeError):
    """The migrations created something the contract cannot describe yet (a type)."""


def norm(text: str | None) -> str:
    """An expression with its whitespace collapsed ('none' for no expression)."""
    return "none" if text is None else " ".join(text.split())


def yes(flag: bool) -> str:
    """``yes`` or ``no``."""
    return "yes" if flag else "no"


def listing(items: Iterable[str]) -> str:
    """Sorted, comma-separated, or ``none``."""
    values = sorted(set(items))
    return ", ".join(values) if values else "none"


def _lines(text: str) -> str:
    """A multi-line text right-stripped, without leading or trailing blank lines."""
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


@contextmanager
def _catalog_cursor(conn: Conn) -> Iterator[psycopg.Cursor[Any]]:
    """A dict-row cursor in a savepoint with ``search_path = pg_catalog`` (restored after)."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        previous = cur.execute("select current_setting('search_path') as p").fetchone()
        assert previous is not None
        cur.execute("select set_config('search_path', 'pg_catalog', true)")
        yield cur
        cur.execute("select set_config('search_path', %s, true)", (previous["p"],))


# --------------------------------------------------------------------------- baseline


@dataclass(frozen=True)
class Baseline:
    """What exists before the migrations: their objects are everything else."""

    relations: frozenset[str]
    functions: frozenset[str]
    schemas: frozenset[str]
    types: frozenset[str]
    extensions: frozenset[str]
    default_acls: frozenset[str]
    watched: tuple[Block, ...] = ()
    """The watched objects the migrations do not own, as described before them."""


RELATIONS = """
    select n.nspname || '.' || c.relname as name, c.relkind::text as kind,
           exists (select from pg_depend as d where d.classid = 'pg_class'::regclass
                   and d.objid = c.oid and d.deptype in ('a', 'i', 'e')) as dependent,
           exists (select from pg_depend as d where d.classid = 'pg_class'::regclass
                   and d.objid = c.oid and d.deptype = 'e') as extension_member
    from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
    where n.nspname <> all(%(system)s) and n.nspname not like 'pg_temp%%'
      and n.nspname not like 'pg_toast%%' and c.relkind not in ('i', 'I', 't')
"""
FUNCTIONS = """
    select p.oid::regprocedure::text as name
    from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
    where n.nspname <> all(%(system)s)
      and not exists (select from pg_depend as d where d.classid = 'pg_proc'::regclass
                      and d.objid = p.oid and d.deptype = 'e')
"""
SCHEMAS = """
    select nspname as name from pg_namespace
    where nspname <> all(%(system)s) and nspname not like 'pg_temp%%'
      and nspname not like 'pg_toast%%'
"""
TYPES = """
    select n.nspname || '.' || t.typname as name
    from pg_type as t join pg_namespace as n on n.oid = t.typnamespace
    where n.nspname <> all(%(system)s) and t.typtype in ('e', 'd', 'c', 'r', 'm')
      and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')
      and not exists (select from pg_depend as d where d.classid = 'pg_type'::regclass
                      and d.objid = t.oid and d.deptype = 'e')
"""
DEFAULT_ACLS = """
    select format('for role %%s in schema %%s on %%s: %%s', pg_get_userbyid(d.defaclrole),
                  coalesce(n.nspname, '(all)'), d.defaclobjtype, d.defaclacl::text) as name
    from pg_default_acl as d left join pg_namespace as n on n.oid = d.defaclnamespace
"""


def _names(cur: psycopg.Cursor[Any], query: str) -> frozenset[str]:
    cur.execute(query, {"system": list(SYSTEM_SCHEMAS)})  # type: ignore[arg-type]  # constants
    return frozenset(row["name"] for row in cur.fetchall())


def baseline(conn: Conn) -> Baseline:
    """The objects of a database before the migrations ran (the before layer)."""
    with _catalog_cursor(conn) as cur:
        found = _objects(cur)
        return dataclasses.replace(found, watched=tuple(_watched_blocks(cur, found)))


def _objects(cur: psycopg.Cursor[Any]) -> Baseline:
    """The names of a database's objects, without describing the watched ones."""
    return Baseline(
        relations=_names(cur, RELATIONS),
        functions=_names(cur, FUNCTIONS),
        schemas=_names(cur, SCHEMAS),
        types=_names(cur, TYPES),
        extensions=_names(cur, "select extname as name from pg_extension"),
        default_acls=_names(cur, DEFAULT_ACLS),
    )


# --------------------------------------------------------------------------- tables


# Every query below reads a set of tables at once (``= any(oids)``) and is grouped by table
# in Python: one query per kind of block for all the tables of a contract, not one per table.

PerTable = dict[int, list[Block]]


def _rows_by_table(
    cur: psycopg.Cursor[Any], query: str, params: dict[str, Any]
) -> dict[int, list[dict[str, Any]]]:
    """The rows of ``query`` (which selects the table's oid as ``relid``), per table, in the
    query's order."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in cur.execute(query, params).fetchall():  # type: ignore[arg-type]  # constants
        grouped.setdefault(int(row["relid"]), []).append(row)
    return grouped


def _table_block(row: dict[str, Any], name: str) -> Block:
    return Block(
        "table",
        name,
        (
            ("kind", "partitioned table" if row["kind"] == "p" else "table"),
            ("comment", yes(row["comment"] is not None)),
            ("row level security", "enabled" if row["relrowsecurity"] else "disabled"),
            ("force row level security", yes(row["relforcerowsecurity"])),
        ),
    )


def _tables(cur: psycopg.Cursor[Any], oids: list[int]) -> dict[int, list[dict[str, Any]]]:
    return _rows_by_table(
        cur,
        "select oid as relid, relrowsecurity, relforcerowsecurity,"
        " obj_description(oid, 'pg_class') as comment, relkind::text as kind"
        " from pg_class where oid = any(%(oids)s::oid[])",
        {"oids": oids},
    )


def _column_blocks(cur: psycopg.Cursor[Any], oids: list[int]) -> PerTable:
    rows = _rows_by_table(
        cur,
        """
        select a.attrelid as relid, a.attname as name,
               format_type(a.atttypid, a.atttypmod) as type,
               a.attnotnull as not_null, a.attgenerated::text as generated,
               a.attidentity::text as identity, pg_get_expr(d.adbin, d.adrelid) as expression,
               col_description(a.attrelid, a.attnum) is not null as comment
        from pg_attribute as a
        left join pg_attrdef as d on d.adrelid = a.attrelid and d.adnum = a.attnum
        where a.attrelid = any(%(oids)s::oid[]) and a.attnum > 0 and not a.attisdropped
        order by a.attrelid, a.attnum
        """,
        {"oids": oids},
    )
    found: PerTable = {}
    for oid, table_rows in rows.items():
        blocks = found.setdefault(oid, [])
        for r in table_rows:
            attrs = [("type", r["type"]), ("not null", yes(r["not_null"]))]
            if r["generated"]:
                attrs.append(("default", "none"))
                attrs.append(("generated", f"{norm(r['expression'])} stored"))
            else:
                attrs.append(("default", norm(r["expression"])))
            if r["identity"]:
                attrs.append(("identity", "always" if r["identity"] == "a" else "by default"))
            attrs.append(("comment", yes(r["comment"])))
            blocks.append(Block("column", r["name"], tuple(attrs)))
    return found


def _blocks_by_table(
    cur: psycopg.Cursor[Any],
    query: str,
    oids: list[int],
    block: Callable[[dict[str, Any]], Block],
) -> PerTable:
    """``block`` of each row of ``query`` (run for ``oids``), per table."""
    rows = _rows_by_table(cur, query, {"oids": oids})
    return {oid: [block(r) for r in table_rows] for oid, table_rows in rows.items()}


def _constraint_blocks(cur: psycopg.Cursor[Any], oids: list[int]) -> PerTable:
    return _blocks_by_table(
        cur,
        "select conrelid as relid, conname as name, contype::text as kind,"
        " pg_get_constraintdef(oid, true) as definition"
        " from pg_constraint where conrelid = any(%(oids)s::oid[]) and contype <> 'n'"
        " order by conrelid, conname",
        oids,
        lambda r: Block(
            "constraint",
            r["name"],
            (("kind", CONSTRAINT_KINDS[r["kind"]]), ("definition", norm(r["definition"]))),
        ),
    )


def _index_blocks(cur: psycopg.Cursor[Any], oids: list[int]) -> PerTable:
    return _blocks_by_table(
        cur,
        "select i.indrelid as relid, c.relname as name,"
        " pg_get_indexdef(i.indexrelid) as definition"
        " from pg_index as i join pg_class as c on c.oid = i.indexrelid"
        " where i.indrelid = any(%(oids)s::oid[]) order by i.indrelid, c.relname",
        oids,
        lambda r: Block("index", r["name"], (("definition", norm(r["definition"])),)),
    )


def _policy_blocks(cur: psycopg.Cursor[Any], oids: list[int]) -> PerTable:
    return _blocks_by_table(
        cur,
        """
        select p.polrelid as relid, p.polname as name, p.polcmd::text as command,
               p.polpermissive as permissive,
               array(select case when r = 0 then 'public' else pg_get_userbyid(r) end
                     from unnest(p.polroles) as r)::text[] as roles,
               pg_get_expr(p.polqual, p.polrelid) as using,
               pg_get_expr(p.polwithcheck, p.polrelid) as with_check
        from pg_policy as p where p.polrelid = any(%(oids)s::oid[])
        order by p.polrelid, p.polname
        """,
        oids,
        lambda r: Block(
            "policy",
            f'"{r["name"]}"',
            (
                ("command", COMMANDS[r["command"]]),
                ("roles", listing(r["roles"])),
                ("mode", "permissive" if r["permissive"] else "restrictive"),
                ("using", norm(r["using"])),
                ("with check", norm(r["with_check"])),
            ),
        ),
    )


def _trigger_blocks(cur: psycopg.Cursor[Any], oids: list[int]) -> PerTable:
    return _blocks_by_table(
        cur,
        "select tgrelid as relid, tgname as name, pg_get_triggerdef(oid, true) as definition,"
        " tgenabled::text as enabled"
        " from pg_trigger where tgrelid = any(%(oids)s::oid[]) and not tgisinternal"
        " order by tgrelid, tgname",
        oids,
        lambda r: Block(
            "trigger",
            r["name"],
            (("definition", norm(r["definition"])), ("enabled", yes(r["enabled"] != "D"))),
        ),
    )


def _grant_blocks(cur: psycopg.Cursor[Any], oids: list[int]) -> PerTable:
    """Per table and role: the table privileges, then column privileges held without the
    table's."""
    rows = _rows_by_table(
        cur,
        """
        with roles(role) as (select unnest(%(roles)s::text[])),
        privileges(privilege) as (select unnest(%(table_privileges)s::text[])),
        tables(relid) as (select unnest(%(oids)s::oid[])),
        columns as (
          select attrelid, attnum, attname, attacl from pg_attribute
          where attrelid = any(%(oids)s::oid[]) and attnum > 0 and not attisdropped
        )
        select t.relid, role, 'table' as scope, privilege as privilege
        from tables as t, roles, privileges
        where has_table_privilege(role, t.relid, privilege)
        union all
        select c.attrelid, role, 'column ' || c.attname, p from roles, columns as c,
               unnest(%(column_privileges)s::text[]) as p
        where has_column_privilege(role, c.attrelid, c.attnum, p)
          and not has_table_privilege(role, c.attrelid, p)
        union all
        select t.oid, 'public', 'table', lower(a.privilege_type)
        from pg_class as t, aclexplode(coalesce(t.relacl, acldefault('r', t.relowner))) as a
        where t.oid = any(%(oids)s::oid[]) and a.grantee = 0
          and lower(a.privilege_type) = any(%(table_privileges)s::text[])
        union all
        select c.attrelid, 'public', 'column ' || c.attname, lower(a.privilege_type)
        from columns as c, aclexplode(c.attacl) as a where a.grantee = 0
        """,
        {
            "oids": oids,
            "roles": list(API_ROLES),
            "table_privileges": list(TABLE_PRIVILEGES),
            "column_privileges": list(COLUMN_PRIVILEGES),
        },
    )
    found: PerTable = {}
    for oid in oids:
        table_rows = rows.get(oid, [])
        blocks = found.setdefault(oid, [])
        for role in (*API_ROLES, "public"):
            mine = [r for r in table_rows if r["role"] == role]
            scopes = sorted({r["scope"] for r in mine} - {"table"})
            attrs = [("table", _privileges(r["privilege"] for r in mine if r["scope"] == "table"))]
            attrs += [
                (scope, _privileges(r["privilege"] for r in mine if r["scope"] == scope))
                for scope in scopes
            ]
            blocks.append(Block("grants", role, tuple(attrs)))
    return found


def _privileges(names: Iterable[str]) -> str:
    """Privileges in the fixed order of TABLE_PRIVILEGES, or ``none``."""
    present = set(names)
    ordered = [p for p in TABLE_PRIVILEGES if p in present]
    return ", ".join(ordered) if ordered else "none"


def tables_blocks(
    cur: psycopg.Cursor[Any], names: Iterable[str], *, external: bool = False
) -> dict[str, list[Block]]:
    """Every block of each table: itself, columns, constraints, indexes, policies, triggers,
    grants (one query per kind for all of ``names``).

    ``external``: tables the migrations do not own, described in external.txt
    next to others: no columns, and every block's name says ``on <table>``.
    """
    names = list(names)
    if not names:
        return {}
    found = cur.execute(
        "select name, name::regclass::oid as oid from unnest(%s::text[]) as name", (names,)
    ).fetchall()
    oid_of = {row["name"]: int(row["oid"]) for row in found}
    oids = list(oid_of.values())
    tables = _tables(cur, oids)
    columns = {} if external else _column_blocks(cur, oids)
    kinds = [
        _constraint_blocks(cur, oids),
        _index_blocks(cur, oids),
        _policy_blocks(cur, oids),
        _trigger_blocks(cur, oids),
        _grant_blocks(cur, oids),
    ]
    result = {}
    for name in names:
        oid = oid_of[name]
        table = _table_block(tables[oid][0], name)
        parts = [block for kind in kinds for block in kind.get(oid, [])]
        if external:
            result[name] = [table, *(Block(b.kind, f"{b.name} on {name}", b.attrs) for b in parts)]
        else:
            result[name] = [table, *columns.get(oid, []), *parts]
    return result


def table_blocks(cur: psycopg.Cursor[Any], name: str, *, external: bool = False) -> list[Block]:
    """Every block of one table (see :func:`tables_blocks`)."""
    return tables_blocks(cur, [name], external=external)[name]


# --------------------------------------------------------------------------- functions


def _function_block(cur: psycopg.Cursor[Any], signature: str, *, body: bool = True) -> Block:
    row = cur.execute(
        """
        select p.prokind::text as kind, coalesce(pg_get_function_result(p.oid), '') as result,
               l.lanname as language, p.provolatile::text as volatility,
               p.prosecdef as definer, p.proisstrict as strict,
               coalesce(p.proconfig, '{}')::text[] as config,
               obj_description(p.oid, 'pg_proc') is not null as comment, p.prosrc as body,
               array(select r from unnest(%(roles)s::text[]) as r
                     where has_function_privilege(r, p.oid, 'execute'))::text[] as execute,
               exists (select from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner)))
                       as a where a.grantee = 0) as public_execute
        from pg_proc as p join pg_language as l on l.oid = p.prolang
        where p.oid = %(signature)s::regprocedure
        """,
        {"signature": signature, "roles": list(API_ROLES)},
    ).fetchone()
    assert row is not None
    kinds = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window function"}
    volatility = {"i": "immutable", "s": "stable", "v": "volatile"}
    execute = list(row["execute"]) + (["public"] if row["public_execute"] else [])
    attrs = [
        ("kind", kinds[row["kind"]]),
        ("returns", norm(row["result"]) if row["result"] else "none"),
        ("language", row["language"]),
        ("volatility", volatility[row["volatility"]]),
        ("security", "definer" if row["definer"] else "invoker"),
        ("strict", yes(row["strict"])),
        ("config", listing(row["config"])),
        ("comment", yes(row["comment"])),
        ("execute", listing(execute)),
    ]
    if body:
        attrs.append(("body", _lines(str(row["body"]))))
    return Block("function", signature, tuple(attrs))


def _schema_block(cur: psycopg.Cursor[Any], name: str) -> Block:
    row = cur.execute(
        """
        select obj_description(n.oid, 'pg_namespace') is not null as comment,
               array(select r from unnest(%(roles)s::text[]) as r
                     where has_schema_privilege(r, n.oid, 'usage'))::text[] as usage,
               array(select r from unnest(%(roles)s::text[]) as r
                     where has_schema_privilege(r, n.oid, 'create'))::text[] as create,
               array(select lower(a.privilege_type)
                     from aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) as a
                     where a.grantee = 0)::text[] as public
        from pg_namespace as n where n.nspname = %(name)s
        """,
        {"name": name, "roles": list(API_ROLES)},
    ).fetchone()
    assert row is not None
    public = set(row["public"])
    return Block(
        "schema",
        name,
        (
            ("comment", yes(row["comment"])),
            ("usage", listing([*row["usage"], *(["public"] if "usage" in public else [])])),
            ("create", listing([*row["create"], *(["public"] if "create" in public else [])])),
        ),
    )


# ------------------------------------------------------------ views, sequences, extensions

TRUE_OPTION = frozenset({"true", "on", "yes", "1"})


def _options(reloptions: list[str] | None) -> dict[str, str]:
    """``reloptions`` (``['security_invoker=true', ...]``) as a dict."""
    return dict(option.partition("=")[::2] for option in reloptions or [])


def portable_viewdef(text: str) -> str:
    """``pg_get_viewdef(oid, true)`` as PostgreSQL 15, 17 and 18 all print it.

    From 16 on, the deparser leaves column references unqualified when the query's
    top-level FROM holds a single relation (``SELECT athlete_id ... FROM
    public.workout_logs l``) where 15 writes ``l.athlete_id``; joins are printed
    alike. So when the top-level FROM clause (the line ``   FROM``, up to the next
    clause at indent 2) has one item and no join, that item's qualifier is dropped
    everywhere. Checked on 15.18 and 18.3 with single-table, join, correlated
    subquery, CTE, UNION and subquery-in-FROM views.
    """
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.startswith("   FROM ")), None)
    if start is None:
        return text
    clause = [lines[start].removeprefix("   FROM ")]
    for line in lines[start + 1 :]:
        if len(line) - len(line.lstrip()) <= 2:
            break
        clause.append(line)
    flat = " ".join(clause)
    while (outer := re.sub(r"\([^()]*\)", "", flat)) != flat:
        flat = outer
    flat = flat.rstrip(";").strip()
    if not flat or re.search(r"\bJOIN\b|,", flat):
        return text
    alias = flat.split()[-1].split(".")[-1]
    return re.sub(rf"(?<![\w.]){re.escape(alias)}\.(?=[a-z_\"])", "", text)


def view_blocks(cur: psycopg.Cursor[Any], name: str) -> list[Block]:
    """A view or materialized view: itself (options, definition), columns, indexes, grants.

    ``security invoker`` is what decides whether the view applies the caller's RLS
    (PostgreSQL 15+); a materialized view has no such option (its rows are the
    owner's, computed at refresh), so its block says whether it is populated instead.
    """
    row = cur.execute(
        "select oid, relkind::text as kind, reloptions::text[] as options, relispopulated,"
        " obj_description(oid, 'pg_class') is not null as comment,"
        " pg_get_viewdef(oid, true) as definition from pg_class where oid = %s::regclass",
        (name,),
    ).fetchone()
    assert row is not None
    options = _options(row["options"])
    attrs = [
        ("kind", "materialized view" if row["kind"] == "m" else "view"),
        ("comment", yes(row["comment"])),
    ]
    if row["kind"] == "m":
        attrs.append(("populated", yes(row["relispopulated"])))
    else:
        attrs += [
            ("security invoker", yes(options.get("security_invoker", "") in TRUE_OPTION)),
            ("security barrier", yes(options.get("security_barrier", "") in TRUE_OPTION)),
            ("check option", options.get("check_option", "none")),
        ]
    attrs.append(("definition", _lines(portable_viewdef(str(row["definition"])))))
    oid = int(row["oid"])
    return [
        Block("view", name, tuple(attrs)),
        *_column_blocks(cur, [oid]).get(oid, []),
        *_index_blocks(cur, [oid]).get(oid, []),
        *_grant_blocks(cur, [oid])[oid],
    ]


def _sequence_block(cur: psycopg.Cursor[Any], name: str) -> Block:
    """A standalone sequence (not a column's): its parameters and who may use it."""
    row = cur.execute(
        """
        select format_type(s.seqtypid, null) as type, s.seqstart::text as start,
               s.seqincrement::text as increment, s.seqmin::text as minimum,
               s.seqmax::text as maximum, s.seqcycle as cycle,
               obj_description(s.seqrelid, 'pg_class') is not null as comment,
               array(select r || ' ' || p from unnest(%(roles)s::text[]) as r,
                     unnest(array['usage', 'select', 'update']) as p
                     where has_sequence_privilege(r, s.seqrelid, p))::text[] as granted,
               array(select lower(a.privilege_type)
                     from aclexplode(coalesce(c.relacl, acldefault('s', c.relowner))) as a
                     where a.grantee = 0)::text[] as public
        from pg_sequence as s join pg_class as c on c.oid = s.seqrelid
        where s.seqrelid = %(name)s::regclass
        """,
        {"name": name, "roles": list(API_ROLES)},
    ).fetchone()
    assert row is not None
    granted = [*row["granted"], *(f"public {p}" for p in row["public"])]
    attrs = [
        ("type", row["type"]),
        ("start", row["start"]),
        ("increment", row["increment"]),
        ("minimum", row["minimum"]),
        ("maximum", row["maximum"]),
        ("cycle", yes(row["cycle"])),
        ("comment", yes(row["comment"])),
    ]
    attrs += [
        (privilege, listing(g.split(" ")[0] for g in granted if g.endswith(f" {privilege}")))
        for privilege in ("usage", "select", "update")
    ]
    return Block("sequence", name, tuple(attrs))


def _extension_block(cur: psycopg.Cursor[Any], name: str) -> Block:
    """An extension the migrations create: its schema (not its version: engines differ)."""
    row = cur.execute(
        "select n.nspname as schema from pg_extension as e"
        " join pg_namespace as n on n.oid = e.extnamespace where e.extname = %s",
        (name,),
    ).fetchone()
    assert row is not None
    return Block("extension", name, (("schema", row["schema"]),))


# --------------------------------------------------------------------------- the contract


def _file_name(qualified: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", qualified)


def read(conn: Conn, before: Baseline) -> dict[str, list[Block]]:
    """The contract of the migrated database ``conn``: file path -> blocks."""
    files: dict[str, list[Block]] = {}
    with _catalog_cursor(conn) as cur:
        # the names only: the watched objects are described below, as they were before
        after = _objects(cur)
        unsupported = sorted(f"type {t}" for t in after.types - before.types)
        cur.execute(RELATIONS, {"system": list(SYSTEM_SCHEMAS)})  # type: ignore[arg-type]
        relations = {r["name"]: r for r in cur.fetchall()}
        sequences = []
        new = sorted(after.relations - before.relations)
        tables = tables_blocks(
            cur,
            (
                n
                for n in new
                if relations[n]["kind"] in ("r", "p") and not relations[n]["extension_member"]
            ),
        )
        for name in new:
            rel = relations[name]
            if rel["extension_member"]:
                continue  # the extension's own (its block names it)
            if rel["kind"] in ("r", "p"):
                files[f"tables/{_file_name(name)}.txt"] = tables[name]
            elif rel["kind"] in ("v", "m"):
                files[f"views/{_file_name(name)}.txt"] = view_blocks(cur, name)
            elif rel["kind"] == "S" and not rel["dependent"]:
                sequences.append(_sequence_block(cur, name))
            elif rel["kind"] != "S":
                unsupported.append(f"relation {name} (relkind {rel['kind']})")
        if unsupported:
            raise ContractError(
                "the contract cannot describe these objects yet "
                "(teach hyrox_schema/contract/reader.py): " + ", ".join(unsupported)
            )
        functions: dict[str, list[Block]] = {}
        for signature in sorted(after.functions - before.functions):
            qualified = signature.partition("(")[0]
            block = _function_block(cur, signature)
            functions.setdefault(f"functions/{_file_name(qualified)}.txt", []).append(block)
        files |= functions
        schemas = [_schema_block(cur, s) for s in sorted(after.schemas - before.schemas)]
        if schemas:
            files["schemas.txt"] = schemas
        if sequences:
            files["sequences.txt"] = sequences
        created = sorted(after.extensions - before.extensions)
        extensions = [_extension_block(cur, e) for e in created]
        if extensions:
            files["extensions.txt"] = extensions
        files["external.txt"] = _external_blocks(cur, before, after)
    return files


def _watched_blocks(cur: psycopg.Cursor[Any], before: Baseline) -> list[Block]:
    """The watched objects not owned: Supabase's schemas, public's tables and functions."""
    blocks = [_schema_block(cur, s) for s in WATCHED_SCHEMAS if s in before.schemas]
    public = sorted(r for r in before.relations if r.startswith("public."))
    tables = cur.execute(
        "select name from unnest(%s::text[]) as name"
        " where (select relkind from pg_class where oid = to_regclass(name)) in ('r', 'p')",
        (public,),
    ).fetchall()
    described = tables_blocks(cur, [row["name"] for row in tables], external=True)
    for name in public:
        blocks += described.get(name, [])
    for signature in sorted(f for f in before.functions if f.startswith("public.")):
        exists = cur.execute("select to_regprocedure(%s) is not null as e", (signature,)).fetchone()
        if exists is not None and exists["e"]:
            blocks.append(_function_block(cur, signature, body=False))
    return blocks


def _external_blocks(cur: psycopg.Cursor[Any], before: Baseline, after: Baseline) -> list[Block]:
    """What the migrations change on the watched objects they do not own."""
    was = {b.key: b for b in before.watched}
    now = {b.key: b for b in _watched_blocks(cur, before)}
    changed = {key for key in was.keys() | now.keys() if was.get(key) != now.get(key)}
    tables = {key.split(" on ")[-1] for key in changed if " on " in key}
    blocks = [
        now.get(key) or Block(was[key].kind, was[key].name, (("removed by the migrations", "yes"),))
        for key in [*was, *(k for k in now if k not in was)]
        if key in changed or (now.get(key) and now[key].kind == "table" and now[key].name in tables)
    ]
    acls = sorted(after.default_acls ^ before.default_acls)
    return [
        Block(
            "watched",
            "objects the migrations do not own (Supabase's schemas, public's tables and RPCs)",
            (("changed by the migrations", str(len(changed)) if changed else "none"),),
        ),
        *blocks,
        Block(
            "default-privileges",
            "changed by the migrations",
            tuple(("entry", c) for c in acls) or (("entry", "none"),),
        ),
    ]
