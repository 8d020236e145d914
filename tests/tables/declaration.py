"""The shape of a table's declaration: everything the suite expects of one table that the
schema contract cannot say by itself, as reviewable data.

One module per table, ``tests/tables/<table>.py``, defines ``TABLE = TableDeclaration(...)``.
The tests derive their cases from these declarations plus the contract
(``tests/tables/__init__.py`` loads them; ``tests/test_declarations.py`` fails, naming the
file to write, for a table of the catalog without one). Plain data; small lambdas only where
a row must be built (the valid-row maker, FK stories, unique duplicates).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tests.support.access_matrix import Kind, Policy
from tests.support.index_requests import Request

Row = Any
"""A factory-made row (``factories.base.Row``: a dict with attribute access)."""
Connection = Any
"""The factories' psycopg connection (dict rows), as the behaviour tests pass it."""
Duplicate = Callable[[], object]
"""Inserts the row a unique rule must refuse."""


class Ownership(StrEnum):
    """Who owns a table's rows, and through which column."""

    ATHLETE = "athlete"
    """Rows belong to an athlete profile through ``athlete_id``."""
    PROFILE = "profile"
    """The athlete profile itself, owned by its auth user through ``user_id``."""
    REFERENCE = "reference"
    """Shared catalogue data: no owner, read by everyone, written by the service role."""

    @property
    def kind(self) -> Kind:
        """The access matrix's kind (a profile is athlete data)."""
        return Kind.REFERENCE if self is Ownership.REFERENCE else Kind.ATHLETE

    @property
    def owner_column(self) -> str | None:
        """The column naming the owner (None for reference data)."""
        return {"athlete": "athlete_id", "profile": "user_id"}.get(self.value)


class Sentinel(StrEnum):
    """Defaults that are not a constant value."""

    UUID = "a generated uuid (gen_random_uuid())"
    NOW = "the transaction's now()"
    CALLER = "private.current_athlete_id(): the requesting athlete's profile id"


@dataclass(frozen=True)
class Access:
    """The table's row of the access matrix (read by tests/rls/*: test_access_matrix,
    test_matrix_completeness, test_anon, test_forged_columns, test_rls_property, ...)."""

    pattern: str
    """A row of ``tests.support.access_matrix.PATTERNS``: command x actor -> outcome. A new
    pattern is added there (where the PR summary compares every cell with main's)."""
    policies: tuple[Policy, ...]
    """Every policy the catalog must show on the table (name, command, roles)."""
    update: tuple[str, object]
    """A column the row's legitimate writer may change and a value: the matrix's UPDATE."""


@dataclass(frozen=True)
class Check:
    """Factory overrides for one CHECK constraint: each ``valid`` is stored, each
    ``invalid`` refused naming the constraint (tests/behaviour/test_constraints.py).

    ``fresh_stations``: clear the seeded stations first (station_number 1..8 is unique).
    ``bypass_triggers``: insert the invalid rows with triggers off, for a CHECK a trigger
    normally keeps true (it is the backstop, and must hold on its own).
    """

    valid: tuple[Mapping[str, Any], ...]
    invalid: tuple[Mapping[str, Any], ...]
    fresh_stations: bool = False
    bypass_triggers: bool = False


