"""The access-deciding-columns rule (issue 18): which columns a policy reads to reach past the
owner, and every path by which a role it serves could write them. Used by
tests/rls/test_access_deciding_columns.py and the gate samples (tests/test_migration_samples.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import psycopg
from psycopg.rows import DictRow

from hyrox_schema import catalog
from tests.support import access_deciding, policy_reads
from tests.support.api_surface import EXPOSED_SCHEMAS
from tests.support.policy_reads import Column, Routine, Schema

Connection = psycopg.Connection[DictRow]

DECLARATIONS = "tests/support/access_deciding.py"
CLIENT_ROLES = ("anon", "authenticated")
"""Who PUBLIC stands for among the API roles (notes: a policy without ``to`` applies to anon)."""


@dataclass(frozen=True)
class Decision:
    """A column that a clause of a policy reads to admit rows beyond the owner's."""

    column: Column
    schema: str
    policy: catalog.Policy
    clause: str
    expression: str

    @property
    def key(self) -> tuple[str, str]:
        return f"{self.column[0]}.{self.column[1]}", self.column[2]

    def describe(self) -> str:
        return (
            f'policy "{self.policy.name}" on {self.schema}.{self.policy.table} '
            f"({self.policy.command} to {', '.join(self.policy.roles)}, "
            f"{self.clause}: {' '.join(self.expression.split())})"
        )


def widening_clauses(conn: Connection) -> Iterator[tuple[str, catalog.Policy, str, str]]:
    """(schema, policy, clause, expression) of every clause not bounded by the owner test."""
    for schema in EXPOSED_SCHEMAS:
        for policy in catalog.policies(conn, schema=schema):
            for clause, expression in (("using", policy.qual), ("with check", policy.with_check)):
                if expression is not None and not policy_reads.owner_bounded(
                    expression, policy.table
                ):
                    yield schema, policy, clause, expression


def decisions(conn: Connection, schema: Schema) -> list[Decision]:
    """Every access-deciding column, with the policy clause it decides in."""
    return [
        Decision(column, name, policy, clause, expression)
        for name, policy, clause, expression in widening_clauses(conn)
        for column in sorted(policy_reads.access_deciding(expression, name, policy.table, schema))
    ]


def served_roles(conn: Connection, policy: catalog.Policy) -> list[str]:
    """The roles a policy decides for: its ``to`` roles (PUBLIC: anon and authenticated),
    less those that bypass RLS (service_role: no policy applies to it)."""
    named = [r for role in policy.roles for r in (CLIENT_ROLES if role == "public" else [role])]
    bypass = {
        row["rolname"]
        for row in conn.execute(
            "select rolname from pg_roles where rolbypassrls and rolname = any(%s)", (named,)
        )
    }
    return [role for role in dict.fromkeys(named) if role not in bypass]


def _writes(source: str, table: str, column: str) -> bool:
    """The body updates, inserts or merges into ``table`` and names ``column`` (or inserts
    without a column list): conservative, textual."""
    text = re.sub(r"--[^\n]*", "", source).lower()
    target = rf'(?:only\s+)?(?:"?\w+"?\s*\.\s*)?"?{re.escape(table)}"?(?!\w)'
    if re.search(rf"\binsert\s+into\s+{target}(?:\s+as\s+\w+)?\s*(?![\s(])", text):
        return True
    statement = re.search(rf"\b(?:update|insert\s+into|merge\s+into)\s+{target}", text)
    return statement is not None and re.search(rf"\b{re.escape(column)}\b", text) is not None


def _assigns_new(source: str, column: str) -> bool:
    return re.search(rf"\bnew\s*\.\s*{re.escape(column)}\s*:?=", source.lower()) is not None


def _reachable(routine: Routine, schema: Schema) -> list[Routine]:
    """``routine`` and every function its body calls, transitively (run with its rights)."""
    found: dict[int, Routine] = {}
    pending = [routine]
    while pending:
        current = pending.pop()
        if current.oid in found:
            continue
        found[current.oid] = current
        for name in policy_reads.routine_reads(current, schema).calls:
            pending.extend(schema.routines.get(name, []))
    return list(found.values())


