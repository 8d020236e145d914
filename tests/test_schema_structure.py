"""Catalog-driven structure of migration 001: every table follows the brief's principles."""

import re
from typing import Any

import psycopg
import pytest

import hyrox_schema.contract as contract
from hyrox_schema import catalog
from tests.behaviour.helpers import factory_for
from tests.support import brief
from tests.support.schema_checks import private_helper_problems

Conn = psycopg.Connection[Any]

# The reviewed tables (contract/tables/): the brief's 16 plus any a later migration added.
CONTRACT_TABLES = contract.load().tables()


@pytest.fixture(scope="module")
def snapshot(_shared_connection: Any) -> dict[str, Any]:  # noqa: ANN401 - harness type
    """The migrated catalog, read once for this module."""
    conn = _shared_connection.get()
    with conn.transaction(force_rollback=True):
        tables = catalog.tables(conn, exclude=brief.PRE_EXISTING_TABLES)
        facts = {
            "tables": tables,
            "columns": {t.name: catalog.columns(conn, t.name) for t in tables},
            "foreign_keys": catalog.foreign_keys(conn),
            "checks": catalog.check_constraints(conn),
            "indexes": catalog.indexes(conn),
            "policies": catalog.policies(conn),
            "private_functions": catalog.functions(conn, schema="private"),
            "pre_existing": catalog.tables(conn, exclude=frozenset(CONTRACT_TABLES)),
        }
    return facts


def columns_of(snapshot: dict[str, Any], table: str) -> dict[str, catalog.Column]:
    """Columns of one table by name."""
    return {c.name: c for c in snapshot["columns"][table]}


def quoted_values(definition: str) -> set[str]:
    """String literals of a constraint definition (``'open'::text`` -> ``open``)."""
    return set(re.findall(r"'([^']*)'", definition))


def test_the_migrations_create_the_briefs_tables_and_only_reviewed_ones(
    snapshot: dict[str, Any],
) -> None:
    """The public schema holds the 16 tables of the brief, any table a later migration added
    with its reviewed contract file, and the pre-existing ones: nothing else."""
    assert {t.name for t in snapshot["tables"]} >= brief.NEW_TABLES
    assert {t.name for t in snapshot["tables"]} == set(CONTRACT_TABLES)
    assert {t.name for t in snapshot["pre_existing"]} == brief.PRE_EXISTING_TABLES


@pytest.mark.parametrize("table", sorted(brief.BRIEF_COLUMNS))
def test_every_column_the_brief_lists_exists(snapshot: dict[str, Any], table: str) -> None:
    """Each column named by the brief's drafts and expansions is present."""
    assert brief.BRIEF_COLUMNS[table] - columns_of(snapshot, table).keys() == set()


@pytest.mark.parametrize("table", sorted(brief.NEW_TABLES))
def test_every_table_has_a_generated_uuid_primary_key(snapshot: dict[str, Any], table: str) -> None:
    """Principle 1: the primary key is ``id uuid default gen_random_uuid()``."""
    primary = [i for i in snapshot["indexes"] if i.table == table and i.primary]
    assert [i.columns for i in primary] == [["id"]]
    id_column = columns_of(snapshot, table)["id"]
    assert (id_column.data_type, id_column.default) == ("uuid", "gen_random_uuid()")


@pytest.mark.parametrize("table", sorted(brief.NEW_TABLES))
def test_every_table_has_server_maintained_timestamps(snapshot: dict[str, Any], table: str) -> None:
    """Principle 2: created_at/updated_at not null default now() (triggers: test_triggers.py)."""
    cols = columns_of(snapshot, table)
    for name in ("created_at", "updated_at"):
        assert (cols[name].data_type, cols[name].not_null, cols[name].default) == (
            "timestamp with time zone",
            True,
            "now()",
        )


def test_every_link_between_athlete_tables_carries_the_owner(snapshot: dict[str, Any]) -> None:
    """A FK between athlete tables pairs athlete_id with athlete_id: no cross-tenant links."""
    links = [
        fk
        for fk in snapshot["foreign_keys"]
        if fk.table in brief.ATHLETE_TABLES
        and fk.referenced_table in brief.ATHLETE_TABLES
        and fk.referenced_table != "athlete_profiles"
    ]
    assert len(links) >= 8
    for fk in links:
        pairs = dict(zip(fk.columns, fk.referenced_columns, strict=True))
        assert pairs.get("athlete_id") == "athlete_id", fk.name
        assert fk.referenced_columns[0] == "id", fk.name


