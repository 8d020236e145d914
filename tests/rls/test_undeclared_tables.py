"""The security verdict first: author-independent proofs on tables without a declaration.

A table the committed contract describes but ``tests/tables/`` does not declare yet is still
judged, on rows built from the catalog (tests/rls/generic_rows.py), before the suite asks for
its declaration: another athlete neither reads, changes, deletes nor plants rows of the
owner; the anon key reaches nothing; a foreign key into athlete data carries the owner; RLS
is on. These tests are ordered first (the ``security_first`` marker, conftest.py); the
"declare this table" failure (tests/test_declarations.py) comes after them. With every table
declared they have no case and are skipped: the declared tables have the full proofs
(test_access_matrix, test_rls_property, test_existence_leaks, test_cross_tenant_links).
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import DictRow

from hyrox_schema import catalog
from hyrox_schema.contract import load as load_contract
from hyrox_schema.impersonation import anon_claims
from tests.rls import actions
from tests.rls.generic_rows import build_row
from tests.rls.rows import Cast
from tests.tables import PRE_EXISTING, declared

Connection = psycopg.Connection[DictRow]

UNDECLARED = sorted(
    t for t in load_contract().tables() if not declared(t) and t not in PRE_EXISTING
)
pytestmark = pytest.mark.security_first


def _policies(conn: Connection, table: str, command: str) -> str:
    """The policies that apply to ``command`` on ``table``, as the finding names them."""
    found = [
        f'"{p.name}" ({p.command}, using ({p.qual}), with check ({p.with_check}))'
        for p in catalog.policies(conn)
        if p.table == table and p.command in (command, "all")
    ]
    return "; ".join(found) or "no policy"


def _owner_column(conn: Connection, table: str) -> str | None:
    names = {c.name for c in catalog.columns(conn, table)}
    return next((c for c in ("athlete_id", "user_id") if c in names), None)


def _as_json(conn: Connection, table: str, row_id: Any) -> dict[str, Any]:  # noqa: ANN401
    """The row as ``to_jsonb`` shows it (what actions.insert_record takes)."""
    found = conn.execute(
        sql.SQL("select to_jsonb(t) as r from {} as t where id = %s").format(
            sql.Identifier("public", table)
        ),
        (row_id,),
    ).fetchone()
    assert found is not None
    return found["r"]


def _select(table: str, row_id: Any) -> actions.Statement:  # noqa: ANN401 - a uuid
    return actions.select_row(table, row_id)


@pytest.mark.parametrize("table", UNDECLARED)
def test_rls_is_enabled_on_an_undeclared_table(conn: Connection, table: str):
    """RLS is on: without it every grant is a door to every row."""
    (found,) = [t for t in catalog.tables(conn) if t.name == table]
    assert found.rls_enabled, f"public.{table}: row level security is off (enable it)"


@pytest.mark.parametrize("table", UNDECLARED)
def test_another_athlete_cannot_reach_an_undeclared_tables_rows(
    factories_bound: Connection, cast: Cast, table: str
):
    """Another athlete (regular or anonymous sign-in) cannot read, change, delete or plant
    the owner's rows, on a row built from the catalog."""
    owner = _owner_column(factories_bound, table)
    if owner is None:
        pytest.skip(f"public.{table} has no owner column: judged as reference data below")
    victim = cast.victim.profile
    assert victim is not None
    row = build_row(factories_bound, table, victim)
    findings = []
    for attacker in (cast.other, cast.anonymous):
        seen = actions.attempt(factories_bound, attacker.claims, _select(table, row["id"]))
        if seen.error is None and seen.rows:
            findings.append(
                f"public.{table}: another athlete reads the owner's row; select policies: "
                + _policies(factories_bound, table, "select")
            )
        update = actions.update_row(table, row["id"], {owner: str(row[owner])})
        changed = actions.attempt(factories_bound, attacker.claims, update)
        if changed.error is None and changed.rowcount:
            findings.append(
                f"public.{table}: another athlete updates the owner's row; update policies: "
                + _policies(factories_bound, table, "update")
            )
        record = {k: v for k, v in _as_json(factories_bound, table, row["id"]).items() if k != "id"}
        planted = actions.attempt(
            factories_bound,
            attacker.claims,
            actions.insert_record(table, record, omit=("created_at", "updated_at")),
        )
        if planted.error is None:
            findings.append(
                f"public.{table}: another athlete inserts a row owned by the victim "
                f"({owner} = the victim's); insert policies: "
                + _policies(factories_bound, table, "insert")
            )
        deleted = actions.attempt(
            factories_bound, attacker.claims, actions.delete_row(table, row["id"])
        )
        if deleted.error is None and deleted.rowcount:
            findings.append(
                f"public.{table}: another athlete deletes the owner's row; delete policies: "
                + _policies(factories_bound, table, "delete")
            )
            break  # the row is gone
    assert findings == [], "\n".join(dict.fromkeys(findings))


@pytest.mark.parametrize("table", UNDECLARED)
def test_the_anon_key_reaches_nothing_of_an_undeclared_table(
    factories_bound: Connection, cast: Cast, table: str
):
    """anon: no row of athlete data, and no write on any table."""
    owner = _owner_column(factories_bound, table)
    victim = cast.victim.profile
    assert victim is not None
    row = build_row(factories_bound, table, victim)
    findings = []
    seen = actions.attempt(factories_bound, anon_claims(), _select(table, row["id"]))
    if owner is not None and seen.error is None and seen.rows:
        findings.append(
            f"public.{table}: the anon key reads athlete data; select policies: "
            + _policies(factories_bound, table, "select")
        )
    deleted = actions.attempt(factories_bound, anon_claims(), actions.delete_row(table, row["id"]))
    if deleted.error is None and deleted.rowcount:
        findings.append(f"public.{table}: the anon key deletes rows")
    for privilege in ("insert", "update", "delete", "truncate"):
        held = factories_bound.execute(
            "select has_table_privilege('anon', %s, %s) as held", (f"public.{table}", privilege)
        ).fetchone()
        if held and held["held"]:
            findings.append(f"public.{table}: anon holds {privilege} (revoke it)")
    assert findings == [], "\n".join(findings)


@pytest.mark.parametrize("table", UNDECLARED)
def test_foreign_keys_of_an_undeclared_table_carry_the_owner(conn: Connection, table: str):
    """A link to another athlete-owned row is (parent_id, athlete_id) -> parent (id,
    athlete_id): a plain key lets a client point at (and probe for) another athlete's row."""
    owned = {t.name for t in catalog.tables(conn) if _owner_column(conn, t.name) == "athlete_id"}
    plain = [
        f"public.{table}: {fk.name} ({', '.join(fk.columns)}) -> {fk.referenced_table} "
        f"({', '.join(fk.referenced_columns)}) does not carry athlete_id: make it "
        f"({fk.columns[0]}, athlete_id) -> {fk.referenced_table} (id, athlete_id)"
        for fk in catalog.foreign_keys(conn)
        if fk.table == table
        and fk.referenced_schema == "public"
        and fk.referenced_table in owned - {"athlete_profiles"}
        and ("athlete_id" not in fk.columns or "athlete_id" not in fk.referenced_columns)
    ]
    assert plain == [], "\n".join(plain)
