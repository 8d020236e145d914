"""NOT NULL, column defaults and unique rules, driven from the schema contract.

The lists come from the committed contract (contract/, see hyrox_schema/contract), never from
the catalog under test: a NOT NULL, default or unique dropped from the migration is still
in the contract, so its test still runs and fails. Every NOT NULL column refuses an
explicit NULL; every column default is asserted by value (a contract default without an
expectation here fails); every unique constraint or index is violated once by name (or
shown to be an FK target that only the primary key can violate).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg.rows import DictRow

import factories
from factories import base
from factories.athletes import AthleteFactory, AuthUserFactory
from factories.reference import HyroxStationFactory
from hyrox_schema import catalog
from hyrox_schema.contract import load as load_contract
from hyrox_schema.impersonation import acting_as, athlete_claims, service_claims
from tests.behaviour.helpers import (
    PRE_EXISTING_TABLES,
    expect_error,
    factory_for,
    triggers_disabled,
)
from tests.tables import athlete_id_tables, declaration, declarations, declared, owner_of
from tests.tables.declaration import Sentinel

Connection = psycopg.Connection[DictRow]

# Columns a BEFORE trigger always computes: an explicit NULL is overwritten, not refused.
TRIGGER_DERIVED = {
    (table.name, column): value
    for table in declarations()
    for column, value in table.trigger_derived.items()
}

UUID = Sentinel.UUID  # a generated uuid
NOW = Sentinel.NOW  # the transaction's now()
CALLER = Sentinel.CALLER  # private.current_athlete_id(): the requesting athlete's profile id

# (table, column) -> the default it must store: the declarations' ``defaults``
EXPECTED_DEFAULTS: dict[tuple[str, str], Any] = {
    (table.name, column): value
    for table in declarations()
    for column, value in table.defaults.items()
}


CONTRACT = load_contract()
TABLES = sorted(t for t in CONTRACT.tables() if declared(t))
OWNED = sorted(t.name for t in athlete_id_tables())


def _expected_default(table: str, column: str) -> Any:  # noqa: ANN401 - any column value
    if column == "id":
        return UUID
    if column in ("created_at", "updated_at"):
        return NOW
    if column == "athlete_id":
        return CALLER
    return EXPECTED_DEFAULTS[(table, column)]


# --------------------------------------------------------------------------- NOT NULL


@pytest.mark.parametrize("table", TABLES)
def test_not_null_columns_refuse_null(factories_bound: Connection, table: str):
    """Every column the contract calls NOT NULL refuses an explicit NULL, naming it (23502)."""
    columns = CONTRACT.not_null_columns(table)
    assert columns, f"{table} has no NOT NULL column"
    make = factory_for(table)
    for column in columns:
        if (table, column) in TRIGGER_DERIVED:
            row = make(**{column: None})
            assert row[column] == TRIGGER_DERIVED[(table, column)]
            # the trigger overwrites NULL; past a bypass of it, NOT NULL still refuses
            with (
                expect_error(factories_bound, psycopg.errors.NotNullViolation) as info,
                triggers_disabled(factories_bound, table),
            ):
                make(**{column: None})
            assert info.value.diag.column_name == column
            continue
        with expect_error(factories_bound, psycopg.errors.NotNullViolation) as info:
            make(**{column: None})
        assert info.value.diag.column_name == column
        assert info.value.diag.table_name == table


def test_nullable_columns_are_the_designed_ones(conn: Connection):
    """Ownership, keys and timestamps are NOT NULL on every table."""
    for table in TABLES:
        columns = {c.name: c for c in catalog.columns(conn, table)}
        for name in ("id", "created_at", "updated_at", "athlete_id", "user_id"):
            if name in columns:
                assert columns[name].not_null, f"{table}.{name} is nullable"


# --------------------------------------------------------------------------- defaults


def test_every_default_has_an_expectation():
    """Each column default in the contract is asserted here (a new default needs a case)."""
    defaults = {
        (t, column)
        for t in TABLES
        for column in CONTRACT.defaults(t)
        if column not in ("id", "created_at", "updated_at", "athlete_id")
    }
    missing = [
        f'{t}.{c}: add `"{c}": <the value it must store>` to `defaults` in tests/tables/{t}.py'
        for t, c in sorted(defaults - EXPECTED_DEFAULTS.keys())
    ]
    gone = [
        f"{t}.{c}: the contract has no default; remove it from `defaults` in tests/tables/{t}.py"
        for t, c in sorted(EXPECTED_DEFAULTS.keys() - defaults)
    ]
    assert missing + gone == [], "\n".join(missing + gone)
    with_id_default = [t for t in TABLES if CONTRACT.defaults(t).get("id") == "gen_random_uuid()"]
    assert sorted(with_id_default) == sorted(TABLES)


def test_athlete_id_defaults_to_the_caller_except_awards():
    """athlete_id defaults to private.current_athlete_id() on every owned table but awards."""
    defaults = {t: CONTRACT.defaults(t).get("athlete_id") for t in OWNED}
    callers = {t.name for t in athlete_id_tables() if t.owner_defaults_to_caller}
    assert sorted(set(OWNED) - callers) == ["athlete_achievements"]  # the backend names them
    assert defaults.pop("athlete_achievements") is None
    assert set(defaults.values()) == {"private.current_athlete_id()"}


@pytest.mark.parametrize("table", TABLES)
def test_column_defaults_apply(factories_bound: Connection, table: str):
    """Inserting DEFAULT stores the designed default for every column the contract defaults."""
    columns = [c for c in CONTRACT.defaults(table) if c != "athlete_id"]
    overrides: dict[str, Any] = dict.fromkeys(columns, factories.DEFAULT)
    if table == "hyrox_stations":
        factories_bound.execute("delete from exercise_library where hyrox_station_id is not null")
        factories_bound.execute("delete from hyrox_stations where station_number = 8")
        overrides["station_number"] = 8
    if table == "training_plan_days":
        overrides["session_type"] = "run"
    row = factory_for(table)(**overrides)
    now = factories_bound.execute("select now() as now").fetchone()["now"]  # type: ignore[index]
    for column in columns:
        expected = _expected_default(table, column)
        if expected is UUID:
            assert isinstance(row[column], uuid.UUID)
            assert row[column].version == 4
        elif expected is NOW:
            assert row[column] == now
        else:
            assert row[column] == expected, f"{table}.{column}"


def _parent_kwargs(table: str, athlete: base.Row) -> dict[str, Any]:
    """Parent rows for a child of ``athlete`` (created before acting as the athlete): the
    declaration's ``factory_parents``."""
    parents = declaration(table).factory_parents
    return dict(parents(athlete)) if parents else {"athlete": athlete}