def test_owner_foreign_keys_cascade_from_auth_users(snapshot: dict[str, Any]) -> None:
    """Principle 10: profiles cascade from auth.users, owned tables from their owner or parent."""
    for fk in snapshot["foreign_keys"]:
        if fk.table in brief.ATHLETE_TABLES and fk.columns[-1:] == ["athlete_id"]:
            parent_is_required = all(columns_of(snapshot, fk.table)[c].not_null for c in fk.columns)
            expected = "cascade" if parent_is_required else "set null"
            assert fk.on_delete == expected, fk.name
    profile_fk = next(
        fk for fk in snapshot["foreign_keys"] if fk.name == "athlete_profiles_user_id_fkey"
    )
    assert (profile_fk.referenced_schema, profile_fk.referenced_table, profile_fk.on_delete) == (
        "auth",
        "users",
        "cascade",
    )


def test_references_to_reference_data_restrict_deletion(snapshot: dict[str, Any]) -> None:
    """A station, exercise or achievement definition in use cannot be deleted."""
    into_reference = [
        fk for fk in snapshot["foreign_keys"] if fk.referenced_table in brief.REFERENCE_TABLES
    ]
    assert len(into_reference) >= 7
    assert {fk.name: fk.on_delete for fk in into_reference} == {
        fk.name: "restrict" for fk in into_reference
    }


@pytest.mark.parametrize("table", sorted(brief.NEW_TABLES))
def test_soft_delete_exactly_where_the_brief_wants_it(snapshot: dict[str, Any], table: str) -> None:
    """Principle 6: nullable deleted_at on workout_logs, training_plans and goals only."""
    deleted_at = columns_of(snapshot, table).get("deleted_at")
    if table in brief.SOFT_DELETE_TABLES:
        assert deleted_at is not None
        assert (deleted_at.data_type, deleted_at.not_null) == ("timestamp with time zone", False)
    else:
        assert deleted_at is None


def test_unique_profile_per_user_and_achievement_per_athlete(snapshot: dict[str, Any]) -> None:
    """Principle 11: one profile per user_id, one achievement per athlete+achievement."""
    uniques = {(i.table, tuple(i.columns)) for i in snapshot["indexes"] if i.unique}
    assert ("athlete_profiles", ("user_id",)) in uniques
    assert ("athlete_achievements", ("athlete_id", "achievement_id")) in uniques


def test_every_enum_like_text_column_has_a_check(snapshot: dict[str, Any]) -> None:
    """Principle 9: every text column is either declared free text or constrained by a CHECK."""
    checked = {(c.table, col) for c in snapshot["checks"] for col in c.columns}
    unchecked = sorted(
        (table, column.name)
        for table, cols in snapshot["columns"].items()
        for column in cols
        if column.data_type == "text"
        and (table, column.name) not in checked
        and (table, column.name) not in brief.FREE_TEXT_COLUMNS
    )
    assert unchecked == []


@pytest.mark.parametrize(
    ("table", "column"), sorted(brief.BRIEF_VOCABULARIES), ids=lambda v: str(v)
)
def test_checks_accept_every_value_the_brief_names(
    snapshot: dict[str, Any], table: str, column: str
) -> None:
    """The CHECK on an enumerated column admits each value the brief lists for it."""
    definitions = [
        c.definition for c in snapshot["checks"] if c.table == table and c.columns == [column]
    ]
    assert len(definitions) == 1
    assert brief.BRIEF_VOCABULARIES[(table, column)] <= quoted_values(definitions[0])


