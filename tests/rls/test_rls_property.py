"""Property: whatever several athletes do, in any order, none observes or alters another's rows.

Hypothesis draws interleavings of selects, inserts, updates and deletes by
three athletes (two regular, one anonymous sign-in) on every athlete table,
aimed at their own rows or at someone else's. After every step:

* the step had exactly the outcome the access matrix predicts (so own-row
  steps really happen and the property is not vacuous);
* a fingerprint of every other athlete's data (all 13 tables, as postgres
  sees them) is unchanged, and so is the actor's when the step was refused;
* a select returns only the actor's own rows, and all of them.

Bounded and replayable: 25 derandomized examples, each rolled back to a
savepoint, over data built once per test by the factories.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql
from psycopg.rows import DictRow

from tests.rls import actions
from tests.rls.rows import Cast, Person, lean_graph, make_row
from tests.support import access_matrix as spec

Connection = psycopg.Connection[DictRow]
Outcome = spec.Outcome
TABLES = spec.athlete_tables()
# A profile re-inserted under another owner is just a unique violation on user_id; the
# matrix covers profile inserts. Every other athlete table is fair game.
INSERTABLE = tuple(t for t in TABLES if t.name != "athlete_profiles")


@dataclass(frozen=True)
class Step:
    """One request: ``actor`` runs ``command`` on ``table``, aimed at ``target``'s rows."""

    command: spec.Command
    actor: int
    table: spec.TableSpec
    target: int
    pick: int
    blanket: bool
    """update / delete ``where true`` (every row the policy admits) instead of one id."""

    def __repr__(self) -> str:
        aim = "*" if self.blanket else f"{self.target}#{self.pick}"
        return f"{self.command}({self.actor}->{aim}:{self.table.name})"


steps = st.builds(
    Step,
    command=st.sampled_from(list(spec.Command)),
    actor=st.integers(0, 2),
    table=st.sampled_from(TABLES),
    target=st.integers(0, 2),
    pick=st.integers(0, 7),
    blanket=st.booleans(),
)


def owner_value(person: Person, table: spec.TableSpec) -> str:
    """The person's value in the table's owner column."""
    return str(person.user["id"] if table.owner_column == "user_id" else person.athlete_id)


def fingerprints(conn: Connection) -> dict[str, str]:
    """athlete id -> md5 of every row the athlete owns, in every athlete table (as postgres)."""
    parts = [
        sql.SQL(
            "select {owner}::text as owner, {name} || to_jsonb(t)::text as r from {table} as t"
        ).format(
            owner=sql.Identifier("id" if table.name == "athlete_profiles" else "athlete_id"),
            name=sql.Literal(table.name),
            table=actions.table_sql(table.name),
        )
        for table in TABLES
    ]
    query = sql.SQL(
        "select owner, md5(string_agg(r, '|' order by r)) as fp from ({}) as s group by owner"
    ).format(sql.SQL(" union all ").join(parts))
    return {row["owner"]: row["fp"] for row in conn.execute(query).fetchall()}


def owned_ids(conn: Connection, table: spec.TableSpec, person: Person) -> list[Any]:
    """Ids of the person's rows in ``table``, in a stable order (as postgres)."""
    assert table.owner_column is not None
    query = sql.SQL("select id from {} where {} = %s order by id").format(
        actions.table_sql(table.name), sql.Identifier(table.owner_column)
    )
    return [row["id"] for row in conn.execute(query, (owner_value(person, table),)).fetchall()]


def has_profile(conn: Connection, person: Person) -> bool:
    """Whether the person's profile still exists (deleting it is a legal step)."""
    found = conn.execute(
        "select 1 from public.athlete_profiles where user_id = %s", (person.user["id"],)
    ).fetchone()
    return found is not None


def expected(step: Step, own: bool) -> Outcome:
    """The matrix's prediction: own rows as the owner, others' as a stranger."""
    actor = spec.OWNER if own else spec.OTHER_ATHLETE
    return step.table.outcome(step.command, actor)


def run_step(conn: Connection, people: list[Person], step: Step) -> None:
    """Arrange, run and check one step."""
    actor, target = people[step.actor], people[step.target]
    if not has_profile(conn, actor) or not has_profile(conn, target):
        return  # a deleted account: its owner is now a newcomer, covered by the matrix
    table, own = step.table, step.actor == step.target

    if step.command is spec.Command.SELECT:
        result = actions.attempt(
            conn, actor.claims, actions.select_owners(table.name, table.owner_column or "")
        )
        mine = {owner_value(actor, table)} if owned_ids(conn, table, actor) else set()
        assert {str(row["owner"]) for row in result.rows} == mine, step
        return

    expected_count = None
    if step.command is spec.Command.INSERT:
        if table not in INSERTABLE:
            return
        assert target.profile is not None
        record = actions.take_out(conn, table.name, make_row(table.name, target.profile)["id"])
        statement = actions.insert_record(table.name, record)
    elif step.blanket:
        # reaches exactly the actor's own rows, however many (possibly none)
        own = True
        expected_count = len(owned_ids(conn, table, actor))
        changes = {table.update_column: table.update_value}
        statement = (
            actions.update_all(table.name, changes)
            if step.command is spec.Command.UPDATE
            else actions.delete_all(table.name)
        )
    else:
        ids = owned_ids(conn, table, target)
        if not ids:
            return
        row_id = ids[step.pick % len(ids)]
        statement = (
            actions.update_row(table.name, row_id, {table.update_column: table.update_value})
            if step.command is spec.Command.UPDATE
            else actions.delete_row(table.name, row_id)
        )

    before = fingerprints(conn)
    result = actions.attempt(conn, actor.claims, statement)
    after = fingerprints(conn)

    assert result.current_user == "authenticated"
    outcome = expected(step, own)
    if expected_count == 0 and outcome is Outcome.ALLOWED:
        outcome = Outcome.FILTERED  # nothing of the actor's to touch
    assert result.outcome(table.name) == outcome, step
    if expected_count is not None and outcome is not Outcome.NO_GRANT:
        assert result.rowcount == expected_count, step
    untouchable = [p for p in people if p is not actor or outcome is not Outcome.ALLOWED]
    for person in untouchable:
        key = str(person.athlete_id)
        assert after.get(key) == before.get(key), f"{step} changed {key}"


@pytest.fixture
def people(cast: Cast) -> list[Person]:
    """Three athletes with a lean graph each (built once; every example rolls back to it)."""
    people = [cast.victim, cast.other, cast.anonymous]
    for person in people:
        assert person.profile is not None
        lean_graph(person.profile)
    return people


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(story=st.lists(steps, min_size=1, max_size=8))
def test_no_athlete_observes_or_alters_another_athletes_rows(
    factories_bound: Connection, people: list[Person], story: list[Step]
):
    """Random interleavings of requests by three athletes never cross a tenant boundary."""
    with factories_bound.transaction(force_rollback=True):
        for step in story:
            run_step(factories_bound, people, step)
