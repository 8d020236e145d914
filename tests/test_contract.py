"""The migrated schema equals the committed contract (contract/), object for object.

A deliberate schema change therefore changes contract/ in the same PR
(``python -m tests.contract write``), where the reviewer sees it; an accidental
one fails here with a per-object diff. The meta-tests below read the catalog
with the suite's other helpers (tests/support/catalog.py), so the contract's
own reader is checked too: it covers every object the catalog has, nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from pytest_postgresql.executors import NoopExecutor

import tests.contract as contract
from tests.contract import model, reader
from tests.support import catalog
from tests.support.server import PgServer, cloned_database

Conn = psycopg.Connection[Any]

COMMITTED = contract.load()


@pytest.fixture(scope="module")
def before(pg_server: PgServer, layer_before_001: NoopExecutor) -> Iterator[reader.Baseline]:
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
    for path, text in COMMITTED.files.items():
        assert model.render(model.parse(text, source=path)) == text, path


def test_the_contract_has_every_kind_of_object():
    """The layout holds tables, functions, schemas and the external file."""
    kinds = {path.split("/")[0] for path in COMMITTED.files}
    assert kinds == {"tables", "functions", "schemas.txt", "external.txt"}
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


def test_contract_functions_are_the_private_helpers(conn: Conn):
    """The functions the migrations create are the private schema's, all in the contract."""
    in_contract = {
        block.name
        for path, block in model.blocks_of(COMMITTED.files)
        if path.startswith("functions/")
    }
    in_catalog = {
        f"private.{f.name}({f.arguments})" for f in catalog.functions(conn, schema="private")
    }
    assert in_contract == in_catalog


def test_the_contract_reader_refuses_what_it_cannot_describe(db: Conn, before: reader.Baseline):
    """A new kind of object (a view here) fails the write loudly instead of going unseen."""
    db.execute("create view public.contract_probe as select 1 as one")
    with pytest.raises(reader.ContractError, match=r"public\.contract_probe"):
        reader.read(db, before)