@pytest.mark.parametrize(("table", "column"), sorted(brief.BRIEF_RANGES), ids=lambda v: str(v))
def test_the_ranges_the_brief_writes_are_enforced(
    factories_bound: psycopg.Connection[Any], table: str, column: str
) -> None:
    """A range the brief writes as a CHECK takes both ends and refuses one step outside, whatever
    the CHECK is called (dropping it, even with its test cases, fails here)."""
    low, high = brief.BRIEF_RANGES[(table, column)]
    make = factory_for(table)
    for value in (low, high):
        assert make(**{column: value})[column] == value
    taken = []
    for value in (low - 1, high + 1):
        try:
            with factories_bound.transaction():
                make(**{column: value})
            taken.append(value)
        except psycopg.errors.CheckViolation:
            pass
    assert taken == [], f"public.{table}.{column} took {taken}: the brief bounds it {low}..{high}"


@pytest.mark.parametrize("table", sorted(brief.NEW_TABLES))
def test_every_table_and_json_column_is_commented(snapshot: dict[str, Any], table: str) -> None:
    """Every table has a comment, and so does every jsonb column (its shape is not obvious)."""
    comment = next(t.comment for t in snapshot["tables"] if t.name == table)
    assert comment
    undocumented = [
        c.name for c in snapshot["columns"][table] if c.data_type == "jsonb" and not c.comment
    ]
    assert undocumented == []


def test_constraint_and_index_names_are_explicit(snapshot: dict[str, Any]) -> None:
    """Names follow <table>_<purpose>_check|_key|_fkey|_pkey|_idx."""
    names = (
        [(c.table, c.name, ("_check",)) for c in snapshot["checks"]]
        + [(f.table, f.name, ("_fkey",)) for f in snapshot["foreign_keys"]]
        + [
            (i.table, i.name, ("_pkey", "_key", "_idx"))
            for i in snapshot["indexes"]
            if i.table in brief.NEW_TABLES
        ]
    )
    wrong = [n for table, n, ends in names if not (n.startswith(table + "_") and n.endswith(ends))]
    assert wrong == []


def test_policies_are_named_as_the_sentence_they_allow(snapshot: dict[str, Any]) -> None:
    """Policy names are lowercase sentences: '<who> can <verb> ...'."""
    wrong = [
        p.name
        for p in snapshot["policies"]
        if not re.fullmatch(r"(athletes|everyone) can [a-z ]+", p.name)
    ]
    assert wrong == []


@pytest.mark.parametrize("table", sorted(brief.NEW_TABLES))
def test_every_table_has_rls_enabled_with_policies(snapshot: dict[str, Any], table: str) -> None:
    """Principle 5: RLS on from the start, and at least one policy per table."""
    assert next(t.rls_enabled for t in snapshot["tables"] if t.name == table)
    assert any(p.table == table for p in snapshot["policies"])


def test_knowledge_chunks_keeps_rls_off(snapshot: dict[str, Any]) -> None:
    """The pre-existing table stays public by design: RLS off, no policies."""
    (chunks,) = snapshot["pre_existing"]
    assert chunks.rls_enabled is False
    assert not any(p.table == "knowledge_chunks" for p in snapshot["policies"])


def test_private_helpers_pin_search_path_and_are_not_public(
    snapshot: dict[str, Any], conn: Conn
) -> None:
    """Helpers live in schema private, pin search_path = '' and are not public or anon's."""
    helpers = snapshot["private_functions"]
    assert {f.name for f in helpers} >= {"current_athlete_id", "update_updated_at"}
    assert private_helper_problems(conn) == []
    schema_usage = conn.execute(
        "select has_schema_privilege('anon', 'private', 'usage') as anon"
    ).fetchone()
    assert schema_usage == {"anon": False}


def test_the_private_helper_check_names_a_helper_that_breaks_every_rule(conn: Conn) -> None:
    """A helper with a named argument, no pinned search_path, no comment and the default ACL
    (PUBLIC may execute) is reported on each count, by its signature (the check can fail)."""
    conn.execute(
        "create function private.probe(p_x uuid) returns int language sql as $$ select 1 $$"
    )
    probe = "private.probe(p_x uuid)"
    assert [p for p in private_helper_problems(conn) if p.startswith(probe)] == [
        f"{probe}: search_path is not pinned (set search_path = '')",
        f"{probe}: no comment (comment on function ...)",
        f"{probe}: executable by {{'anon': True, 'public': True}} (revoke all ... from public)",
    ]
