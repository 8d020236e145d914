"""A fresh athlete with one plan, two days, two logs and a chat: the rows the link paths touch.

Names, not ids, describe a world's state, so a concurrent run and a serial run on
two different athletes can be compared::

    plan P (active) -> week W -> days D1 (linked to L1), D2 (unlinked)
    logs L1 (completed, on D1), L2 (completed, no day), both from conversation C
    L3, L4: the ids of a log the first, the second request creates
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import DictRow

from hyrox_schema.impersonation import athlete_claims

Connection = psycopg.Connection[DictRow]

ROW_NAMES = ("U", "A", "C", "P", "W", "D1", "D2", "L1", "L2", "L3", "L4")


@dataclass(frozen=True)
class World:
    """Ids of one athlete's rows, by name."""

    ids: dict[str, uuid.UUID] = field(default_factory=lambda: {n: uuid.uuid4() for n in ROW_NAMES})

    @property
    def claims(self) -> dict[str, Any]:
        """The athlete's JWT claims (what PostgREST sets for the request)."""
        return athlete_claims(self.ids["U"])

    @property
    def athlete_id(self) -> uuid.UUID:
        """The athlete's profile id."""
        return self.ids["A"]

    def params(self, turn: int) -> dict[str, uuid.UUID]:
        """Query parameters of the ``turn``-th request (0 or 1): the ids, NEW = its new log."""
        return {**self.ids, "NEW": self.ids["L3" if turn == 0 else "L4"]}

    def name_of(self, value: uuid.UUID | None) -> str | None:
        """The name of one of this world's ids (None stays None)."""
        if value is None:
            return None
        return next(name for name, id_ in self.ids.items() if id_ == value)


_WORLD_SQL = (
    "insert into auth.users (id, aud, role, email)"
    " values (%(U)s, 'authenticated', 'authenticated', %(U)s || '@example.test')",
    "insert into athlete_profiles (id, user_id, display_name) values (%(A)s, %(U)s, 'Ana')",
    "insert into conversations (id, athlete_id) values (%(C)s, %(A)s)",
    "insert into training_plans (id, athlete_id, plan_name, duration_weeks, status)"
    " values (%(P)s, %(A)s, 'Sub 90', 1, 'active')",
    "insert into training_plan_weeks (id, training_plan_id, athlete_id, week_number)"
    " values (%(W)s, %(P)s, %(A)s, 1)",
    "insert into training_plan_days"
    " (id, training_plan_week_id, athlete_id, day_of_week, session_type)"
    " values (%(D1)s, %(W)s, %(A)s, 1, 'run'), (%(D2)s, %(W)s, %(A)s, 2, 'hiit')",
    "insert into workout_logs"
    " (id, athlete_id, date, session_type, training_plan_day_id, conversation_id)"
    " values (%(L1)s, %(A)s, date '2026-01-05', 'run', %(D1)s, %(C)s),"
    " (%(L2)s, %(A)s, date '2026-01-06', 'hiit', null, %(C)s)",
)


def build_world(owner: Connection) -> World:
    """Create the athlete and its rows (committed, as the owner)."""
    world = World()
    with owner.transaction():
        for statement in _WORLD_SQL:
            owner.execute(statement, world.ids)
    return world


def state_of(owner: Connection, world: World) -> dict[str, Any]:
    """The world's end state, by row name: what exists and how it is linked."""
    ids = list(world.ids.values())
    state: dict[str, Any] = {}
    for row in owner.execute(
        "select id, deleted_at is not null as deleted from training_plans where id = any(%s)",
        (ids,),
    ):
        state[world.name_of(row["id"])] = ("plan", row["deleted"])
    for row in owner.execute("select id from training_plan_weeks where id = any(%s)", (ids,)):
        state[world.name_of(row["id"])] = ("week",)
    for row in owner.execute(
        "select id, linked_workout_log_id, is_completed from training_plan_days where id = any(%s)",
        (ids,),
    ):
        state[world.name_of(row["id"])] = (
            "day",
            world.name_of(row["linked_workout_log_id"]),
            row["is_completed"],
        )
    for row in owner.execute(
        "select id, training_plan_day_id, conversation_id, deleted_at is not null as deleted"
        " from workout_logs where id = any(%s)",
        (ids,),
    ):
        state[world.name_of(row["id"])] = (
            "log",
            world.name_of(row["training_plan_day_id"]),
            world.name_of(row["conversation_id"]),
            row["deleted"],
        )
    for row in owner.execute("select id from conversations where id = any(%s)", (ids,)):
        state[world.name_of(row["id"])] = ("conversation",)
    return state