@dataclass(frozen=True)
class ParentChild:
    """A real parent row and a child row that references it through one foreign key."""

    parent_table: str
    """Schema-qualified: ``public.conversations``, ``auth.users``."""
    parent_id: Any
    child_table: str
    """A public table name."""
    child_id: Any


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key of this table and its story (tests/behaviour/test_foreign_keys.py)."""

    on_delete: str
    """The designed ON DELETE action: cascade, set null or restrict."""
    story: Callable[[], ParentChild]
    """Builds a real parent and a child of it (on the factories' connection)."""


@dataclass(frozen=True)
class Link:
    """A foreign key from this athlete table to another athlete table's row, attacked across
    tenants by tests/rls/test_cross_tenant_links.py and test_existence_leaks.py."""

    constraint: str
    column: str
    """The referencing column other than athlete_id (athlete_id itself for the owner key)."""
    parent: str


@dataclass(frozen=True)
class TriggerShape:
    """A trigger the catalog must show (tests/behaviour/test_triggers.py)."""

    timing: str
    events: tuple[str, ...]
    function: str
    clause: str
    """Text its definition must contain."""


@dataclass(frozen=True)
class Triggers:
    """The triggers of the table (tests/behaviour/test_triggers.py)."""

    updated_at: bool = True
    """``<table>_set_updated_at``: the server owns updated_at."""
    owner_immutable: bool = True
    """``<table>_owner_immutable``: the owner column never changes (not for reference data)."""
    lock_athlete_first: bool = False
    """``<table>_lock_athlete_first``: its writes can reach the plan-day/log link, so it locks
    the requesting athlete's profile row first (design doc 3.3, one lock order)."""
    link: tuple[str, ...] = ()
    """Triggers keeping the plan-day <-> workout-log link in step (the table holds the link)."""
    shaped: Mapping[str, TriggerShape] = field(default_factory=dict)
    """Other triggers with their exact shape (the scheduled-date derivation)."""


@dataclass(frozen=True)
class TableDeclaration:
    """Everything the suite expects of one table beyond the contract."""

    name: str
    """The table, in ``public``."""
    ownership: Ownership
    """Athlete-owned, the profile, or reference data (owner column follows)."""
    access: Access
    """Its access-matrix row."""
    make_row: Callable[[Row], Row]
    """One new valid row owned by the given athlete profile row (reference data: any row);
    the factory class writing the table is found by ``factories`` (one per table)."""
    checks: Mapping[str, Check] = field(default_factory=dict)
    """CHECK constraint name -> good and bad values (every CHECK of the contract)."""
    foreign_keys: Mapping[str, ForeignKey] = field(default_factory=dict)
    """Foreign key name -> designed ON DELETE action and a parent/child story."""
    links: tuple[Link, ...] = ()
    """Foreign keys into other athletes' data that an attacker could aim across tenants."""
    defaults: Mapping[str, Any] = field(default_factory=dict)
    """Column -> the default it must store (besides id, created_at, updated_at, athlete_id)."""
    trigger_derived: Mapping[str, Any] = field(default_factory=dict)
    """Columns a BEFORE trigger always computes: an explicit NULL becomes this value."""
    uniques: Mapping[str, Callable[[Connection], Duplicate]] = field(default_factory=dict)
    """Unique rule -> given the connection, arrange the controls and return the duplicate."""
    fk_target_keys: tuple[str, ...] = ()
    """Unique keys that only exist as targets of composite foreign keys ((id, athlete_id))."""
    index_requests: Mapping[str, Request] = field(default_factory=dict)
    """Non-unique index -> the request it serves (tests/benchmarks/test_index_usage.py)."""
    soft_delete: str | None = None
    """The soft-delete column (``deleted_at``), or None when rows are deleted for real."""
    owner_defaults_to_caller: bool = True
    """athlete_id defaults to private.current_athlete_id() (awards: the backend names it)."""
    factory_parents: Callable[[Row], Mapping[str, Any]] | None = None
    """Factory keyword arguments of a row of the given athlete (default: ``athlete=``)."""
    triggers: Triggers = field(default_factory=Triggers)
    """The triggers the table must carry."""
    in_er_diagram: bool = True
    """The ER diagram of docs/design_decisions.md lists the table (tests/test_design_doc.py)."""

    @property
    def kind(self) -> Kind:
        """The access matrix's kind."""
        return self.ownership.kind

    @property
    def owner_column(self) -> str | None:
        """athlete_id, user_id (the profile) or None (reference data)."""
        return self.ownership.owner_column

    @property
    def file(self) -> str:
        """Where this declaration lives, for failure messages."""
        return f"tests/tables/{self.name}.py"
