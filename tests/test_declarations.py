"""One home per table: every table has a declaration (tests/tables/<table>.py), and each
declaration agrees with the committed contract.

The completeness test is the ONE failure a table without a declaration causes (every other
test leaves it out; the author-independent security proofs run on it first:
tests/rls/test_undeclared_tables.py). Each failure names the file and the entry to write.
"""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import DictRow

from hyrox_schema import catalog
from hyrox_schema.contract import load as load_contract
from tests.support import access_matrix
from tests.support.api_surface import EXPOSED_SCHEMAS
from tests.tables import PRE_EXISTING, declarations, declared, missing_message
from tests.tables.declaration import TableDeclaration

Connection = psycopg.Connection[DictRow]
CONTRACT = load_contract()


def test_every_catalog_table_has_a_declaration(conn: Connection):
    """Each table of the exposed schemas (the pre-existing corpus aside) is declared."""
    missing = [
        f"{schema}.{t.name} has no declaration: {missing_message(t.name)}"
        for schema in EXPOSED_SCHEMAS
        for t in catalog.tables(conn, schema=schema, exclude=PRE_EXISTING)
        if not (schema == "public" and declared(t.name))
    ]
    assert missing == [], "\n".join(missing)


def test_every_declaration_names_a_table_of_the_contract():
    """No declaration outlives its table."""
    stale = [
        f"{t.file}: public.{t.name} is not in contract/ (remove the file, or regenerate the "
        "contract: hyrox-contract write)"
        for t in declarations()
        if t.name not in CONTRACT.tables()
    ]
    assert stale == [], "\n".join(stale)


def _inconsistencies(table: TableDeclaration) -> list[str]:
    """What the declaration says that the contract does not have, entry by entry."""
    name, file = table.name, table.file
    if name not in CONTRACT.tables():
        return []
    columns = {b.name for b in CONTRACT.of_kind(name, "column")}
    checks = {n for n, (t, _) in CONTRACT.constraints("check").items() if t == name}
    fks = CONTRACT.foreign_keys()
    uniques = {n for n, t in CONTRACT.unique_indexes().items() if t == name}
    plain = {n for n, t in CONTRACT.plain_indexes().items() if t == name}
    policies = {b.name.strip('"') for b in CONTRACT.of_kind(name, "policy")}
    found = []
    if table.owner_column and table.owner_column not in columns:
        found.append(f"{file}: ownership {table.ownership}: no column {table.owner_column}")
    if table.access.pattern not in access_matrix.PATTERNS:
        found.append(
            f"{file}: access.pattern {table.access.pattern!r} is not one of "
            f"{sorted(access_matrix.PATTERNS)} (tests/support/access_matrix.py PATTERNS)"
        )
    found += [
        f'{file}: access.policies "{p.name}": no such policy on public.{name}'
        for p in table.access.policies
        if p.name not in policies
    ]
    if table.access.update[0] not in columns:
        found.append(f"{file}: access.update column {table.access.update[0]!r} does not exist")
    found += [
        f"{file}: checks {n!r}: no such CHECK on public.{name}"
        for n in table.checks
        if n not in checks
    ]
    found += [
        f"{file}: foreign_keys {n!r}: no such foreign key of public.{name}"
        for n in table.foreign_keys
        if n not in fks or fks[n].table != name
    ]
    found += [
        f"{file}: links {link.constraint!r}: no foreign key of public.{name} to "
        f"{link.parent} through {link.column}"
        for link in table.links
        if link.constraint not in fks
        or fks[link.constraint].table != name
        or fks[link.constraint].referenced_table != link.parent
        or link.column not in fks[link.constraint].columns
    ]
    found += [
        f"{file}: defaults {c!r}: public.{name} has no such column"
        for c in table.defaults
        if c not in columns
    ]
    found += [
        f"{file}: uniques/fk_target_keys {n!r}: no such unique index on public.{name}"
        for n in (*table.uniques, *table.fk_target_keys)
        if n not in uniques
    ]
    found += [
        f"{file}: index_requests {n!r}: no such (non-unique) index on public.{name}"
        for n in table.index_requests
        if n not in plain
    ]
    if table.soft_delete and table.soft_delete not in columns:
        found.append(f"{file}: soft_delete {table.soft_delete!r}: no such column")
    return found


@pytest.mark.parametrize("table", declarations(), ids=lambda t: t.name)
def test_the_declaration_agrees_with_the_contract(table: TableDeclaration):
    """Every entry of the declaration names something the contract has on that table."""
    assert _inconsistencies(table) == [], "\n".join(_inconsistencies(table))
