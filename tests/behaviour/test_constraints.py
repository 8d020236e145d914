"""Every CHECK constraint: edge values accepted, each invalid value rejected by name.

The cases are the declarations' ``checks`` (tests/tables/<table>.py), keyed by constraint name
and compared with the catalog: a CHECK added to the migration without cases there (or a case
for a dropped one) fails the suite, naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg.rows import DictRow

from hyrox_schema import catalog
from tests.behaviour.helpers import (
    PRE_EXISTING_TABLES,
    expect_error,
    factory_for,
    triggers_disabled,
)
from tests.tables import declared, iter_entries
from tests.tables.declaration import Check

Connection = psycopg.Connection[DictRow]
Values = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """One declared CHECK case (``checks`` of tests/tables/<table>.py) with its table."""

    table: str
    valid: tuple[Values, ...]
    invalid: tuple[Values, ...]
    fresh_stations: bool = False
    bypass_triggers: bool = False


CASES: dict[str, Case] = {
    name: Case(table.name, check.valid, check.invalid, check.fresh_stations, check.bypass_triggers)
    for table, name, check in iter_entries("checks")
    if isinstance(check, Check)
}


def _resolve(values: Values) -> Values:
    return {k: (v() if callable(v) else v) for k, v in values.items()}


def _as_stored(value: Any) -> Any:  # noqa: ANN401 - any column value
    """Floats come back from numeric columns as Decimal."""
    return Decimal(str(value)) if isinstance(value, float) else value


def _clear_stations(conn: Connection) -> None:
    conn.execute("delete from exercise_library where hyrox_station_id is not null")
    conn.execute("delete from hyrox_stations")


def _label(values: Values) -> str:
    parts = []
    for key, value in values.items():
        shown = getattr(value, "__name__", None) if callable(value) else repr(value)
        shown = shown if shown is None or len(shown) <= 24 else f"{shown[:12]}...{shown[-6:]}"
        parts.append(f"{key}={shown}")
    return ",".join(parts) or "defaults"


def _params(kind: str) -> list[Any]:
    return [
        pytest.param(name, case, values, id=f"{name}-{_label(values)}")
        for name, case in CASES.items()
        for values in getattr(case, kind)
    ]


def test_every_check_constraint_has_cases(conn: Connection):
    """The declared cases cover exactly the CHECK constraints of the declared tables."""
    in_catalog = {
        c.name: c.table
        for c in catalog.check_constraints(conn)
        if c.table not in PRE_EXISTING_TABLES and declared(c.table)
    }
    missing = [
        f"{name}: add it to `checks` in tests/tables/{table}.py "
        "(valid and invalid values, e.g. enum(column, good, bad))"
        for name, table in sorted(in_catalog.items())
        if name not in CASES
    ]
    assert missing == [], "CHECK constraints without test cases:\n" + "\n".join(missing)
    gone = [
        f"{name}: remove it from `checks` in tests/tables/{CASES[name].table}.py"
        for name in sorted(CASES.keys() - in_catalog.keys())
    ]
    assert gone == [], "cases for CHECK constraints that are gone:\n" + "\n".join(gone)


def test_every_case_has_valid_and_invalid_values():
    """Each constraint is shown both to accept something and to reject something."""
    thin = [name for name, case in CASES.items() if not case.valid or not case.invalid]
    assert thin == []


def test_cases_target_their_constraints_table(conn: Connection):
    """Each case writes the table its constraint is declared on."""
    tables = {c.name: c.table for c in catalog.check_constraints(conn)}
    wrong = {n: c.table for n, c in CASES.items() if tables.get(n, c.table) != c.table}
    assert wrong == {}


@pytest.mark.parametrize(("name", "case", "values"), _params("valid"))
def test_check_accepts_valid_value(
    factories_bound: Connection, name: str, case: Case, values: Values
):
    """The value is stored as given."""
    if case.fresh_stations:
        _clear_stations(factories_bound)
    resolved = _resolve(values)
    try:
        with factories_bound.transaction():
            row = factory_for(case.table)(**resolved)
    except psycopg.errors.CheckViolation as refused:
        pytest.fail(
            f"{refused.diag.constraint_name} refuses {values}, a valid case of {name} in "
            f"`checks` of tests/tables/{case.table}.py. If a migration narrowed it on purpose, "
            "move the value to the invalid cases (and declare `-- data-change: narrow "
            "<schema.table.column> -- <why>` in the migration); otherwise the CHECK refuses "
            "valid input"
        )
    stored = {k: row[k] for k in resolved if k in row}
    assert stored == {k: _as_stored(v) for k, v in resolved.items() if k in row}


@pytest.mark.parametrize(("name", "case", "values"), _params("invalid"))
def test_check_rejects_invalid_value(
    factories_bound: Connection, name: str, case: Case, values: Values
):
    """The row is refused with a CheckViolation naming this constraint."""
    if case.fresh_stations:
        _clear_stations(factories_bound)
    resolved = _resolve(values)
    make = factory_for(case.table)
    with expect_error(factories_bound, psycopg.errors.CheckViolation, name):
        if case.bypass_triggers:
            with triggers_disabled(factories_bound, case.table):
                make(**resolved)
        else:
            make(**resolved)
