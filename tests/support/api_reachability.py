"""What an API role can reach, judged: views, materialized views, tables outside public, extensions
in exposed schemas, client-callable functions (declared in tests/support/api_surface.py; a
definer one with a pinned search_path, an owner filter and a two-athlete row proof).

The checks, each returning its offenders; tests/rls/test_api_reachable_objects.py runs them on the
migrated schema and on a bad object each, tests/test_migration_samples.py on every sample.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from hyrox_schema.impersonation import acting_as, anon_claims, athlete_claims
from hyrox_schema.upgrade import Owner, owned_tables
from tests.support import api_surface
from tests.support.api_surface import DECLARATION_FILE, DECLARED

Conn = psycopg.Connection[Any]
Check = Callable[[Conn], list[str]]

CLIENTS = list(api_surface.CLIENT_ROLES)
REVOKE = "revoke ... from anon, authenticated (and public)"


@contextmanager
def _catalog(conn: Conn) -> Iterator[psycopg.Cursor[Any]]:
    """A dict-row cursor with ``search_path = pg_catalog`` (names come out qualified)."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        previous = cur.execute("select current_setting('search_path') as p").fetchone()
        assert previous is not None
        cur.execute("select set_config('search_path', 'pg_catalog', true)")
        yield cur
        cur.execute("select set_config('search_path', %s, true)", (previous["p"],))


def reachable_schemas(conn: Conn) -> list[str]:
    """Exposed schemas that exist, and every schema a client role has USAGE on, but Supabase's."""
    with _catalog(conn) as cur:
        rows = cur.execute(
            """
            select n.nspname as name from pg_namespace as n
            where (n.nspname = any(%(exposed)s)
                   or exists (select from unnest(%(clients)s::text[]) as r
                              where has_schema_privilege(r, n.oid, 'usage')))
              and n.nspname <> all(%(platform)s)
              and n.nspname not in ('pg_catalog', 'information_schema')
              and n.nspname not like 'pg\\_%%'
            order by 1
            """,
            {
                "exposed": list(api_surface.EXPOSED_SCHEMAS),
                "clients": CLIENTS,
                "platform": list(api_surface.PLATFORM_SCHEMAS),
            },
        ).fetchall()
    return [r["name"] for r in rows]


# A relation of a reachable schema, not an extension's, and who of anon/authenticated can read it.
RELATIONS = """
    select n.nspname || '.' || c.relname as name, c.relkind::text as kind,
           c.relrowsecurity as rls, coalesce(c.reloptions, '{}')::text[] as options,
           array(select r from unnest(%(clients)s::text[]) as r
                 where has_table_privilege(r, c.oid, 'select'))::text[] as readers,
           array(select r from unnest(%(clients)s::text[]) as r
                 where has_any_column_privilege(r, c.oid, 'select')
                    or has_any_column_privilege(r, c.oid, 'insert')
                    or has_any_column_privilege(r, c.oid, 'update')
                    or has_table_privilege(r, c.oid, 'delete'))::text[] as users
    from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
    where n.nspname = any(%(schemas)s) and c.relkind = any(%(kinds)s)
      and not exists (select from pg_depend as d where d.classid = 'pg_class'::regclass
                      and d.objid = c.oid and d.deptype = 'e')
    order by 1
"""


def _relations(conn: Conn, kinds: Sequence[str]) -> list[dict[str, Any]]:
    schemas = reachable_schemas(conn)
    with _catalog(conn) as cur:
        return cur.execute(
            RELATIONS, {"clients": CLIENTS, "schemas": schemas, "kinds": list(kinds)}
        ).fetchall()


def _on(value: str) -> bool:
    return value.lower() in {"true", "on", "yes", "1"}


def views_without_security_invoker(conn: Conn) -> list[str]:
    """(a) 0010 security_definer_view: a view clients can read that runs as its owner."""
    return [
        f"{r['name']}: a view {' and '.join(r['readers'])} can read runs as its owner, past"
        " RLS: create it `with (security_invoker = true)` or revoke select from anon,"
        " authenticated"
        for r in _relations(conn, ["v"])
        if r["readers"]
        and not any(
            o.partition("=")[0] == "security_invoker" and _on(o.partition("=")[2])
            for o in r["options"]
        )
    ]


def readable_materialized_views(conn: Conn) -> list[str]:
    """(b) 0016 materialized_view_in_api: clients can read a materialized view (no RLS)."""
    return [
        f"{r['name']}: a materialized view has no RLS and {' and '.join(r['readers'])} can"
        " read every row of it: create it in a schema the API does not reach, or revoke select"
        " from anon, authenticated"
        for r in _relations(conn, ["m"])
        if r["readers"]
    ]


def tables_without_rls_outside_public(conn: Conn) -> list[str]:
    """(e) a table outside public that clients hold a privilege on, with RLS off."""
    return [
        f"{r['name']}: {' and '.join(r['users'])} hold privileges on a table without row level"
        f" security: `alter table {r['name']} enable row level security` with policies, or"
        " revoke them"
        for r in _relations(conn, ["r", "p"])
        if r["users"] and not r["rls"] and not r["name"].startswith("public.")
    ]


