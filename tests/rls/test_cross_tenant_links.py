"""No foreign key is a door into another athlete's data, on insert or on update.

The attacker (``other``) writes rows of their own that point at the victim's
rows through every foreign key into athlete data. Composite keys
``(parent_id, athlete_id)`` make each attempt a foreign-key violation whether
the attacker sends their own ``athlete_id`` or lets the default fill it;
claiming the victim's ``athlete_id`` instead is an RLS violation. Beside every
attack, the same statement pointing at the attacker's own row succeeds.
The backend is held to the same rule: the service role (BYPASSRLS) cannot
link across tenants either.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg.rows import DictRow

from hyrox_schema import catalog
from hyrox_schema.impersonation import service_claims
from tests.rls import actions
from tests.rls.links import COMPOSITE_LINKS, LINKS, Link
from tests.rls.rows import Cast, Graph, make_row
from tests.support import access_matrix as spec

Connection = psycopg.Connection[DictRow]
Outcome = spec.Outcome
FK_VIOLATION = "23503"


def victim_parent_id(link: Link, victim: Graph) -> str:
    """Id of the victim's row the attack points at."""
    return str(victim[link.parent]["id"])


def expected_attack(link: Link, command: spec.Command, columns: set[str]) -> Outcome | str:
    """What a client attack on ``link`` must end in: no grant, RLS violation or FK violation."""
    table = spec.TABLES_BY_NAME[link.table]
    if not spec.client_may(table, command, columns):
        return Outcome.NO_GRANT
    if "athlete_id" in columns:
        return Outcome.RLS_DENIED if command is spec.Command.INSERT else "42501 owner change"
    return FK_VIOLATION


def observed(result: actions.Attempt, table: str) -> Outcome | str:
    """The attempt's outcome, with FK violations and owner-change refusals named."""
    if result.sqlstate == FK_VIOLATION:
        return FK_VIOLATION
    if result.sqlstate == "42501" and "cannot change" in result.message:
        return "42501 owner change"
    return result.outcome(table)


def own_record(conn: Connection, link: Link, cast: Cast) -> dict[str, Any]:
    """A complete, valid row of the attacker's, taken out so it can be inserted again."""
    assert cast.other.profile is not None
    return actions.take_out(conn, link.table, make_row(link.table, cast.other.profile)["id"])


def test_links_cover_every_foreign_key_into_athlete_data(conn: Connection):
    """The attack list names every foreign key whose parent is an athlete table."""
    athlete_tables = {table.name for table in spec.athlete_tables()}
    in_catalog = {
        (fk.name, fk.table, fk.referenced_table)
        for fk in catalog.foreign_keys(conn)
        if fk.referenced_table in athlete_tables and fk.table != "athlete_profiles"
    }
    attacked = {(link.constraint, link.table, link.parent) for link in LINKS}
    assert in_catalog == attacked


def test_composite_links_carry_the_owner(conn: Connection):
    """Every link between athlete tables is (column, athlete_id) -> parent (id, athlete_id)."""
    by_name = {fk.name: fk for fk in catalog.foreign_keys(conn)}
    for link in COMPOSITE_LINKS:
        fk = by_name[link.constraint]
        assert (fk.columns, fk.referenced_columns) == (
            [link.column, "athlete_id"],
            ["id", "athlete_id"],
        )


@pytest.mark.parametrize("link", COMPOSITE_LINKS, ids=lambda link: link.constraint)
@pytest.mark.parametrize("owner", ["explicit_athlete_id", "default_athlete_id"])
def test_insert_cannot_link_to_another_athletes_row(
    factories_bound: Connection, cast: Cast, victim_graph: Graph, link: Link, owner: str
):
    """Inserting an own row that points at the victim's row fails; pointing at an own row works."""
    conn = factories_bound
    record = own_record(conn, link, cast)
    omit = {"athlete_id"} if owner == "default_athlete_id" else set()
    own_parent = str(make_row(link.parent, cast.other.profile)["id"])

    attack = actions.attempt(
        conn,
        cast.other.claims,
        actions.insert_record(
            link.table, {**record, link.column: victim_parent_id(link, victim_graph)}, omit=omit
        ),
    )
    control = actions.attempt(
        conn,
        cast.other.claims,
        actions.insert_record(link.table, {**record, link.column: own_parent}, omit=omit),
    )

    assert attack.current_user == "authenticated"
    expected = expected_attack(link, spec.Command.INSERT, set())
    assert observed(attack, link.table) == expected
    if expected == FK_VIOLATION:
        assert attack.error is not None
        assert attack.error.diag.constraint_name == link.constraint
        assert observed(control, link.table) == Outcome.ALLOWED
        stored = actions.snapshot(conn, link.table, record["id"])
        assert stored is not None
        assert stored["athlete_id"] == str(cast.other.athlete_id)