def write_paths(conn: Connection, column: Column, role: str, schema: Schema) -> list[str]:
    """How ``role`` can write ``column``: grants, definer functions, triggers."""
    table_schema, table, name = column
    qualified = f"{table_schema}.{table}"
    relation = conn.execute(
        """
        select c.oid from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
        where n.nspname = %s and c.relname = %s
        """,
        (table_schema, table),
    ).fetchone()
    assert relation is not None
    paths = [
        f"{privilege} grant to {role} on {qualified} (table or column)"
        for privilege in ("INSERT", "UPDATE")
        if conn.execute(
            "select has_column_privilege(%s, %s::oid, %s, %s) as granted",
            (role, relation["oid"], name, privilege),
        ).fetchone()
        == {"granted": True}
    ]
    routines = {r.oid: r for found in schema.routines.values() for r in found}
    for routine in sorted(routines.values(), key=lambda r: r.qualified):
        if routine.is_trigger or not routine.security_definer:
            continue
        executable = conn.execute(
            "select has_function_privilege(%s, %s::oid, 'EXECUTE') as ok", (role, routine.oid)
        ).fetchone()
        if executable == {"ok": True} and any(
            _writes(r.source, table, name) for r in _reachable(routine, schema)
        ):
            paths.append(f"security definer function {routine.qualified}() executable by {role}")
    triggers = conn.execute(
        """
        select t.tgname as trigger, n.nspname || '.' || c.relname as on_table,
               t.tgfoid::int as function, (t.tgtype & 2) <> 0 as before
        from pg_trigger as t
        join pg_class as c on c.oid = t.tgrelid
        join pg_namespace as n on n.oid = c.relnamespace
        where not t.tgisinternal
          and (has_any_column_privilege(%s, c.oid, 'INSERT')
               or has_any_column_privilege(%s, c.oid, 'UPDATE')
               or has_table_privilege(%s, c.oid, 'DELETE'))
        order by 2, 1
        """,
        (role, role, role),
    ).fetchall()
    for trigger in triggers:
        function = routines.get(trigger["function"])
        if function is None:
            continue
        sets_new = (
            trigger["before"]
            and trigger["on_table"] == qualified
            and _assigns_new(function.source, name)
        )
        definer_writes = function.security_definer and any(
            _writes(r.source, table, name) for r in _reachable(function, schema)
        )
        if sets_new or definer_writes:
            paths.append(
                f"trigger {trigger['trigger']} on {trigger['on_table']} "
                f"({function.qualified}()), fired by {role}'s writes"
            )
    return paths


def writable_access_deciding_columns(
    conn: Connection, declared: Mapping[tuple[str, str], str] | None = None
) -> list[str]:
    """The rule: every access-deciding column a role it decides for can write, undeclared."""
    declared = access_deciding.DECLARED_WRITERS if declared is None else declared
    schema = policy_reads.load_schema(conn)
    findings = []
    for decision in decisions(conn, schema):
        if decision.key in declared:
            continue
        paths = [
            path
            for role in served_roles(conn, decision.policy)
            for path in write_paths(conn, decision.column, role, schema)
        ]
        if paths:
            table, column = decision.key
            findings.append(
                f"{table}.{column}: decides access beyond the owner in {decision.describe()}, "
                f"and the roles it decides for can write it: {'; '.join(paths)}. Make it "
                f"writable only by a role the policy does not serve (revoke the grant, grant "
                f"the other columns back), or declare who writes it and why in {DECLARATIONS}: "
                f"DECLARED_WRITERS[({table!r}, {column!r})]"
            )
    return findings


def stale_declarations(conn: Connection, declared: Mapping[tuple[str, str], str]) -> list[str]:
    """Declarations naming no access-deciding column of the schema."""
    schema = policy_reads.load_schema(conn)
    deciding = {decision.key for decision in decisions(conn, schema)}
    return [
        f"{DECLARATIONS}: DECLARED_WRITERS[{key!r}] names no access-deciding column: remove it"
        for key in declared
        if key not in deciding
    ]


# --- the migrated schema ---------------------------------------------------------------------
