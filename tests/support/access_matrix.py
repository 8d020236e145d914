"""The access matrix: table x command x actor -> outcome, as plain data.

It states the brief's RLS table ("RLS Policy Strategy") as refined by
``docs/design_decisions.md`` (3.6 "Who writes what", 5.1 "Row level
security", 5.2 "Grants"):

* reference tables: everyone reads (anon included); only the service role writes;
* athlete tables: an athlete (anonymous sign-ins included) has full CRUD on
  their own rows and sees nothing of anyone else's; anon has no grant at all;
* ``messages``: no delete for clients (update is column-limited to ``pinned``
  and ``feedback``; the column rules live in ``test_forged_columns``);
* ``athlete_achievements``: read-only for athletes; the backend awards.

``tests/rls/test_access_matrix.py`` turns every cell into a test;
``tests/rls/test_matrix_completeness.py`` fails when the catalog has a table
or policy this spec does not name (or the other way round).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Command(StrEnum):
    """An SQL command a PostgREST request can issue against a table."""

    SELECT = "select"
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"


class Outcome(StrEnum):
    """What happens when an actor issues a command against a row."""

    ALLOWED = "allowed"
    """The command takes effect (row returned, inserted, changed or removed)."""
    FILTERED = "filtered"
    """No error, 0 rows: the row is invisible and, for writes, stays unchanged."""
    RLS_DENIED = "rls_denied"
    """SQLSTATE 42501, 'new row violates row-level security policy'."""
    NO_GRANT = "no_grant"
    """SQLSTATE 42501, 'permission denied for table': the role lacks the privilege."""


class Kind(StrEnum):
    """How a table is owned."""

    REFERENCE = "reference"
    ATHLETE = "athlete"


@dataclass(frozen=True)
class Actor:
    """Who sends the request, relative to the row under test (the target row)."""

    name: str
    role: str
    """Database role PostgREST switches to: anon, authenticated or service_role."""
    signed_in: bool = False
    """Has an auth.users row and a ``sub`` claim."""
    anonymous_sign_in: bool = False
    """JWT claim ``is_anonymous``: a Supabase anonymous sign-in (still role authenticated)."""
    has_profile: bool = False
    """Has an athlete_profiles row (and therefore a current_athlete_id())."""
    owns_target: bool = False
    """The target row belongs to this actor (otherwise to a regular athlete, the victim)."""


OWNER: Final = Actor("owner", "authenticated", signed_in=True, has_profile=True, owns_target=True)
ANONYMOUS_OWNER: Final = Actor(
    "anonymous_owner",
    "authenticated",
    signed_in=True,
    anonymous_sign_in=True,
    has_profile=True,
    owns_target=True,
)
OTHER_ATHLETE: Final = Actor("other_athlete", "authenticated", signed_in=True, has_profile=True)
ANONYMOUS_STRANGER: Final = Actor(
    "anonymous_stranger", "authenticated", signed_in=True, anonymous_sign_in=True, has_profile=True
)
NEWCOMER: Final = Actor("newcomer", "authenticated", signed_in=True)
"""Signed in, no profile yet: current_athlete_id() is NULL."""
ANON_VISITOR: Final = Actor("anon_visitor", "anon")
"""The anon key without a user: role anon, no ``sub``."""
SERVICE_ROLE: Final = Actor("service_role", "service_role")
"""The backend with the service key: BYPASSRLS."""

ACTORS: Final[tuple[Actor, ...]] = (
    OWNER,
    ANONYMOUS_OWNER,
    OTHER_ATHLETE,
    ANONYMOUS_STRANGER,
    NEWCOMER,
    ANON_VISITOR,
    SERVICE_ROLE,
)
ACTORS_BY_NAME: Final[Mapping[str, Actor]] = {actor.name: actor for actor in ACTORS}

# Short names for the outcome rows below; one column per actor, in ACTORS order.
A, F, R, G = Outcome.ALLOWED, Outcome.FILTERED, Outcome.RLS_DENIED, Outcome.NO_GRANT
#           owner anon_owner other anon_stranger newcomer anon_visitor service_role

_REFERENCE: Final = {
    # design 3.6: reference tables are read by everyone, written by the service role
    Command.SELECT: (A, A, A, A, A, A, A),
    Command.INSERT: (G, G, G, G, G, G, A),
    Command.UPDATE: (G, G, G, G, G, G, A),
    Command.DELETE: (G, G, G, G, G, G, A),
}
_ATHLETE_CRUD: Final = {
    # brief: CRUD restricted to the owner; design 5.2: anon has no grant on athlete data
    Command.SELECT: (A, A, F, F, F, G, A),
    Command.INSERT: (A, A, R, R, R, G, A),
    Command.UPDATE: (A, A, F, F, F, G, A),
    Command.DELETE: (A, A, F, F, F, G, A),
}
_MESSAGES: Final = {
    # design 3.6: read own, post user messages, update pinned/feedback only, never delete
    Command.SELECT: (A, A, F, F, F, G, A),
    Command.INSERT: (A, A, R, R, R, G, A),
    Command.UPDATE: (A, A, F, F, F, G, A),
    Command.DELETE: (G, G, G, G, G, G, A),
}
_ACHIEVEMENTS: Final = {
    # design 3.6: athletes read their own; the backend (service role) awards
    Command.SELECT: (A, A, F, F, F, G, A),
    Command.INSERT: (G, G, G, G, G, G, A),
    Command.UPDATE: (G, G, G, G, G, G, A),
    Command.DELETE: (G, G, G, G, G, G, A),
}


@dataclass(frozen=True)
class Policy:
    """One policy as the catalog should show it."""

    name: str
    command: Command
    roles: tuple[str, ...] = ("authenticated",)


@dataclass(frozen=True)
class TableSpec:
    """Everything the matrix needs to know about one table."""

    name: str
    kind: Kind
    owner_column: str | None
    """Column naming the owner: athlete_id, user_id (profiles) or None (reference)."""
    update_column: str
    """A column the row's legitimate writer may change; the matrix's UPDATE sets it."""
    update_value: object
    outcomes: Mapping[Command, tuple[Outcome, ...]]
    policies: tuple[Policy, ...]

    def outcome(self, command: Command, actor: Actor) -> Outcome:
        """The outcome the spec states for ``actor`` issuing ``command`` on this table."""
        return self.outcomes[command][ACTORS.index(actor)]


def _reference(name: str, policy: str) -> TableSpec:
    return TableSpec(
        name=name,
        kind=Kind.REFERENCE,
        owner_column=None,
        update_column="description",
        update_value="Corrected by the service",
        outcomes=_REFERENCE,
        policies=(Policy(policy, Command.SELECT, ("anon", "authenticated")),),
    )


def _crud(
    name: str,
    *,
    read: str,
    create: str,
    update: str,
    delete: str,
    update_column: str = "notes",
    update_value: object = "Edited",
    owner_column: str = "athlete_id",
) -> TableSpec:
    return TableSpec(
        name=name,
        kind=Kind.ATHLETE,
        owner_column=owner_column,
        update_column=update_column,
        update_value=update_value,
        outcomes=_ATHLETE_CRUD,
        policies=(
            Policy(read, Command.SELECT),
            Policy(create, Command.INSERT),
            Policy(update, Command.UPDATE),
            Policy(delete, Command.DELETE),
        ),
    )


def _owned(noun: str) -> dict[str, str]:
    """Policy names of a table the athlete owns directly: 'athletes can read their own X'."""
    return {
        "read": f"athletes can read their own {noun}",
        "create": f"athletes can create their own {noun}",
        "update": f"athletes can update their own {noun}",
        "delete": f"athletes can delete their own {noun}",
    }


TABLES: Final[tuple[TableSpec, ...]] = (
    _reference("hyrox_stations", "everyone can read hyrox stations"),
    _reference("exercise_library", "everyone can read the exercise library"),
    _reference("achievement_definitions", "everyone can read achievement definitions"),
    _crud(
        "athlete_profiles",
        **_owned("profile"),
        owner_column="user_id",
        update_column="display_name",
        update_value="Renamed",
    ),
    _crud(
        "conversations",
        **_owned("conversations"),
        update_column="title",
        update_value="Renamed by the athlete",
    ),
    TableSpec(
        name="messages",
        kind=Kind.ATHLETE,
        owner_column="athlete_id",
        update_column="pinned",
        update_value=True,
        outcomes=_MESSAGES,
        policies=(
            Policy("athletes can read messages of their own conversations", Command.SELECT),
            Policy("athletes can post user messages in their own conversations", Command.INSERT),
            Policy("athletes can pin and rate messages of their own conversations", Command.UPDATE),
        ),
    ),
    _crud("training_plans", **_owned("training plans"), update_column="goal"),
    _crud(
        "training_plan_weeks",
        read="athletes can read weeks of their own training plans",
        create="athletes can add weeks to their own training plans",
        update="athletes can update weeks of their own training plans",
        delete="athletes can delete weeks of their own training plans",
        update_column="focus",
    ),
    _crud(
        "training_plan_days",
        read="athletes can read days of their own training plans",
        create="athletes can add days to their own training plans",
        update="athletes can update days of their own training plans",
        delete="athletes can delete days of their own training plans",
    ),
    _crud("workout_logs", **_owned("workout logs")),
    _crud("benchmark_tests", **_owned("benchmark tests")),
    _crud("race_results", **_owned("race results")),
    _crud(
        "race_splits",
        read="athletes can read splits of their own races",
        create="athletes can add splits to their own races",
        update="athletes can update splits of their own races",
        delete="athletes can delete splits of their own races",
    ),
    _crud("personal_records", **_owned("personal records")),
    _crud("goals", **_owned("goals"), update_column="description"),
    TableSpec(
        name="athlete_achievements",
        kind=Kind.ATHLETE,
        owner_column="athlete_id",
        update_column="context",
        update_value={"corrected": True},
        outcomes=_ACHIEVEMENTS,
        policies=(Policy("athletes can read their own achievements", Command.SELECT),),
    ),
)
TABLES_BY_NAME: Final[Mapping[str, TableSpec]] = {table.name: table for table in TABLES}

PUBLIC_WITHOUT_RLS: Final[frozenset[str]] = frozenset({"knowledge_chunks"})
"""Tables in public that keep RLS off by design (the brief: do not change knowledge_chunks)."""

CLIENT_UPDATE_COLUMNS: Final[Mapping[str, frozenset[str]]] = {
    "messages": frozenset({"pinned", "feedback"}),
}
"""Tables whose UPDATE grant is column-limited: the only columns a client may set (design 3.6)."""

MESSAGE_ASSISTANT_ONLY_COLUMNS: Final[dict[str, object]] = {
    # column -> a value a forger would try (valid for the column's type and checks)
    "rag_chunks_used": ["chunk_001"],
    "suggested_actions": [{"type": "log_workout", "label": "Log this workout"}],
    "tokens_in": 1200,
    "tokens_out": 800,
    "latency_ms": 950,
    "feedback": "thumbs_up",
}
"""Columns only the backend writes: the insert policy admits only role 'user', and
messages_assistant_only_fields_check keeps them NULL on user messages."""


@dataclass(frozen=True)
class Cell:
    """One table x command x actor cell of the matrix."""

    table: TableSpec
    command: Command
    actor: Actor

    @property
    def outcome(self) -> Outcome:
        """The outcome the spec states for this cell."""
        return self.table.outcome(self.command, self.actor)

    @property
    def id(self) -> str:
        """Readable test id, e.g. ``workout_logs-update-other_athlete``."""
        return f"{self.table.name}-{self.command}-{self.actor.name}"


def cells() -> Iterator[Cell]:
    """Every cell of the matrix, table by table."""
    for table in TABLES:
        for command in Command:
            for actor in ACTORS:
                yield Cell(table, command, actor)


def control_actor(table: TableSpec, command: Command) -> Actor:
    """Who the spec allows to issue ``command`` on a row: the owner, else the service role.

    A denial is only meaningful beside a positive control: the same statement
    on the same row succeeds for this actor.
    """
    for actor in (OWNER, SERVICE_ROLE):
        if table.outcome(command, actor) is Outcome.ALLOWED:
            return actor
    raise LookupError(f"nobody may {command} {table.name}")


def client_may(table: TableSpec, command: Command, columns: Iterable[str] = ()) -> bool:
    """Whether an owner's ``command`` on ``table`` (setting ``columns``) passes the grants."""
    if table.outcome(command, OWNER) is Outcome.NO_GRANT:
        return False
    limited = CLIENT_UPDATE_COLUMNS.get(table.name)
    return command is not Command.UPDATE or limited is None or set(columns) <= limited


def athlete_tables() -> tuple[TableSpec, ...]:
    """The athlete-owned tables of the spec."""
    return tuple(table for table in TABLES if table.kind is Kind.ATHLETE)


def reference_tables() -> tuple[TableSpec, ...]:
    """The reference tables of the spec."""
    return tuple(table for table in TABLES if table.kind is Kind.REFERENCE)
