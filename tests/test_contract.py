"""The migrated schema equals the committed contract (contract/), object for object.

A deliberate schema change therefore changes contract/ in the same PR
(``hyrox-contract write``), where the reviewer sees it; an accidental
one fails here with a per-object diff. The meta-tests below read the catalog
with the suite's other helpers (hyrox_schema/catalog.py), so the contract's
own reader is checked too: it covers every object the catalog has, nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

import hyrox_schema.contract as contract
from hyrox_schema import catalog
from hyrox_schema.contract import model, reader
from hyrox_schema.databases import Layer
from hyrox_schema.server import PgServer, cloned_database
from tests.behaviour.helpers import factory_for
from tests.support import access_matrix
from tests.tables import declared, expected_triggers, iter_entries, owner_of

Conn = psycopg.Connection[Any]

COMMITTED = contract.load()


@pytest.fixture(scope="module")
def before(pg_server: PgServer, layer_before_001: Layer) -> Iterator[reader.Baseline]:
    """The before layer's objects (what the migrations do not own), from a clone of it."""
    with (
        cloned_database(
            pg_server,
            template=layer_before_001.template_dbname,
            dbname=f"hyrox_{os.getpid()}_contract_before",
        ) as dsn,
        psycopg.connect(dsn) as conn,
    ):
        yield reader.baseline(conn)


@pytest.fixture(scope="module")
def written(_shared_connection: Any, before: reader.Baseline) -> dict[str, str]:  # noqa: ANN401 - harness type
    """The contract as the session's migrated database writes it, file -> text."""
    conn = _shared_connection.get()
    with conn.transaction(force_rollback=True):
        return contract.render_files(reader.read(conn, before))


def test_the_migrated_schema_is_the_committed_contract(written: dict[str, str]):
    """Every contract file equals what the migrated database writes (no file missing or extra)."""
    diffs = contract.differences(COMMITTED.files, written)
    assert diffs == [], contract.failure_message(diffs)


def test_a_difference_names_the_object_and_the_command():
    """The failure shows the changed object's header line and the command that rewrites."""
    committed = {
        "tables/public.t.txt": model.render([model.Block("column", "a", (("not null", "yes"),))])
    }
    actual = {
        "tables/public.t.txt": model.render([model.Block("column", "a", (("not null", "no"),))])
    }
    message = contract.failure_message(contract.differences(committed, actual))
    assert "column a" in message
    assert "-  not null: yes\n+  not null: no" in message
    assert contract.WRITE_COMMAND in message


def test_the_text_form_round_trips():
    """Parsing the committed files and rendering them again gives the same text."""
    assert contract.round_trip_problems(COMMITTED.files) == []


LAYOUT = {"tables", "views", "functions", "schemas.txt", "sequences.txt", "extensions.txt"}
"""Every file or folder the reader writes besides external.txt (only those with objects)."""


def test_the_contract_has_every_kind_of_object():
    """The layout holds tables, functions, schemas and the external file (001 has no views,
    sequences or extensions of its own), and nothing the reader does not write."""
    kinds = {path.split("/")[0] for path in COMMITTED.files}
    assert {"tables", "functions", "schemas.txt", "external.txt"} <= kinds
    assert kinds <= LAYOUT | {"external.txt"}
    assert all(path.startswith("tables/public.") for path in COMMITTED.files if "tables/" in path)


# --------------------------------------------------------------------------- meta: coverage


@pytest.fixture
def migrated_tables(conn: Conn) -> list[str]:
    """The migration's tables according to the catalog helpers."""
    return [t.name for t in catalog.tables(conn, exclude=catalog.PRE_EXISTING_TABLES)]


def test_contract_tables_are_the_catalogs(migrated_tables: list[str]):
    """One contract file per table the migrations create, and none for anything else."""
    assert sorted(COMMITTED.tables()) == sorted(migrated_tables)


def _names_by_table(rows: list[Any]) -> set[tuple[str, str]]:
    return {(r.table, r.name) for r in rows if r.table not in catalog.PRE_EXISTING_TABLES}


def _contract_names(kind: str) -> set[tuple[str, str]]:
    return {
        (table, block.name.strip('"'))
        for table, blocks in COMMITTED.tables().items()
        for block in blocks
        if block.kind == kind
    }