@pytest.mark.parametrize("link", COMPOSITE_LINKS, ids=lambda link: link.constraint)
def test_insert_claiming_the_victims_athlete_id_is_an_rls_violation(
    factories_bound: Connection, cast: Cast, victim_graph: Graph, link: Link
):
    """Matching the victim's parent with the victim's athlete_id trips the insert policy instead."""
    conn = factories_bound
    record = own_record(conn, link, cast)
    forged = {
        **record,
        link.column: victim_parent_id(link, victim_graph),
        "athlete_id": str(cast.victim.athlete_id),
    }

    attack = actions.attempt(conn, cast.other.claims, actions.insert_record(link.table, forged))

    assert attack.current_user == "authenticated"
    assert observed(attack, link.table) == expected_attack(
        link, spec.Command.INSERT, {"athlete_id"}
    )
    assert actions.snapshot(conn, link.table, record["id"]) is None


@pytest.mark.parametrize(
    "link", [link for link in LINKS if link.is_owner_key], ids=lambda link: link.constraint
)
def test_insert_cannot_name_another_athlete_as_owner(
    factories_bound: Connection, cast: Cast, link: Link
):
    """A top-level row claiming the victim as its owner is refused; the own id is accepted."""
    conn = factories_bound
    record = own_record(conn, link, cast)
    forged = {**record, "athlete_id": str(cast.victim.athlete_id)}

    attack = actions.attempt(conn, cast.other.claims, actions.insert_record(link.table, forged))
    control = actions.attempt(conn, cast.other.claims, actions.insert_record(link.table, record))

    expected = expected_attack(link, spec.Command.INSERT, {"athlete_id"})
    assert attack.current_user == "authenticated"
    assert observed(attack, link.table) == expected
    assert observed(control, link.table) == (
        Outcome.NO_GRANT if expected is Outcome.NO_GRANT else Outcome.ALLOWED
    )


@pytest.mark.parametrize("link", COMPOSITE_LINKS, ids=lambda link: link.constraint)
def test_update_cannot_relink_to_another_athletes_row(
    factories_bound: Connection, cast: Cast, victim_graph: Graph, link: Link
):
    """Re-pointing an own row at the victim's row fails; re-pointing it at an own row works."""
    conn = factories_bound
    assert cast.other.profile is not None
    row = make_row(link.table, cast.other.profile)
    before = actions.snapshot(conn, link.table, row["id"])
    own_parent = str(make_row(link.parent, cast.other.profile)["id"])

    attack = actions.attempt(
        conn,
        cast.other.claims,
        actions.update_row(
            link.table, row["id"], {link.column: victim_parent_id(link, victim_graph)}
        ),
    )

    expected = expected_attack(link, spec.Command.UPDATE, {link.column})
    assert attack.current_user == "authenticated"
    assert observed(attack, link.table) == expected
    assert actions.snapshot(conn, link.table, row["id"]) == before
    if expected == FK_VIOLATION:
        assert attack.error is not None
        assert attack.error.diag.constraint_name == link.constraint
        control = actions.attempt(
            conn,
            cast.other.claims,
            actions.update_row(link.table, row["id"], {link.column: own_parent}),
        )
        assert observed(control, link.table) == Outcome.ALLOWED


@pytest.mark.parametrize("link", COMPOSITE_LINKS, ids=lambda link: link.constraint)
@pytest.mark.parametrize("command", [spec.Command.INSERT, spec.Command.UPDATE])
def test_service_role_cannot_link_across_athletes_either(
    factories_bound: Connection,
    cast: Cast,
    victim_graph: Graph,
    link: Link,
    command: spec.Command,
):
    """The composite key holds for the backend too (BYPASSRLS does not bypass foreign keys)."""
    conn = factories_bound
    victim_parent = victim_parent_id(link, victim_graph)
    if command is spec.Command.INSERT:
        record = own_record(conn, link, cast)
        statement = actions.insert_record(link.table, {**record, link.column: victim_parent})
    else:
        assert cast.other.profile is not None
        row = make_row(link.table, cast.other.profile)
        statement = actions.update_row(link.table, row["id"], {link.column: victim_parent})

    attack = actions.attempt(conn, service_claims(), statement)

    assert attack.current_user == "service_role"
    assert observed(attack, link.table) == FK_VIOLATION
    assert attack.error is not None
    assert attack.error.diag.constraint_name == link.constraint
