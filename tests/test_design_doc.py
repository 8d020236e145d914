"""The design document stays honest: its ER diagram matches the migrated catalog."""

import re
from pathlib import Path

import psycopg
import pytest

from hyrox_schema import catalog
from tests.tables import declarations, declared

DESIGN_DOC = Path(__file__).resolve().parents[1] / "docs" / "design_decisions.md"
WHERE = 'docs/design_decisions.md, section 4 "Entity-relationship summary" (the mermaid erDiagram)'
PRE_EXISTING = catalog.PRE_EXISTING_TABLES


# `parent ||--o{ child : "constraint_name"`
RELATION = re.compile(
    r"^\s*(?P<left>\w+)\s+[|}o]{2}--[|{o]{2}\s+(?P<right>\w+)\s*:\s*\"(?P<label>\w+)\"\s*$"
)
ENTITY = re.compile(r"^\s*(?P<name>\w+)\s*\{\s*$")


def mermaid_er_block() -> str:
    """Return the text of the single mermaid erDiagram block of the design document."""
    blocks = re.findall(r"```mermaid\n(.*?)```", DESIGN_DOC.read_text(), flags=re.DOTALL)
    er_blocks = [b for b in blocks if b.lstrip().startswith("erDiagram")]
    assert len(er_blocks) == 1, "the design document needs exactly one mermaid erDiagram"
    return er_blocks[0]


def entity_name(schema: str, table: str) -> str:
    """Name of a catalog table in the diagram: public tables bare, others schema_table."""
    return table if schema == "public" else f"{schema}_{table}"


@pytest.fixture
def catalog_tables(conn: psycopg.Connection) -> set[str]:
    """Every public table plus every table a public table references."""
    rows = conn.execute(
        """
        select c.relname as table_name
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p')
        union
        select fn.nspname || '_' || f.relname
        from pg_constraint k
        join pg_class c on c.oid = k.conrelid
        join pg_namespace n on n.oid = c.relnamespace
        join pg_class f on f.oid = k.confrelid
        join pg_namespace fn on fn.oid = f.relnamespace
        where k.contype = 'f' and n.nspname = 'public' and fn.nspname <> 'public'
        """
    ).fetchall()
    return {r["table_name"] for r in rows}


def must_draw(catalog_tables: set[str]) -> set[str]:
    """The catalog's tables the diagram must draw: the declared ones (``in_er_diagram``),
    the pre-existing corpus and the tables of other schemas they reference (auth_users).
    Tables without a declaration are left to tests/test_declarations.py."""
    public = {t.name for t in declarations() if t.in_er_diagram} | PRE_EXISTING
    return {t for t in catalog_tables if t in public or t.startswith("auth_")}


@pytest.fixture
def catalog_foreign_keys(conn: psycopg.Connection) -> set[tuple[str, str, str]]:
    """(referenced entity, referencing entity, constraint name) for every public FK."""
    rows = conn.execute(
        """
        select k.conname, c.relname as child, f.relname as parent, fn.nspname as parent_schema
        from pg_constraint k
        join pg_class c on c.oid = k.conrelid
        join pg_namespace n on n.oid = c.relnamespace
        join pg_class f on f.oid = k.confrelid
        join pg_namespace fn on fn.oid = f.relnamespace
        where k.contype = 'f' and n.nspname = 'public'
        """
    ).fetchall()
    return {(entity_name(r["parent_schema"], r["parent"]), r["child"], r["conname"]) for r in rows}


def test_er_diagram_names_every_table_and_nothing_else(catalog_tables: set[str]) -> None:
    """Every entity of the ER diagram is a catalog table and every catalog table is drawn."""
    block = mermaid_er_block()
    drawn = {m["name"] for line in block.splitlines() if (m := ENTITY.match(line))}
    related = {
        name
        for line in block.splitlines()
        if (m := RELATION.match(line))
        for name in (m["left"], m["right"])
    }
    shown = drawn | related
    missing = [
        f"{t}: add `    {t} {{` ... `}}` (its key columns) or a relationship line "
        f'`    athlete_profiles ||--o{{ {t} : "{t}_athlete_id_fkey"` to {WHERE}'
        for t in sorted(must_draw(catalog_tables) - shown)
    ]
    extra = [
        f"{t}: drawn in {WHERE} but not in the catalog" for t in sorted(shown - catalog_tables)
    ]
    assert missing + extra == [], "\n".join(missing + extra)


def test_er_diagram_draws_every_foreign_key_and_nothing_else(
    catalog_foreign_keys: set[tuple[str, str, str]],
) -> None:
    """Each relationship line is a real FK (parent, child, constraint) and none is missing."""
    lines = [m for line in mermaid_er_block().splitlines() if (m := RELATION.match(line))]
    drawn = set()
    for m in lines:
        label = m["label"]
        # the child is the side whose name prefixes the constraint name
        parent, child = (
            (m["left"], m["right"])
            if label.startswith(m["right"] + "_")
            else (m["right"], m["left"])
        )
        drawn.add((parent, child, label))
    assert len(drawn) == len(lines), "a foreign key is drawn twice"
    missing = [
        f'{name}: add `    {parent} ||--o{{ {child} : "{name}"` to {WHERE}'
        for parent, child, name in sorted(catalog_foreign_keys - drawn)
        if declared(child)  # a table without a declaration: tests/test_declarations.py
    ]
    extra = [
        f"{name}: drawn in {WHERE} but not in the catalog"
        for _, _, name in sorted(drawn - catalog_foreign_keys)
    ]
    assert missing + extra == [], "\n".join(missing + extra)


def test_design_doc_names_every_table_in_prose(catalog_tables: set[str]) -> None:
    """Every public table of the migration is discussed outside the diagram too."""
    prose = DESIGN_DOC.read_text().replace(mermaid_er_block(), "")
    missing = sorted(
        t for t in must_draw(catalog_tables) if f"`{t}`" not in prose and t != "auth_users"
    )
    assert missing == [], f"name {missing} (as `table`) in the prose of docs/design_decisions.md"
