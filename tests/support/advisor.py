"""Supabase Database Advisor (splinter) lints that apply to this schema, as catalog checks.

Each lint is a small function returning its offenders (tests/rls/test_advisor.py runs each
on the migrated schema and on a deliberately bad object; tests/test_migration_samples.py runs
them on every sample migration).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import psycopg
from psycopg.rows import DictRow

from hyrox_schema import catalog

Connection = psycopg.Connection[DictRow]
Lint = Callable[[Connection], list[str]]

MIGRATION_SCHEMAS = ("public", "private")
"""Schemas migration 001 creates objects in."""
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
        if f"{f.schema}.{f.name}" not in catalog.PRE_EXISTING_FUNCTIONS
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
