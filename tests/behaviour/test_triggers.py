"""Triggers, from the catalog: updated_at is the server's, created_at is frozen, owners fixed."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import DictRow

from factories.athletes import AthleteFactory, AuthUserFactory
from hyrox_schema import catalog
from tests.behaviour.helpers import (
    PRE_EXISTING_TABLES,
    expect_error,
    factory_for,
    fetch,
    triggers_disabled,
)
from tests.tables import (
    declarations,
    declared,
    expected_triggers,
    lock_first_tables,
    owner_of,
)

Connection = psycopg.Connection[DictRow]

# Every list below is a view of the declarations' ``triggers`` (tests/tables/<table>.py).
TABLES = sorted(t.name for t in declarations() if t.triggers.updated_at)
OWNER_COLUMN = {
    t.name: t.owner_column
    for t in declarations()
    if t.triggers.owner_immutable and t.owner_column is not None
}
LINK_TRIGGERS = {name for t in declarations() for name in t.triggers.link}
# training_plan_days.scheduled_date (behaviour: test_scheduled_date.py): name ->
# (timing, events, function, what the definition must say).
SCHEDULED_DATE_TRIGGERS = {
    name: (shape.timing, list(shape.events), shape.function, shape.clause)
    for t in declarations()
    for name, shape in t.triggers.shaped.items()
}
# Design doc 3.3: every table whose writes can reach the plan-day <-> workout-log link
# locks the requesting athlete's profile row first (one lock order).
LOCK_FIRST_TABLES = tuple(t.name for t in lock_first_tables())
LINK_TABLES = frozenset(t.name for t in declarations() if t.triggers.link)
STALE = "2000-01-01 00:00:00+00"
FUTURE = "2100-01-01 00:00:00+00"


def _update(conn: Connection, table: str, row_id: object, **values: object) -> None:
    conn.execute(
        sql.SQL("update {} set {} where id = %s").format(
            sql.Identifier("public", table),
            sql.SQL(", ").join(
                sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder()) for c in values
            ),
        ),
        [*values.values(), row_id],
    )


def _triggers(conn: Connection) -> dict[str, catalog.Trigger]:
    return {t.name: t for t in catalog.triggers(conn) if t.table not in PRE_EXISTING_TABLES}


def test_every_trigger_is_known_and_tested(conn: Connection):
    """The catalog holds exactly the updated_at, owner, link, scheduled-date and lock-order
    triggers (no untested one) on the declared tables."""
    found = {n for n, t in _triggers(conn).items() if declared(t.table)}
    expected = expected_triggers(TABLES)
    missing = [
        f"{n}: declare it in `triggers` of tests/tables/{_triggers(conn)[n].table}.py "
        "(updated_at, owner_immutable, lock_athlete_first, link or shaped)"
        for n in sorted(found - expected)
    ]
    gone = [
        f"{n}: not in the catalog; tests/tables/{owner_of(n).name}.py declares it in `triggers`"
        for n in sorted(expected - found)
    ]
    assert missing + gone == [], "\n".join(missing + gone)


@pytest.mark.parametrize("name", sorted(SCHEDULED_DATE_TRIGGERS))
def test_scheduled_date_trigger_shape(conn: Connection, name: str):
    """The derivation fires before every write of its inputs; plans and weeks push down."""
    timing, events, function, clause = SCHEDULED_DATE_TRIGGERS[name]
    trigger = _triggers(conn)[name]
    assert (trigger.timing, trigger.events, trigger.for_each_row) == (timing, events, True)
    assert trigger.function == function
    assert clause in trigger.definition
    assert trigger.enabled


@pytest.mark.parametrize("table", TABLES)
def test_updated_at_trigger_shape(conn: Connection, table: str):
    """BEFORE UPDATE FOR EACH ROW, no column list, calling private.update_updated_at()."""
    trigger = _triggers(conn)[f"{table}_set_updated_at"]
    assert (trigger.timing, trigger.events, trigger.for_each_row) == ("before", ["update"], True)
    assert trigger.function == "private.update_updated_at"
    assert " UPDATE OF " not in trigger.definition
    assert trigger.enabled


@pytest.mark.parametrize("table", sorted(OWNER_COLUMN))
def test_owner_trigger_shape(conn: Connection, table: str):
    """BEFORE UPDATE OF <owner> FOR EACH ROW WHEN the owner changes, private.forbid_owner_change."""
    trigger = _triggers(conn)[f"{table}_owner_immutable"]
    column = OWNER_COLUMN[table]
    assert (trigger.timing, trigger.events, trigger.for_each_row) == ("before", ["update"], True)
    assert trigger.function == "private.forbid_owner_change"
    assert f"BEFORE UPDATE OF {column} ON" in trigger.definition
    assert f"old.{column} IS DISTINCT FROM new.{column}" in trigger.definition


@pytest.mark.parametrize("table", LOCK_FIRST_TABLES)
def test_lock_first_trigger_shape(conn: Connection, table: str):
    """BEFORE INSERT OR UPDATE OR DELETE FOR EACH STATEMENT, top-level statements only."""
    trigger = _triggers(conn)[f"{table}_lock_athlete_first"]
    assert (trigger.timing, trigger.for_each_row) == ("before", False)
    assert sorted(trigger.events) == ["delete", "insert", "update"]
    assert trigger.function == "private.lock_requesting_athlete"
    assert "WHEN (pg_trigger_depth() = 0)" in trigger.definition
    assert trigger.enabled


def test_every_table_reaching_the_link_locks_the_athlete_first(conn: Connection):
    """Closure over the catalog: a table whose writes reach a link table through a foreign-key
    action (cascade, set null, set default) is in the lock-first list, so a new one fails here."""
    actions = [
        fk
        for fk in catalog.foreign_keys(conn)
        if fk.on_delete in ("cascade", "set null", "set default")
        and fk.referenced_schema == "public"
    ]
    reaching = set(LINK_TABLES)
    grown = True
    while grown:
        parents = {fk.referenced_table for fk in actions if fk.table in reaching}
        grown = not parents <= reaching
        reaching |= parents
    # the profile is the lock itself; its deletion (the account's) takes that row first
    reaching = {t for t in reaching - {"athlete_profiles"} if declared(t)}
    missing = [
        f"{t}: set `triggers=Triggers(lock_athlete_first=True)` in tests/tables/{t}.py "
        "(and give it the <table>_lock_athlete_first trigger, design doc 3.3)"
        for t in sorted(reaching - set(LOCK_FIRST_TABLES))
    ]
    assert missing == [], "\n".join(missing)
    assert sorted(reaching) == sorted(LOCK_FIRST_TABLES)


@pytest.mark.parametrize("table", TABLES)
def test_updated_at_moves_on_update_and_ignores_the_client(factories_bound: Connection, table: str):
    """An UPDATE sets updated_at to now() whatever the client sent; created_at never moves."""
    row = factory_for(table)()
    with triggers_disabled(factories_bound, table):  # make the row look old
        _update(factories_bound, table, row.id, updated_at=STALE)
    stale = fetch(factories_bound, table, row.id)
    assert stale is not None
    assert str(stale["updated_at"].year) == "2000"

    _update(factories_bound, table, row.id, updated_at=FUTURE, created_at=STALE)

    after = fetch(factories_bound, table, row.id)
    now = factories_bound.execute("select now() as now").fetchone()["now"]  # type: ignore[index]
    assert after is not None
    assert after["updated_at"] == now
    assert after["created_at"] == row.created_at


@pytest.mark.parametrize("table", TABLES)
def test_any_update_moves_updated_at(factories_bound: Connection, table: str):
    """An UPDATE that does not mention updated_at still moves it (no column list)."""
    row = factory_for(table)()
    with triggers_disabled(factories_bound, table):
        _update(factories_bound, table, row.id, updated_at=STALE)
    factories_bound.execute(
        sql.SQL("update {} set id = id where id = %s").format(sql.Identifier("public", table)),
        (row.id,),
    )
    after = fetch(factories_bound, table, row.id)
    now = factories_bound.execute("select now() as now").fetchone()["now"]  # type: ignore[index]
    assert after is not None
    assert after["updated_at"] == now


@pytest.mark.commits
def test_updated_at_moves_across_real_transactions(db_factories_bound: Connection):
    """With commits in between, every table's updated_at moves forward; created_at stays."""
    rows = {table: factory_for(table)() for table in TABLES}
    marker = db_factories_bound.execute("select clock_timestamp() as t").fetchone()["t"]  # type: ignore[index]
    for table, row in rows.items():
        with db_factories_bound.transaction():
            _update(db_factories_bound, table, row.id, created_at=STALE)
        after = fetch(db_factories_bound, table, row.id)
        assert after is not None
        assert after["updated_at"] > marker > row.updated_at, table
        assert after["created_at"] == row.created_at, table


@pytest.mark.parametrize("table", sorted(OWNER_COLUMN))
def test_owner_cannot_change(factories_bound: Connection, table: str):
    """Moving a row to another owner fails with 42501 naming the column; same owner is fine."""
    row = factory_for(table)()
    column = OWNER_COLUMN[table]
    new_owner = AuthUserFactory().id if column == "user_id" else AthleteFactory().id
    with expect_error(factories_bound, psycopg.errors.InsufficientPrivilege) as info:
        _update(factories_bound, table, row.id, **{column: new_owner})
    assert f"{table}.{column} cannot change" in str(info.value)
    _update(factories_bound, table, row.id, **{column: row[column]})  # a no-op is allowed
    after = fetch(factories_bound, table, row.id)
    assert after is not None
    assert after[column] == row[column]
