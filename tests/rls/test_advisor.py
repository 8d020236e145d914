"""Supabase Database Advisor (splinter) lints that apply to this schema, as catalog tests.

Each lint is a small function returning its offenders; each is run against the
migrated schema (expect none) and against a deliberately bad object created in
the rolled-back test transaction (expect it to be caught), so a lint that
silently matches nothing cannot pass for a clean schema.

The lints about what an API role can reach (0010 security_definer_view, 0016
materialized_view_in_api, 0014 extension_in_public, 0028/0029
security_definer_function_executable) are judged, in a stricter form and for every
reachable schema, with the other API-reachable objects in
tests/rls/test_api_reachable_objects.py (the exposed schemas: tests/support/api_surface.py).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import psycopg
import pytest
from psycopg.rows import DictRow

from hyrox_schema import catalog

Connection = psycopg.Connection[DictRow]
Lint = Callable[[Connection], list[str]]

MIGRATION_SCHEMAS = ("public", "private")
"""Schemas migration 001 creates objects in."""
PRE_EXISTING_FUNCTIONS = frozenset({"public.hybrid_search_chunks", "public.match_chunks"})
"""RPCs that pre-date 001; the brief forbids recreating them, so their settings are not ours."""

# Request-context functions that are row-independent and must be wrapped in (select ...):
# the auth helpers (splinter 0003), current_setting(), and this schema's private helpers.
PER_STATEMENT_CALL = re.compile(
    r"(?P<fn>\bauth\.(?:uid|jwt|role|email)\(|\bcurrent_setting\(|\bprivate\.\w+\()",
    re.IGNORECASE,
)
WRAPPED = re.compile(r"select\s+$", re.IGNORECASE)
ALWAYS_TRUE = frozenset({"true", "(true)", "1=1", "(1=1)"})
COMMANDS_OF = {
    "all": ("select", "insert", "update", "delete"),
    "select": ("select",),
    "insert": ("insert",),
    "update": ("update",),
    "delete": ("delete",),
}


def _normalised(expression: str | None) -> str:
    return re.sub(r"\s+", "", (expression or "").lower())


def bare_request_function_calls(conn: Connection) -> list[str]:
    """0003 auth_rls_initplan: a row-independent call not wrapped in ``(select ...)``."""
    offenders = []
    for policy in catalog.policies(conn):
        for clause, expression in (("using", policy.qual), ("with check", policy.with_check)):
            for match in PER_STATEMENT_CALL.finditer(expression or ""):
                if not WRAPPED.search(expression[: match.start()] if expression else ""):
                    offenders.append(f"{policy.table}: {policy.name} ({clause}: {match['fn']})")
    return offenders


def multiple_permissive_policies(conn: Connection) -> list[str]:
    """0006 multiple_permissive_policies: two permissive policies for one role and command."""
    seen: Counter[tuple[str, str, str]] = Counter()
    for policy in catalog.policies(conn):
        if policy.permissive:
            for role in policy.roles:
                for command in COMMANDS_OF[policy.command]:
                    seen[(policy.table, role, command)] += 1
    return [f"{table}: {role} {command}" for (table, role, command), n in seen.items() if n > 1]


def policies_on_tables_without_rls(conn: Connection) -> list[str]:
    """0007 policy_exists_rls_disabled: a policy that is not enforced."""
    without_rls = {t.name for t in catalog.tables(conn) if not t.rls_enabled}
    return [f"{p.table}: {p.name}" for p in catalog.policies(conn) if p.table in without_rls]


def rls_tables_without_policies(conn: Connection) -> list[str]:
    """0008 rls_enabled_no_policy: RLS on, no policy: the table is silently unusable."""
    with_policy = {p.table for p in catalog.policies(conn)}
    return [t.name for t in catalog.tables(conn) if t.rls_enabled and t.name not in with_policy]


def _index_covers(index: catalog.Index, columns: list[str]) -> bool:
    """Keys lead with ``columns`` in order; a predicate may only exclude NULL keys."""
    if index.columns[: len(columns)] != columns:
        return False
    if index.predicate is None:
        return True
    conditions = re.split(r"\s+AND\s+", index.predicate.strip("()"), flags=re.IGNORECASE)
    not_null = [re.fullmatch(r"\(?(\w+) IS NOT NULL\)?", c, re.IGNORECASE) for c in conditions]
    return all(match is not None and match[1] in columns for match in not_null)


def unindexed_foreign_keys(conn: Connection) -> list[str]:
    """0001 unindexed_foreign_keys: the referencing columns lead no (usable) index."""
    by_table: dict[str, list[catalog.Index]] = {}
    for index in catalog.indexes(conn):
        by_table.setdefault(index.table, []).append(index)
    return [
        f"{fk.table}: {fk.name} ({', '.join(fk.columns)})"
        for fk in catalog.foreign_keys(conn)
        if not any(_index_covers(index, fk.columns) for index in by_table.get(fk.table, []))
    ]


def duplicate_indexes(conn: Connection) -> list[str]:
    """0009 duplicate_index: two indexes with the same keys, method and predicate."""
    groups: dict[tuple[object, ...], list[str]] = {}
    for index in catalog.indexes(conn):
        key = (
            index.table,
            index.method,
            tuple(index.columns),
            tuple(index.include),
            index.predicate,
        )
        groups.setdefault(key, []).append(index.name)
    return [" = ".join(sorted(names)) for names in groups.values() if len(names) > 1]


def functions_with_mutable_search_path(conn: Connection) -> list[str]:
    """0011 function_search_path_mutable: a function that does not pin search_path."""
    return [
        f"{f.schema}.{f.name}({f.arguments})"
        for schema in MIGRATION_SCHEMAS
        for f in catalog.functions(conn, schema=schema)
        if f"{f.schema}.{f.name}" not in PRE_EXISTING_FUNCTIONS
        and not any(setting.startswith("search_path=") for setting in f.config)
    ]


def always_true_write_policies(conn: Connection) -> list[str]:
    """0024 rls_policy_always_true: a client write policy whose condition is always true."""
    offenders = []
    for p in catalog.policies(conn):
        client = set(p.roles) & {"public", "anon", "authenticated"}
        if not p.permissive or not client or p.command == "select":
            continue
        open_using = p.command in {"update", "delete", "all"} and (
            p.qual is None or _normalised(p.qual) in ALWAYS_TRUE
        )
        open_check = _normalised(p.with_check) in ALWAYS_TRUE or (
            p.with_check is None and (p.command == "insert" or _normalised(p.qual) in ALWAYS_TRUE)
        )
        if open_using or open_check:
            offenders.append(f"{p.table}: {p.name}")
    return offenders


def policies_reading_user_metadata(conn: Connection) -> list[str]:
    """0015 rls_references_user_metadata: user_metadata is user-editable, never authorise on it."""
    return [
        f"{p.table}: {p.name}"
        for p in catalog.policies(conn)
        if "user_metadata" in f"{p.qual} {p.with_check}"
    ]


def policies_for_every_role(conn: Connection) -> list[str]:
    """A policy without ``to <role>`` applies to anon too (notes: pitfall 3)."""
    return [f"{p.table}: {p.name}" for p in catalog.policies(conn) if "public" in p.roles]


LINTS: dict[str, Lint] = {
    "auth_rls_initplan": bare_request_function_calls,
    "multiple_permissive_policies": multiple_permissive_policies,
    "policy_exists_rls_disabled": policies_on_tables_without_rls,
    "rls_enabled_no_policy": rls_tables_without_policies,
    "unindexed_foreign_keys": unindexed_foreign_keys,
    "duplicate_index": duplicate_indexes,
    "function_search_path_mutable": functions_with_mutable_search_path,
    "rls_policy_always_true": always_true_write_policies,
    "rls_references_user_metadata": policies_reading_user_metadata,
    "policy_for_public_role": policies_for_every_role,
}

# A violation of each lint, created inside the test's rolled-back transaction.
PROBE_TABLE = """
    create table public.advisor_probe (
      id uuid primary key,
      owner_id uuid references public.athlete_profiles (id),
      note text
    );
    alter table public.advisor_probe enable row level security;