def extensions_in_exposed_schemas(conn: Conn) -> list[str]:
    """(d) 0014 extension_in_public: an extension's objects in a schema PostgREST serves."""
    rows = conn.execute(
        "select e.extname as name, n.nspname as schema from pg_extension as e"
        " join pg_namespace as n on n.oid = e.extnamespace where n.nspname = any(%s) order by 1",
        (list(api_surface.EXPOSED_SCHEMAS),),
    ).fetchall()
    return [
        f"extension {r['name']} in {r['schema']}: its functions join the API; create it"
        f" `with schema extensions` (alter extension {r['name']} set schema extensions)"
        for r in rows
    ]


# --------------------------------------------------------------------------- functions

FUNCTIONS = """
    select p.oid, p.oid::regprocedure::text as signature, p.prosecdef as definer,
           p.prokind::text as kind, p.prosrc as body, coalesce(p.proconfig, '{}')::text[] as config,
           format_type(p.prorettype, null) as returns,
           p.pronargs - p.pronargdefaults as required,
           array(select format_type(t, null) from unnest(p.proargtypes::oid[]) as t)::text[]
             as arguments,
           array(select r from unnest(%(clients)s::text[]) as r
                 where has_function_privilege(r, p.oid, 'execute'))::text[] as executors
    from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
    where n.nspname = any(%(schemas)s)
      and not exists (select from pg_depend as d where d.classid = 'pg_proc'::regclass
                      and d.objid = p.oid and d.deptype = 'e')
    order by 2
"""


def client_functions(conn: Conn) -> list[dict[str, Any]]:
    """Functions of the reachable schemas (not an extension's) anon or authenticated may run."""
    schemas = reachable_schemas(conn)
    with _catalog(conn) as cur:
        rows = cur.execute(FUNCTIONS, {"clients": CLIENTS, "schemas": schemas}).fetchall()
    return [r for r in rows if r["executors"]]


def undeclared_client_functions(conn: Conn) -> list[str]:
    """(c) EXECUTE for anon/authenticated only where the declaration says so, as declared."""
    findings = []
    for f in client_functions(conn):
        name, executors = f["signature"], set(f["executors"])
        security = "definer" if f["definer"] else "invoker"
        declared = DECLARED.get(name)
        if declared is None:
            findings.append(
                f"{name}: {' and '.join(sorted(executors))} may execute it undeclared: add it to"
                f" API_FUNCTIONS in {DECLARATION_FILE} (who, what it reads, why), or `revoke"
                f" execute on function {name} from anon, authenticated, public`"
            )
            continue
        if executors != declared.roles:
            findings.append(
                f"{name}: executable by {', '.join(sorted(executors))}, declared for"
                f" {', '.join(sorted(declared.roles))} in {DECLARATION_FILE}: grant or revoke"
                " execute to match, or change the declaration"
            )
        if security != declared.security:
            findings.append(
                f"{name}: security {security}, declared {declared.security} in"
                f" {DECLARATION_FILE}: recreate it as declared, or review the declaration"
            )
    return findings


def safe_search_path(config: Sequence[str]) -> bool:
    """``search_path`` pinned to '' or to fixed schemas, never public or "$user", with
    ``pg_temp`` named last (unnamed, it is searched first: PostgreSQL's "Writing SECURITY
    DEFINER Functions Safely")."""
    values = [c.partition("=")[2] for c in config if c.startswith("search_path=")]
    if not values:
        return False
    schemas = [s.strip().strip('"') for s in values[-1].split(",")]
    if schemas in ([""], []):
        return True
    return (
        not {"public", "$user"} & set(schemas)
        and "pg_temp" in schemas
        and schemas.index("pg_temp") == len(schemas) - 1
    )


def definer_functions_with_mutable_search_path(conn: Conn) -> list[str]:
    """(c) a security definer function clients may run resolves names safely."""
    return [
        f"{f['signature']}: security definer without a safe search_path ({listing(f['config'])}):"
        f" add `set search_path = ''` and qualify every name in its body"
        for f in client_functions(conn)
        if f["definer"] and not safe_search_path(f["config"])
    ]


def listing(config: Sequence[str]) -> str:
    """A function's settings for a message."""
    return ", ".join(config) or "none"


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def definer_functions_without_owner_filter(conn: Conn) -> list[str]:
    """(c) a security definer function clients may run names the clause that keeps it to the
    caller's rows, and its body has it."""
    findings = []
    for f in client_functions(conn):
        if not f["definer"]:
            continue
        declared = DECLARED.get(f["signature"])
        if declared is None or not declared.owner_filter:
            findings.append(
                f"{f['signature']}: security definer (no RLS) with no owner filter declared:"
                f" name the clause that keeps it to the caller's rows (owner_filter) in"
                f" {DECLARATION_FILE}, or make it security invoker"
            )
        elif _squeezed(declared.owner_filter) not in _squeezed(f["body"]):
            findings.append(
                f"{f['signature']}: its body no longer has the declared owner filter"
                f" {declared.owner_filter!r} ({DECLARATION_FILE})"
            )
    return findings


