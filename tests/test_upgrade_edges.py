"""The upgrade data set holds every column's edges, as the committed contract describes them.

A migration is tried on the data the upgrade fill makes (tests/test_upgrade.py, the samples'
filled template); a bad one shows only if that data has the rows it breaks. So for every column
of every table of ``contract/tables/``: NULL if nullable, both booleans, every CHECK vocabulary
value, the ends of a CHECK range (or the largest value of the type), the shortest and a long
text (10,000 characters or the CHECK's cap); each status and a soft-deleted row for every filler
athlete; and, per reference table with ``is_active``, a retired row nobody uses and an active
row in use (tests/support/edges.py derives the edges; the fill is tests/support/upgrade_fill.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

import hyrox_schema.contract as contract
from hyrox_schema import upgrade
from hyrox_schema.databases import Layer
from hyrox_schema.server import PgServer, cloned_database
from tests.support import edges, upgrade_fill

Conn = psycopg.Connection[Any]
TABLES = edges.contract_tables()
FOREIGN_KEY = re.compile(r"FOREIGN KEY \((?P<cols>[^)]*)\) REFERENCES (?P<target>[\w.]+)\(")

# Edges the fill may leave out, with the reason (reviewed: each entry hides a data edge).
NOT_FILLED: dict[str, str] = {
    "public.hyrox_stations": "its rows are the 8 seeded stations (station_number 1..8, unique);"
    " the fill never changes seeded reference data, which the whole suite runs on",
}


@dataclass(frozen=True)
class Edged:
    """The filled database (at the head of the chain, with the seeds) and its athletes."""

    conn: Conn
    athletes: list[Any]


@pytest.fixture(scope="module")
def edged(pg_server: PgServer, layer_after_001: Layer, factory_seed: int) -> Iterator[Edged]:
    """A clone of the after layer filled with the upgrade data set."""
    with (
        cloned_database(
            pg_server,
            template=layer_after_001.template_dbname,
            dbname=f"hyrox_{os.getpid()}_edges",
        ) as dsn,
        psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn,
    ):
        owners = upgrade_fill.fill(conn, factory_seed)
        yield Edged(conn, [o.athlete_id for o in owners[: upgrade.FILLER_ATHLETES]])


def missing_edges(conn: Conn, shape: edges.Shape, athletes: list[Any]) -> list[str]:
    """Each edge of the contract the data does not hold, named."""
    missing = []
    schema, name = shape.table.split(".")
    for edge in edges.edges_of(shape):
        query = sql.SQL("select exists (select from {} where ({}){})")
        scopes: list[Any] = athletes if edge.per_athlete else [None]
        for scope in scopes:
            owner = sql.SQL("")
            if scope is not None:
                owner = sql.SQL(" and {} = %s").format(sql.Identifier(shape.owner_column or "id"))
            found = conn.execute(
                query.format(sql.Identifier(schema, name), edge.predicate, owner),
                [scope] if scope is not None else [],
            ).fetchone()
            if not found or not found["exists"]:
                whose = f" (none of athlete {scope})" if scope is not None else ""
                missing.append(f"{edge}{whose}")
    return missing


@pytest.mark.parametrize("table", TABLES)
def test_the_upgrade_data_holds_every_edge_the_contract_describes(edged: Edged, table: str) -> None:
    """NULL, booleans, vocabulary values, range ends, long texts, every status of every filler
    athlete: each is in the data, or the failure names table.column and the missing edge."""
    if table in NOT_FILLED:
        pytest.skip(NOT_FILLED[table])
    missing = missing_edges(edged.conn, edges.contract_shape(table), edged.athletes)
    assert missing == [], (
        f"the upgrade data lacks these edges of {table}; make tests/support/upgrade_fill.py "
        "(fill) or the edge rules of tests/support/edges.py produce them:\n  "
        + "\n  ".join(missing)
    )


def references_to(table: str) -> list[tuple[str, str]]:
    """(referencing table, its FK column) for every single-column FK of the contract to
    ``table``."""
    found = []
    for other in TABLES:
        shape_text = contract.load().files[f"tables/{other}.txt"]
        for match in FOREIGN_KEY.finditer(shape_text):
            if match["target"] == table and "," not in match["cols"]:
                found.append((other, match["cols"].strip()))
    return found


REFERENCE_WITH_ACTIVE = [
    t
    for t in TABLES
    if edges.contract_shape(t).owner_column is None
    and "is_active" in edges.contract_shape(t).columns
]


@pytest.mark.parametrize("table", REFERENCE_WITH_ACTIVE)
def test_the_upgrade_data_has_retired_unused_and_active_used_reference_rows(
    edged: Edged, table: str
) -> None:
    """A clean-up migration (delete the retired rows) and a widened use of them both meet data:
    a retired row nobody references, and an active row an athlete's row references."""
    referenced = sql.SQL(" or ").join(
        sql.SQL("exists (select from {} as r where r.{} = t.id)").format(
            sql.Identifier(*other.split(".")), sql.Identifier(column)
        )
        for other, column in references_to(table)
    )
    assert references_to(table), f"nothing references {table}: no row can be in use"
    facts = edged.conn.execute(
        sql.SQL(
            "select count(*) filter (where not is_active and not ({r})) as retired_unused,"
            " count(*) filter (where is_active and ({r})) as active_used from {t} as t"
        ).format(r=referenced, t=sql.Identifier(*table.split(".")))
    ).fetchone()
    assert facts is not None
    assert facts["retired_unused"] > 0, f"{table}: no row with is_active = false that nobody uses"
    assert facts["active_used"] > 0, f"{table}: no active row in use"