"""
VIOLATIONS: dict[str, str] = {
    "auth_rls_initplan": PROBE_TABLE
    + """
        create policy probe_bare on public.advisor_probe for select to authenticated
          using (owner_id = private.current_athlete_id() or id = auth.uid());
        create index on public.advisor_probe (owner_id);
    """,
    "multiple_permissive_policies": PROBE_TABLE
    + """
        create policy probe_a on public.advisor_probe for select to authenticated
          using (id = (select auth.uid()));
        create policy probe_b on public.advisor_probe for all to authenticated
          using (owner_id = (select private.current_athlete_id()));
    """,
    "policy_exists_rls_disabled": """
        create policy probe_unenforced on public.knowledge_chunks for select to anon using (true);
    """,
    "rls_enabled_no_policy": PROBE_TABLE,
    "unindexed_foreign_keys": PROBE_TABLE
    + """
        create index on public.advisor_probe (note, owner_id);
        create index on public.advisor_probe (owner_id) where note is not null;
    """,
    "duplicate_index": """
        create index probe_copy_a on public.goals (athlete_id, status);
    """,
    "function_search_path_mutable": """
        create function private.probe() returns int language sql as 'select 1';
    """,
    "rls_policy_always_true": PROBE_TABLE
    + """
        create policy probe_open on public.advisor_probe for update to authenticated
          using (id = (select auth.uid())) with check (true);
    """,
    "rls_references_user_metadata": PROBE_TABLE
    + """
        create policy probe_meta on public.advisor_probe for select to authenticated
          using (((select auth.jwt()) -> 'user_metadata' ->> 'coach') = 'true');
    """,
    "policy_for_public_role": PROBE_TABLE
    + """
        create policy probe_everyone on public.advisor_probe for select
          using (id = (select auth.uid()));
    """,
}


@pytest.mark.parametrize("lint", LINTS, ids=str)
def test_schema_passes_advisor_lint(conn: Connection, lint: str):
    """Migration 001 raises nothing for this Database Advisor lint."""
    assert LINTS[lint](conn) == []


@pytest.mark.parametrize("lint", LINTS, ids=str)
def test_advisor_lint_catches_a_violation(conn: Connection, lint: str):
    """The lint reports a deliberately bad object (so an empty report means something)."""
    with conn.transaction(force_rollback=True):
        conn.execute(VIOLATIONS[lint])  # type: ignore[arg-type]  # fixed probe DDL, no input
        assert LINTS[lint](conn) != []


def test_search_path_exemptions_are_the_pre_existing_rpcs(conn: Connection):
    """The exemptions name only the RPCs that pre-date 001 (and they are still there)."""
    public = {f"{f.schema}.{f.name}" for f in catalog.functions(conn, schema="public")}
    assert public >= PRE_EXISTING_FUNCTIONS