def test_contract_columns_are_the_catalogs(conn: Conn, migrated_tables: list[str]):
    """Every column (in order), and its nullability, as catalog.columns reads them."""
    for table in migrated_tables:
        in_catalog = [(c.name, c.not_null) for c in catalog.columns(conn, table)]
        in_contract = [(c.name, c["not null"] == "yes") for c in COMMITTED.of_kind(table, "column")]
        assert in_contract == in_catalog, table


def test_contract_indexes_policies_triggers_are_the_catalogs(conn: Conn):
    """Indexes, policies and triggers by name: the same sets as the catalog helpers read."""
    assert _contract_names("index") == _names_by_table(catalog.indexes(conn))
    assert _contract_names("policy") == _names_by_table(catalog.policies(conn))
    assert _contract_names("trigger") == _names_by_table(catalog.triggers(conn))


def test_contract_checks_and_foreign_keys_are_the_catalogs(conn: Conn):
    """CHECK constraints and foreign keys by name (NOT NULL is a column fact, not a constraint)."""
    checks = {(t, n) for n, (t, _) in COMMITTED.constraints("check").items()}
    assert checks == _names_by_table(catalog.check_constraints(conn))
    fks = {(t, n) for n, (t, _) in COMMITTED.constraints("foreign key").items()}
    assert fks == _names_by_table(catalog.foreign_keys(conn))


def test_contract_foreign_keys_parse_as_the_catalog_reads_them(conn: Conn):
    """Columns, targets and actions parsed from the contract equal catalog.foreign_keys."""
    in_catalog = {
        fk.name: fk
        for fk in catalog.foreign_keys(conn)
        if fk.table not in catalog.PRE_EXISTING_TABLES
    }
    assert COMMITTED.foreign_keys() == in_catalog


PRE_EXISTING_RPCS = frozenset({"hybrid_search_chunks", "match_chunks"})
"""The production state's RPCs in public (the brief: do not recreate): not the migrations'."""


def test_contract_functions_are_the_catalogs(conn: Conn):
    """The functions of private and public (but the pre-existing RPCs) are the contract's."""
    in_contract = {
        block.name.partition("(")[0]
        for path, block in model.blocks_of(COMMITTED.files)
        if path.startswith("functions/")
    }
    in_catalog = {
        f"{schema}.{f.name}"
        for schema in ("private", "public")
        for f in catalog.functions(conn, schema=schema)
        if f.name not in PRE_EXISTING_RPCS or schema != "public"
    }
    assert in_contract == in_catalog


def test_the_contract_reader_refuses_what_it_cannot_describe(db: Conn, before: reader.Baseline):
    """A kind of object it cannot describe yet (a type here) fails the write loudly instead of
    going unseen."""
    db.execute("create type public.contract_probe as enum ('one')")
    with pytest.raises(reader.ContractError, match=r"public\.contract_probe"):
        reader.read(db, before)


API_REACHABLE_OBJECTS = """
    create view public.probe_sessions with (security_invoker = true) as
      select l.athlete_id, count(*) as sessions from public.workout_logs as l
      where l.deleted_at is null group by l.athlete_id;
    revoke all on public.probe_sessions from anon, authenticated;
    grant select on public.probe_sessions to authenticated;
    create materialized view public.probe_totals as
      select l.athlete_id, count(*) as n from public.workout_logs as l group by 1 with no data;
    create sequence private.probe_seq as integer;
    create extension pg_trgm with schema extensions;
    create function public.probe_rpc() returns int language sql security definer
      set search_path = '' as 'select 1';
"""


def test_the_contract_describes_what_an_api_role_can_reach(db: Conn, before: reader.Baseline):
    """Views (options, definition, grants), materialized views, sequences, extensions and
    functions in public are written, each in its file; the extension's own functions are not."""
    db.execute(API_REACHABLE_OBJECTS)
    files = reader.read(db, before)
    view = files["views/public.probe_sessions.txt"]
    assert view[0].key == "view public.probe_sessions"
    assert (view[0]["kind"], view[0]["security invoker"], view[0]["check option"]) == (
        "view",
        "yes",
        "none",
    )
    assert "FROM public.workout_logs l" in view[0]["definition"]
    assert "WHERE deleted_at IS NULL" in view[0]["definition"]  # the same text on 15 and 16+
    grants = {b.name: b["table"] for b in view if b.kind == "grants"}
    assert grants == {
        "anon": "none",
        "authenticated": "select",
        "service_role": "select, insert, update, delete, truncate, references, trigger",
        "public": "none",
    }
    assert [b.name for b in view if b.kind == "column"] == ["athlete_id", "sessions"]
    totals = files["views/public.probe_totals.txt"][0]
    assert (totals["kind"], totals["populated"]) == ("materialized view", "no")
    assert files["sequences.txt"][0].key == "sequence private.probe_seq"
    assert files["sequences.txt"][0]["usage"] == "none"  # no default privileges in private
    assert files["extensions.txt"] == [
        model.Block("extension", "pg_trgm", (("schema", "extensions"),))
    ]
    (rpc,) = files["functions/public.probe_rpc.txt"]
    assert (rpc["security"], rpc["config"]) == ("definer", 'search_path=""')
    assert not any(path.startswith("functions/extensions.") for path in files)
    for path, blocks in files.items():
        text = model.render(blocks)
        assert model.render(model.parse(text, source=path)) == text, path


