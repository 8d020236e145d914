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

Each table's row lives in its declaration (``tests/tables/<table>.py``, ``access``: a
pattern of ``PATTERNS`` below, its policies and an updatable column); ``TABLES`` is the
view over them. ``tests/rls/test_access_matrix.py`` turns every cell into a test;
``tests/rls/test_matrix_completeness.py`` fails when the catalog has a table
or policy this spec does not name (or the other way round).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final


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


PATTERNS: Final[Mapping[str, Mapping[Command, tuple[Outcome, ...]]]] = {
    "reference": _REFERENCE,
    "athlete_crud": _ATHLETE_CRUD,
    "messages": _MESSAGES,
    "awarded_by_backend": _ACHIEVEMENTS,
}
"""The rows a declaration's ``Access.pattern`` names (tests/tables/<table>.py): a table's row
of the matrix. A new kind of row is added here, where the PR summary compares every cell."""


def spec_of(declaration: Any) -> TableSpec:  # noqa: ANN401 - a tests.tables declaration
    """The matrix's view of one table declaration (tests/tables/<table>.py)."""
    column, value = declaration.access.update
    return TableSpec(
        name=declaration.name,
        kind=declaration.kind,
        owner_column=declaration.owner_column,
        update_column=column,
        update_value=value,
        outcomes=PATTERNS[declaration.access.pattern],
        policies=declaration.access.policies,
    )


def tables() -> tuple[TableSpec, ...]:
    """Every declared table's row of the matrix, in name order."""
    from tests.tables import declarations  # the declarations import this module's types

    return tuple(spec_of(d) for d in declarations())


def __getattr__(name: str) -> Any:  # noqa: ANN401 - module attributes, PEP 562
    """``TABLES`` and ``TABLES_BY_NAME``: views of the declarations, built on first use."""
    if name == "TABLES":
        return tables()
    if name == "TABLES_BY_NAME":
        return {table.name: table for table in tables()}
    raise AttributeError(name)


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
    for table in tables():
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
    return tuple(table for table in tables() if table.kind is Kind.ATHLETE)


def reference_tables() -> tuple[TableSpec, ...]:
    """The reference tables of the spec."""
    return tuple(table for table in tables() if table.kind is Kind.REFERENCE)
