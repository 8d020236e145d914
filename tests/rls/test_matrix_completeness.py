"""The access matrix covers the catalog: every table, every policy, every grant, nothing more."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import DictRow

from hyrox_schema import catalog
from tests.support import access_matrix as spec
from tests.support.schema_checks import tables_without_rls, tables_without_spec_row

Connection = psycopg.Connection[DictRow]

# has_*_privilege name of each command; UPDATE is column-grantable (messages), so ask
# whether the role may update any column rather than the whole table.
PRIVILEGE_CHECK = {
    spec.Command.SELECT: "select has_any_column_privilege(%s, %s::regclass, 'SELECT') as granted",
    spec.Command.INSERT: "select has_any_column_privilege(%s, %s::regclass, 'INSERT') as granted",
    spec.Command.UPDATE: "select has_any_column_privilege(%s, %s::regclass, 'UPDATE') as granted",
    spec.Command.DELETE: "select has_table_privilege(%s, %s::regclass, 'DELETE') as granted",
}
CLIENT_ROLES = ("anon", "authenticated")


def test_matrix_size_is_tables_times_commands_times_actors():
    """The matrix has one cell per table, command and actor, each with a unique id."""
    cells = list(spec.cells())
    assert len(cells) == len(spec.TABLES) * len(spec.Command) * len(spec.ACTORS)
    assert len({cell.id for cell in cells}) == len(cells)


@pytest.mark.parametrize("table", spec.TABLES, ids=lambda t: t.name)
def test_spec_row_has_one_outcome_per_actor(table: spec.TableSpec):
    """Every command of a table states exactly one outcome for each actor."""
    assert set(table.outcomes) == set(spec.Command)
    assert all(len(row) == len(spec.ACTORS) for row in table.outcomes.values())


@pytest.mark.parametrize("table", spec.TABLES, ids=lambda t: t.name)
def test_spec_policies_open_exactly_the_doors_the_outcomes_need(table: spec.TableSpec):
    """A command has a policy for a client role iff an actor of that role is allowed it."""
    policy_roles = {(policy.command, role) for policy in table.policies for role in policy.roles}
    allowed = {
        (command, actor.role)
        for command in spec.Command
        for actor in spec.ACTORS
        if actor.role in CLIENT_ROLES and table.outcome(command, actor) is spec.Outcome.ALLOWED
    }
    assert policy_roles == allowed


@pytest.mark.parametrize("table", spec.TABLES, ids=lambda t: t.name)
def test_only_the_service_role_bypasses_ownership(table: spec.TableSpec):
    """No actor other than the owners and the service role may write someone's row."""
    for command in (spec.Command.INSERT, spec.Command.UPDATE, spec.Command.DELETE):
        writers = {
            actor.name
            for actor in spec.ACTORS
            if table.outcome(command, actor) is spec.Outcome.ALLOWED
        }
        assert writers <= {"owner", "anonymous_owner", "service_role"}
        assert "service_role" in writers


def test_every_public_table_has_a_spec_row(conn: Connection):
    """Catalog tables of public (but knowledge_chunks) and spec tables are the same set."""
    in_catalog = {t.name for t in catalog.tables(conn, exclude=spec.PUBLIC_WITHOUT_RLS)}
    assert tables_without_spec_row(conn) == [], "tables without a spec row"
    assert set(spec.TABLES_BY_NAME) - in_catalog == set(), "spec rows without a table"


def test_rls_is_enabled_on_every_public_table_but_knowledge_chunks(conn: Connection):
    """No table in the exposed schema is left without row level security."""
    assert tables_without_rls(conn) == []


def test_knowledge_chunks_keeps_rls_off_by_design(conn: Connection):
    """The pre-existing RAG table stays public, as the brief requires."""
    (knowledge_chunks,) = [t for t in catalog.tables(conn) if t.name == "knowledge_chunks"]
    assert not knowledge_chunks.rls_enabled


def test_catalog_policies_are_exactly_the_spec_policies(conn: Connection):
    """Every policy is named by the spec with its command and roles, and vice versa."""
    in_catalog = {
        (p.table, p.name, p.command, tuple(sorted(p.roles)), p.permissive)
        for p in catalog.policies(conn)
    }
    in_spec = {
        (table.name, p.name, str(p.command), tuple(sorted(p.roles)), True)
        for table in spec.TABLES
        for p in table.policies
    }
    undeclared = [
        f'policy "{name}" on {table} ({command} to {", ".join(roles)}): add it to '
        f"access.policies in tests/tables/{table}.py, and make the table's access row "
        "(access.pattern, one of PATTERNS in tests/support/access_matrix.py) give the outcomes "
        "it allows"
        for table, name, command, roles, _ in sorted(in_catalog - in_spec)
    ]
    gone = [
        f'policy "{name}" on {table}: tests/tables/{table}.py declares it, the database has it '
        "not (or with another command or roles)"
        for table, name, _, _, _ in sorted(in_spec - in_catalog)
    ]
    assert undeclared + gone == [], "\n".join(undeclared + gone)


@pytest.mark.parametrize("table", spec.TABLES, ids=lambda t: t.name)
@pytest.mark.parametrize("role", CLIENT_ROLES)
def test_client_grants_match_the_spec(conn: Connection, table: spec.TableSpec, role: str):
    """A client role holds a privilege iff the spec gives one of its actors more than no_grant."""
    actors = [actor for actor in spec.ACTORS if actor.role == role]
    for command in spec.Command:
        outcomes = {table.outcome(command, actor) for actor in actors}
        row = conn.execute(PRIVILEGE_CHECK[command], (role, f"public.{table.name}")).fetchone()
        assert row is not None
        expected = outcomes != {spec.Outcome.NO_GRANT}
        assert row["granted"] is expected, (
            f"{role} {'holds' if row['granted'] else 'lacks'} {command} on public.{table.name}, "
            f"while the access row of tests/tables/{table.name}.py (PATTERNS in "
            f"tests/support/access_matrix.py) gives its actors {sorted(map(str, outcomes))}: "
            "change the row (a pattern with the new outcomes) or the grant in the migration"
        )


@pytest.mark.parametrize("table", spec.TABLES, ids=lambda t: t.name)
def test_clients_never_hold_privileges_that_ignore_rls(conn: Connection, table: spec.TableSpec):
    """TRUNCATE ignores RLS; REFERENCES and TRIGGER are schema powers: never for a client."""
    held = [
        (role, privilege)
        for role in CLIENT_ROLES
        for privilege in ("TRUNCATE", "REFERENCES", "TRIGGER")
        if conn.execute(
            "select has_table_privilege(%s, %s::regclass, %s) as granted",
            (role, f"public.{table.name}", privilege),
        ).fetchone()
        == {"granted": True}
    ]
    assert held == []