# A value for an argument of each type; uuid arguments get another athlete's ids (the attack).
ARGUMENT_VALUES = {
    "text": "",
    "character varying": "",
    "integer": "100",
    "bigint": "100",
    "smallint": "100",
    "numeric": "0",
    "double precision": "0",
    "real": "0",
    "boolean": "true",
    "date": "2026-01-01",
    "timestamp with time zone": "2026-01-01 00:00:00+00",
    "jsonb": "{}",
    "json": "{}",
}
NOT_CALLABLE = {"trigger", "event_trigger", "void"}


def _ids_of(conn: Conn, owner: Owner) -> set[str]:
    """Every id that belongs to ``owner``: user, profile and each of their rows."""
    ids = {str(owner.user_id), str(owner.athlete_id)}
    for table, column in owned_tables(conn):
        query = sql.SQL("select id::text as id from public.{t} where {c} = %s").format(
            t=sql.Identifier(table), c=sql.Identifier(column)
        )
        ids |= {r["id"] for r in conn.execute(query, (owner.athlete_id,)).fetchall()}
    return ids


def _call(conn: Conn, f: dict[str, Any], claims: dict[str, Any], uuid: str) -> str | None:
    """The function's result as JSON text, called as ``claims`` (None: it cannot be called)."""
    values = []
    for argument in f["arguments"][: f["required"]]:
        value = uuid if argument == "uuid" else ARGUMENT_VALUES.get(argument)
        if value is None:
            return None
        values.append(sql.SQL("{}::{}").format(sql.Literal(value), sql.SQL(argument)))
    name, _, _ = f["signature"].partition("(")
    schema, _, function = name.partition(".")
    query = sql.SQL(
        "select coalesce(jsonb_agg(to_jsonb(r))::text, '') as result from {}.{}({}) as r"
    ).format(sql.Identifier(schema), sql.Identifier(function), sql.SQL(", ").join(values))
    with conn.transaction(force_rollback=True):
        try:
            with acting_as(conn, claims), conn.cursor(row_factory=dict_row) as cur:
                row = cur.execute(query).fetchone()
        except psycopg.Error:
            return None
    return None if row is None else str(row["result"])


def definer_row_proofs(conn: Conn, owners: Sequence[Owner]) -> dict[str, list[str]]:
    """(c) each security definer function clients may run, called as each athlete of ``owners``
    (and as anon) with generated arguments (uuid ones: another athlete's profile and user id):
    signature -> the rows of other athletes it returned (functions that could not be called
    with generated arguments are left out: their declared owner filter stands)."""
    if len(owners) < 2:
        raise ValueError("the proof needs two athletes with rows")
    ids = {owner: _ids_of(conn, owner) for owner in owners}
    proofs: dict[str, list[str]] = {}
    for f in client_functions(conn):
        if not f["definer"] or f["kind"] != "f" or f["returns"] in NOT_CALLABLE:
            continue
        callers: list[tuple[str, dict[str, Any], Owner | None]] = [
            (f"athlete {o.athlete_id}", athlete_claims(o.user_id), o)
            for o in owners
            if "authenticated" in f["executors"]
        ]
        if "anon" in f["executors"]:
            callers.append(("anon", anon_claims(), None))
        called, leaks = False, []
        for who, claims, me in callers:
            victim = next(o for o in owners if o != me)
            for uuid in (str(victim.athlete_id), str(victim.user_id)):
                result = _call(conn, f, claims, uuid)
                if result is None:
                    continue
                called = True
                others = {o for o in owners if o != me and ids[o] & set(_uuids(result))}
                leaks += [
                    f"{f['signature']}: as {who} it returned rows of athlete {o.athlete_id}:"
                    " filter on the caller ((select private.current_athlete_id()) or"
                    " (select auth.uid())), or make it security invoker"
                    for o in sorted(others, key=lambda o: str(o.athlete_id))
                ]
        if called:
            proofs[f["signature"]] = sorted(set(leaks))
    return proofs


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _uuids(text: str) -> list[str]:
    return UUID.findall(text)


def definer_functions_returning_others_rows(conn: Conn, owners: Sequence[Owner]) -> list[str]:
    """The findings of :func:`definer_row_proofs`, flat."""
    return [leak for leaks in definer_row_proofs(conn, owners).values() for leak in leaks]


CHECKS: dict[str, Check] = {
    "view security invoker": views_without_security_invoker,
    "materialized view readable": readable_materialized_views,
    "extension in exposed schema": extensions_in_exposed_schemas,
    "table without rls outside public": tables_without_rls_outside_public,
    "function execute declared": undeclared_client_functions,
    "definer search_path pinned": definer_functions_with_mutable_search_path,
    "definer owner filter declared": definer_functions_without_owner_filter,
}
"""The catalog judgements (the row proof needs athletes: see definer_row_proofs)."""

# A violation of each judgement, created inside the test's rolled-back transaction, and the
# name every finding must carry.