@pytest.mark.parametrize("table", [t for t in OWNED if t != "athlete_achievements"])
def test_athlete_id_default_is_the_requesting_athlete(factories_bound: Connection, table: str):
    """An athlete's insert without athlete_id is owned by that athlete."""
    athlete = AthleteFactory()
    parents = _parent_kwargs(table, athlete)
    with acting_as(factories_bound, athlete_claims(athlete.user_id)):
        row = factory_for(table)(athlete_id=factories.DEFAULT, **parents)
    assert row.athlete_id == athlete.id


@pytest.mark.parametrize("table", [t for t in OWNED if t != "athlete_achievements"])
def test_service_role_must_name_the_athlete(factories_bound: Connection, table: str):
    """For the service role (no profile) the default is NULL, so the insert is refused."""
    athlete = AthleteFactory()
    parents = _parent_kwargs(table, athlete)
    with (
        expect_error(factories_bound, psycopg.errors.NotNullViolation) as info,
        acting_as(factories_bound, service_claims()),
    ):
        factory_for(table)(athlete_id=factories.DEFAULT, **parents)
    assert info.value.diag.column_name == "athlete_id"


# --------------------------------------------------------------------------- uniques

Duplicate = Callable[[], object]

# unique rule -> arrange the controls, return the duplicate: the declarations' ``uniques``
UNIQUE_CASES: dict[str, Callable[[Connection], Duplicate]] = {
    name: make for table in declarations() for name, make in table.uniques.items()
}

# (id, athlete_id) keys exist as targets of the composite same-owner foreign keys, and
# (id, station_number) as the target of the split-to-station-order key; id alone is the
# primary key, so only a duplicate id (the pkey) could ever violate them.
FK_TARGET_KEYS = {name for table in declarations() for name in table.fk_target_keys}


def _unique_indexes(conn: Connection) -> list[catalog.Index]:
    return [
        i for i in catalog.indexes(conn)
        if i.unique and not i.primary and i.table not in PRE_EXISTING_TABLES
    ]  # fmt: skip


def test_every_unique_rule_has_a_case():
    """Each unique rule of the contract is violated below or is a composite-FK target."""
    tables = {n: t for n, t in CONTRACT.unique_indexes().items() if declared(t)}
    names = set(tables)
    missing = [
        f"{n}: add it to `uniques` (a duplicate it refuses) or `fk_target_keys` in "
        f"tests/tables/{tables[n]}.py"
        for n in sorted(names - UNIQUE_CASES.keys() - FK_TARGET_KEYS)
    ]
    gone = [
        f"{n}: not in the contract; remove it from tests/tables/{owner_of(n).name}.py"
        for n in sorted((UNIQUE_CASES.keys() | FK_TARGET_KEYS) - names)
    ]
    assert missing + gone == [], "\n".join(missing + gone)


def test_fk_target_keys_lead_with_the_primary_key_and_are_referenced(conn: Connection):
    """Each composite-FK target key starts with the pkey column and backs a composite FK."""
    indexes = {i.name: i for i in _unique_indexes(conn)}
    referenced = {
        (fk.referenced_table, tuple(fk.referenced_columns)) for fk in catalog.foreign_keys(conn)
    }
    for name in FK_TARGET_KEYS:
        index = indexes[name]
        assert len(index.columns) == 2, name
        assert index.columns[0] == "id", name
        assert (index.table, tuple(index.columns)) in referenced, name


@pytest.mark.parametrize("name", sorted(UNIQUE_CASES))
def test_unique_rule_refuses_a_duplicate(factories_bound: Connection, name: str):
    """The duplicate is refused with a UniqueViolation naming the rule (after the controls)."""
    duplicate = UNIQUE_CASES[name](factories_bound)
    with expect_error(factories_bound, psycopg.errors.UniqueViolation, name):
        duplicate()


@pytest.mark.parametrize("table", TABLES)
def test_primary_key_refuses_a_duplicate_id(factories_bound: Connection, table: str):
    """Re-inserting a row's id is refused by <table>_pkey."""
    make = factory_for(table)
    first = make() if table != "hyrox_stations" else HyroxStationFactory(station_number=3)
    with expect_error(factories_bound, psycopg.errors.UniqueViolation, f"{table}_pkey"):
        generated = set(CONTRACT.generated_columns(table))
        values = {
            k: v for k, v in first.items() if k not in {"created_at", "updated_at", *generated}
        }
        if table == "athlete_profiles":
            values["user_id"] = AuthUserFactory().id
        base.insert_row(factories_bound, f"public.{table}", values)