def test_a_view_definition_is_printed_alike_on_every_engine():
    """PostgreSQL 15 qualifies the columns of a single-relation view, 16+ does not (measured on
    15.18 and 18.3): the reader writes the unqualified form either way; joins stay qualified."""
    pg15 = "\n".join(
        [
            " SELECT l.athlete_id,",
            "    max(l.date) AS latest",
            "   FROM public.workout_logs l",
            "  WHERE l.deleted_at IS NULL",
            "  GROUP BY l.athlete_id;",
        ]
    )
    pg18 = pg15.replace("l.athlete_id", "athlete_id").replace("l.d", "d")
    assert reader.portable_viewdef(pg15) == reader.portable_viewdef(pg18) == pg18
    join = "\n".join(
        [
            " SELECT l.id,",
            "    d.notes",
            "   FROM public.workout_logs l",
            "     JOIN public.training_plan_days d ON d.id = l.training_plan_day_id;",
        ]
    )
    assert reader.portable_viewdef(join) == join


# --------------------------------------------------------------------------- meta: proofs
# Each kind of contract entry has a behavioural proof, found by name in a reviewed table;
# an entry without one fails here. NOT NULL columns and defaults are visited by
# test_not_null_defaults_uniques.py for every contract table (each needs a factory),
# uniques and indexes have their own coverage tests next to their proofs
# (test_every_unique_rule_has_a_case, test_every_designed_index_has_a_request).


# Tables without a declaration are left to tests/test_declarations.py (one failure, saying
# what to write); the proofs below cover every declared table.
DECLARED = sorted(t for t in COMMITTED.tables() if declared(t))


def _declared_constraints(kind: str) -> dict[str, str]:
    """Constraint name -> table, for every ``kind`` constraint of a declared table."""
    return {n: t for n, (t, _) in COMMITTED.constraints(kind).items() if declared(t)}


def _coverage(in_contract: dict[str, str], declared_names: dict[str, str], entry: str) -> str:
    """What to write where so the contract's objects and the declarations' entries agree."""
    missing = [
        f"{name}: add it to `{entry}` in tests/tables/{table}.py"
        for name, table in sorted(in_contract.items())
        if name not in declared_names
    ]
    stale = [
        f"{name}: tests/tables/{table}.py declares it in `{entry}`, the contract has no such "
        "object (remove the entry, or regenerate the contract: hyrox-contract write)"
        for name, table in sorted(declared_names.items())
        if name not in in_contract
    ]
    return "\n".join(missing + stale)


def _entries(entry: str) -> dict[str, str]:
    return {name: table.name for table, name, _ in iter_entries(entry)}


def test_every_contract_table_has_a_factory_for_its_not_null_and_default_proofs():
    """The NOT NULL and default proofs write each contract table through its factory."""
    for table in DECLARED:
        assert factory_for(table), table


def test_every_contract_check_has_cases():
    """Each CHECK of the contract is shown to accept and refuse values (the declarations'
    ``checks``, proven by test_constraints)."""
    problems = _coverage(_declared_constraints("check"), _entries("checks"), "checks")
    assert problems == "", problems


def test_every_contract_foreign_key_is_exercised():
    """Each foreign key of the contract has its delete story (the declarations'
    ``foreign_keys``, proven by test_foreign_keys)."""
    problems = _coverage(
        _declared_constraints("foreign key"), _entries("foreign_keys"), "foreign_keys"
    )
    assert problems == "", problems


