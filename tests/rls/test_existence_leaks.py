"""A stranger cannot tell another athlete's hidden row from a row that does not exist.

For each probe the attacker sends the same statement twice: once with the id
of the victim's real row (hidden by RLS) and once with a random id (absent).
The two answers must be indistinguishable: same SQLSTATE, same constraint,
same message and detail once the probed id itself is masked, same row count.
Design 3.10: every reference carries the writer's own athlete_id, so the
foreign key check never looks at another athlete's rows.
"""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from psycopg.rows import DictRow

from hyrox_schema import catalog
from tests.rls import actions
from tests.rls.links import COMPOSITE_LINKS, LINKS, Link
from tests.rls.rows import Cast, Graph, make_row
from tests.support import access_matrix as spec

Connection = psycopg.Connection[DictRow]


def answer(result: actions.Attempt, probed: str) -> tuple[Any, ...]:
    """What the caller learns from an attempt, with the probed id masked."""
    if result.error is None:
        return ("ok", result.rowcount)
    diag = result.error.diag
    return (
        result.sqlstate,
        diag.constraint_name,
        (diag.message_primary or "").replace(probed, "<id>"),
        (diag.message_detail or "").replace(probed, "<id>"),
    )


def probe_pair(
    conn: Connection,
    claims: dict[str, Any],
    hidden: str,
    build: Any,  # noqa: ANN401 - a factory
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Run ``build(id)`` for the hidden id and for an absent one; return both answers."""
    absent = str(uuid.uuid4())
    return (
        answer(actions.attempt(conn, claims, build(hidden)), hidden),
        answer(actions.attempt(conn, claims, build(absent)), absent),
    )


@pytest.mark.parametrize("link", COMPOSITE_LINKS, ids=lambda link: link.constraint)
def test_insert_pointing_at_a_hidden_row_looks_like_pointing_at_nothing(
    factories_bound: Connection, cast: Cast, victim_graph: Graph, link: Link
):
    """A foreign-key probe on insert answers the same for a hidden and an absent parent."""
    conn = factories_bound
    assert cast.other.profile is not None
    record = actions.take_out(conn, link.table, make_row(link.table, cast.other.profile)["id"])

    hidden, absent = probe_pair(
        conn,
        cast.other.claims,
        str(victim_graph[link.parent]["id"]),
        lambda parent: actions.insert_record(link.table, {**record, link.column: parent}),
    )

    assert hidden == absent
    assert hidden[:2] == ("23503", link.constraint)


@pytest.mark.parametrize("link", COMPOSITE_LINKS, ids=lambda link: link.constraint)
def test_update_pointing_at_a_hidden_row_looks_like_pointing_at_nothing(
    factories_bound: Connection, cast: Cast, victim_graph: Graph, link: Link
):
    """The same probe on update (column-limited tables answer 'permission denied' to both)."""
    conn = factories_bound
    assert cast.other.profile is not None
    row = make_row(link.table, cast.other.profile)

    hidden, absent = probe_pair(
        conn,
        cast.other.claims,
        str(victim_graph[link.parent]["id"]),
        lambda parent: actions.update_row(link.table, row["id"], {link.column: parent}),
    )

    assert hidden == absent
    assert hidden[0] in {"23503", "42501"}


@pytest.mark.parametrize(
    "link", [link for link in LINKS if link.is_owner_key], ids=lambda link: link.constraint
)
def test_claiming_a_hidden_profile_looks_like_claiming_nothing(
    factories_bound: Connection, cast: Cast, link: Link
):
    """Naming the victim's profile as owner answers like naming a profile that does not exist."""
    conn = factories_bound
    assert cast.other.profile is not None
    record = actions.take_out(conn, link.table, make_row(link.table, cast.other.profile)["id"])

    hidden, absent = probe_pair(
        conn,
        cast.other.claims,
        str(cast.victim.athlete_id),
        lambda owner: actions.insert_record(link.table, {**record, "athlete_id": owner}),
    )

    assert hidden == absent
    assert hidden[0] == "42501"


def test_creating_a_profile_for_a_taken_user_looks_like_an_unknown_user(
    factories_bound: Connection, cast: Cast
):
    """A profile for the victim's user (whose profile exists) fails like one for no user at all."""
    conn = factories_bound
    assert cast.newcomer.profile is None
    record = actions.take_out(conn, "athlete_profiles", cast.other.athlete_id)

    hidden, absent = probe_pair(
        conn,
        cast.newcomer.claims,
        str(cast.victim.user["id"]),
        lambda user: actions.insert_record("athlete_profiles", {**record, "user_id": user}),
    )

    assert hidden == absent
    assert hidden[0] == "42501"


@pytest.mark.parametrize("table", spec.athlete_tables(), ids=lambda t: t.name)
@pytest.mark.parametrize("command", [spec.Command.SELECT, spec.Command.UPDATE, spec.Command.DELETE])
def test_reaching_a_hidden_row_by_id_looks_like_reaching_nothing(
    factories_bound: Connection,
    cast: Cast,
    victim_graph: Graph,
    table: spec.TableSpec,
    command: spec.Command,
):
    """select / update / delete by the id of a hidden row answer exactly as for an absent id."""
    statements = {
        spec.Command.SELECT: lambda row_id: actions.select_row(table.name, row_id),
        spec.Command.UPDATE: lambda row_id: actions.update_row(
            table.name, row_id, {table.update_column: table.update_value}
        ),
        spec.Command.DELETE: lambda row_id: actions.delete_row(table.name, row_id),
    }

    hidden, absent = probe_pair(
        factories_bound,
        cast.other.claims,
        str(victim_graph[table.name]["id"]),
        statements[command],
    )

    assert hidden == absent


def test_every_unique_key_on_athlete_data_is_scoped_by_its_owner(conn: Connection):
    """A unique key without the owner column would answer 'duplicate' for another's value."""
    owner_of = {t.name: t.owner_column for t in spec.athlete_tables()}
    unscoped = [
        f"{index.table}: {index.name}"
        for index in catalog.indexes(conn)
        if index.table in owner_of
        and index.unique
        and not index.primary
        and owner_of[index.table] not in index.columns
    ]
    assert unscoped == []


@pytest.mark.parametrize("table", spec.athlete_tables(), ids=lambda t: t.name)
def test_known_residual_primary_key_probe_reveals_nothing_but_existence(
    factories_bound: Connection, cast: Cast, victim_graph: Graph, table: spec.TableSpec
):
    """Residual, not preventable while clients may choose ids: a known id collides on the pkey.

    The probe needs the victim's id (random v4 uuids are never guessed), and
    the error carries no value at all: no column of the hidden row.
    Tables without a client insert grant answer 'permission denied' for both.
    """
    conn = factories_bound
    assert cast.other.profile is not None
    hidden_id = str(victim_graph[table.name]["id"])
    if table.name == "athlete_profiles":
        record = actions.take_out(conn, table.name, cast.other.athlete_id)
    else:
        record = actions.take_out(conn, table.name, make_row(table.name, cast.other.profile)["id"])

    result = actions.attempt(
        conn, cast.other.claims, actions.insert_record(table.name, {**record, "id": hidden_id})
    )

    if not spec.client_may(table, spec.Command.INSERT):
        assert result.outcome(table.name) == spec.Outcome.NO_GRANT
        return
    assert result.sqlstate == "23505"
    assert result.error is not None
    assert result.error.diag.constraint_name == f"{table.name}_pkey"
    # PostgreSQL withholds the key values of an RLS table from the error detail
    assert result.error.diag.message_detail is None
