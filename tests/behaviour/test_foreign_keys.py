"""Every foreign key, from the catalog: delete a real parent and check the child's fate.

cascade: the child is gone; set null: the child stays with only its link cleared (owner
kept); restrict: the delete is refused by name (23001 on PG 18, 23503 up to 17) and succeeds
once the child is gone.
Composite (parent_id, athlete_id) keys also refuse a link to another athlete's parent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import DictRow

from factories.athletes import AthleteFactory
from factories.chat import ConversationFactory, MessageFactory
from factories.races import RaceSplitFactory
from factories.reference import stations
from hyrox_schema import catalog
from hyrox_schema.contract import load as load_contract
from hyrox_schema.engines import restrict_violation
from tests.behaviour.helpers import PRE_EXISTING_TABLES, expect_error, fetch
from tests.tables import declared, iter_entries, owner_of
from tests.tables.declaration import ForeignKey, ParentChild

Connection = psycopg.Connection[DictRow]


Link = ParentChild

# name -> (designed ON DELETE action, builder of a real parent/child pair): the declarations'
# ``foreign_keys`` (tests/tables/<table>.py)
FOREIGN_KEYS: dict[str, tuple[str, Callable[[], Link]]] = {
    name: (fk.on_delete, fk.story)
    for _, name, fk in iter_entries("foreign_keys")
    if isinstance(fk, ForeignKey)
}


def _catalog_fks(conn: Connection) -> dict[str, catalog.ForeignKey]:
    return {fk.name: fk for fk in catalog.foreign_keys(conn) if fk.table not in PRE_EXISTING_TABLES}


def _fk_by_name(_: Connection) -> dict[str, catalog.ForeignKey]:
    """The foreign keys as the schema contract states them (the behaviour tests' expectation)."""
    return load_contract().foreign_keys()


def _delete(conn: Connection, table: str, row_id: Any) -> None:  # noqa: ANN401 - a uuid
    schema, name = table.split(".")
    conn.execute(
        sql.SQL("delete from {} where id = %s").format(sql.Identifier(schema, name)), (row_id,)
    )


def _clear_other_references(conn: Connection, link: Link) -> None:
    """Delete every other row that references the parent, so only the child holds it."""
    schema, parent = link.parent_table.split(".")
    for fk in catalog.foreign_keys(conn):
        if fk.referenced_table != parent or fk.referenced_schema != schema:
            continue
        column = fk.columns[fk.referenced_columns.index("id")]
        conn.execute(
            sql.SQL("delete from {} where {} = %s and not (%s = {} and id = %s)").format(
                sql.Identifier("public", fk.table),
                sql.Identifier(column),
                sql.Literal(fk.table),
            ),
            (link.parent_id, link.child_table, link.child_id),
        )


def test_every_foreign_key_is_exercised(conn: Connection):
    """The declarations cover exactly the catalog's foreign keys (of declared tables)."""
    fks = {name: fk.table for name, fk in _catalog_fks(conn).items() if declared(fk.table)}
    missing = [
        f"{name}: add it to `foreign_keys` in tests/tables/{table}.py "
        '(ForeignKey("cascade" | "set null" | "restrict", <story building parent and child>))'
        for name, table in sorted(fks.items())
        if name not in FOREIGN_KEYS
    ]
    assert missing == [], "foreign keys without a test:\n" + "\n".join(missing)
    gone = [
        f"{name}: remove it from `foreign_keys` in tests/tables/{owner_of(name).name}.py"
        for name in sorted(FOREIGN_KEYS.keys() - fks.keys())
    ]
    assert gone == [], "tests of foreign keys that are gone:\n" + "\n".join(gone)


@pytest.mark.parametrize("name", sorted(FOREIGN_KEYS))
def test_on_delete_action_is_the_designed_one(conn: Connection, name: str):
    """The catalog's ON DELETE action is the one the design calls for."""
    assert _catalog_fks(conn)[name].on_delete == FOREIGN_KEYS[name][0]


@pytest.mark.parametrize("name", sorted(FOREIGN_KEYS))
def test_deleting_the_parent_decides_the_childs_fate(factories_bound: Connection, name: str):
    """Delete the real parent; the child is gone, unlinked, or the delete is refused."""
    fk = _fk_by_name(factories_bound)[name]
    link = FOREIGN_KEYS[name][1]()
    assert f"{fk.referenced_schema}.{fk.referenced_table}" == link.parent_table
    assert fk.table == link.child_table
    before = fetch(factories_bound, link.child_table, link.child_id)
    assert before is not None
    # the columns that point at the parent's id (not the owner or a matching key part)
    link_columns = [c for c, r in zip(fk.columns, fk.referenced_columns, strict=True) if r == "id"]
    assert all(before[c] == link.parent_id for c in link_columns)

    if fk.on_delete == "cascade":
        _delete(factories_bound, link.parent_table, link.parent_id)
        assert fetch(factories_bound, link.child_table, link.child_id) is None
    elif fk.on_delete == "set null":
        _delete(factories_bound, link.parent_table, link.parent_id)
        after = fetch(factories_bound, link.child_table, link.child_id)
        assert after is not None, "the child must survive its parent"
        assert all(after[c] is None for c in link_columns)
        kept = set(before) - set(link_columns) - {"updated_at", "is_completed"}
        assert {c: after[c] for c in kept} == {c: before[c] for c in kept}
    else:
        _clear_other_references(factories_bound, link)
        with expect_error(factories_bound, restrict_violation(factories_bound), name):
            _delete(factories_bound, link.parent_table, link.parent_id)
        assert fetch(factories_bound, link.child_table, link.child_id) == before
        _delete(factories_bound, f"public.{link.child_table}", link.child_id)
        _delete(factories_bound, link.parent_table, link.parent_id)  # now unreferenced


# links between two athlete-owned rows (not to the profile, the user or reference data)
COMPOSITE = sorted(
    name
    for name, (action, _) in FOREIGN_KEYS.items()
    if action != "restrict" and not name.endswith(("_athlete_id_fkey", "_user_id_fkey"))
)


def test_composite_keys_are_the_same_owner_links(conn: Connection):
    """Every link between owned rows is (parent_id, athlete_id) -> parent (id, athlete_id)."""
    fks = _catalog_fks(conn)
    by_owner_key = sorted(
        n for n, fk in fks.items() if fk.referenced_columns == ["id", "athlete_id"]
    )
    assert by_owner_key == COMPOSITE
    for name in COMPOSITE:
        assert fks[name].columns[1:] == ["athlete_id"], name


@pytest.mark.parametrize("name", COMPOSITE)
def test_link_to_another_athletes_parent_is_refused(factories_bound: Connection, name: str):
    """Pointing a child at a parent of another athlete fails the composite key."""
    fk = _fk_by_name(factories_bound)[name]
    build = FOREIGN_KEYS[name][1]
    mine, theirs = build(), build()
    column = fk.columns[0]
    update = sql.SQL("update {} set {} = %s where id = %s").format(
        sql.Identifier("public", fk.table), sql.Identifier(column)
    )
    with expect_error(factories_bound, psycopg.errors.ForeignKeyViolation, name):
        factories_bound.execute(update, (theirs.parent_id, mine.child_id))
    factories_bound.execute(update, (mine.parent_id, mine.child_id))  # control: own parent


def test_new_child_of_another_athletes_parent_is_refused(factories_bound: Connection):
    """An insert naming another athlete's conversation is refused too, not only updates."""
    conversation = ConversationFactory()
    stranger = AthleteFactory()
    with expect_error(
        factories_bound, psycopg.errors.ForeignKeyViolation, "messages_conversation_id_fkey"
    ):
        MessageFactory(conversation=conversation, athlete_id=stranger.id)


@pytest.mark.parametrize("split_number", [2, 8, 16])
def test_a_station_split_names_the_station_raced_at_that_point(
    factories_bound: Connection, split_number: int
):
    """Split 2k must be station k: any other station is refused by race_splits_station_id_fkey."""
    by_number = {s.station_number: s for s in stations()}
    right = by_number[split_number // 2]
    wrong = by_number[split_number // 2 % 8 + 1]
    split = RaceSplitFactory(split_number=split_number, station_id=right.id)
    assert (split.station_id, split.station_number) == (right.id, right.station_number)
    assert RaceSplitFactory(split_number=split_number - 1).station_number is None  # a run
    with expect_error(
        factories_bound, psycopg.errors.ForeignKeyViolation, "race_splits_station_id_fkey"
    ):
        RaceSplitFactory(split_number=split_number, station_id=wrong.id)