def test_every_contract_trigger_is_proven():
    """Each trigger of the contract is an updated_at, owner, link, lock-order or
    scheduled-date trigger (test_triggers; behaviour: tests/concurrency for the lock order,
    test_scheduled_date.py for the dates)."""
    in_contract = {name: table for table, name in _contract_names("trigger") if declared(table)}
    expected = {name: owner_of(name).name for name in expected_triggers(DECLARED)}
    problems = _coverage(in_contract, expected, "triggers")
    assert problems == "", problems


def test_every_contract_policy_is_in_the_access_matrix():
    """Each policy (table, name, command, roles) is a row of the access-matrix spec."""
    in_contract = {
        (table, block.name.strip('"'), block["command"], block["roles"])
        for table in DECLARED
        for block in COMMITTED.of_kind(table, "policy")
    }
    in_spec = {
        (t.name, p.name, str(p.command).lower(), ", ".join(sorted(p.roles)))
        for t in access_matrix.TABLES
        for p in t.policies
    }
    problems = [
        f'policy "{name}" on {table} ({command} to {roles}) is in contract/, not in '
        f"access.policies of tests/tables/{table}.py: declare it there"
        for table, name, command, roles in sorted(in_contract - in_spec)
    ] + [
        f'policy "{name}" on {table} ({command} to {roles}) is declared in tests/tables/{table}.py,'
        " not in contract/ (regenerate it: hyrox-contract write, or fix the declaration)"
        for table, name, command, roles in sorted(in_spec - in_contract)
    ]
    assert problems == [], "\n".join(problems)


def _client_privileges(table: str, role: str) -> set[str]:
    """What ``role`` may do on ``table`` per the contract: table and column privileges."""
    (block,) = [b for b in COMMITTED.of_kind(table, "grants") if b.name == role]
    return {
        privilege.strip()
        for _, value in block.attrs
        for privilege in value.split(",")
        if privilege.strip() != "none"
    }


@pytest.mark.parametrize("role", ["anon", "authenticated"])
def test_every_contract_grant_is_in_the_access_matrix(role: str):
    """A client role holds a privilege iff the matrix has a command it passes the grants for.

    The access-matrix tests prove those outcomes row by row; the column-level
    update on messages is proven by test_forged_columns.
    """
    for spec in access_matrix.TABLES:
        expected = {
            str(command)
            for command in access_matrix.Command
            for actor in access_matrix.ACTORS
            if actor.role == role
            and spec.outcome(command, actor) is not access_matrix.Outcome.NO_GRANT
        }
        held = _client_privileges(spec.name, role)
        assert held == expected, (
            f"{role} on {spec.name}: contract/ grants {sorted(held)}, the access row of "
            f"tests/tables/{spec.name}.py (PATTERNS in tests/support/access_matrix.py) needs "
            f"{sorted(expected)}: change the row or the migration's grants"
        )


def test_the_check_command_passes_on_the_committed_contract(
    pg_server: PgServer, capsys: pytest.CaptureFixture[str]
):
    """`hyrox-contract check` (here on the session's server) finds no difference."""
    from hyrox_schema.contract.__main__ import main

    argv = ["check", "--pg-dsn", pg_server.conninfo(pg_server.maintenance_dbname)]
    if pg_server.template_dbname:  # --pg-source-db: build from the same source as the suite
        argv += ["--pg-source-db", pg_server.template_dbname]
    if pg_server.superuser:
        argv += ["--pg-superuser-dsn", pg_server.superuser_conninfo(pg_server.maintenance_dbname)]
    assert main(argv) == 0
    assert "matches the migrated schema" in capsys.readouterr().out


def test_a_grant_on_an_object_not_owned_is_in_external(db: Conn, before: reader.Baseline):
    """A migration changing a grant on knowledge_chunks shows in external.txt, with its table,
    as one more changed object than the committed chain changes."""
    already = reader.read(db, before)["external.txt"][0]["changed by the migrations"]
    db.execute("revoke truncate on public.knowledge_chunks from service_role")
    blocks = reader.read(db, before)["external.txt"]
    keys = [b.key for b in blocks]
    assert "table public.knowledge_chunks" in keys
    (service,) = [b for b in blocks if b.key == "grants service_role on public.knowledge_chunks"]
    assert "truncate" not in service["table"]
    assert "insert" in service["table"]
    assert blocks[0]["changed by the migrations"] == str(
        1 + (0 if already == "none" else int(already))
    )
