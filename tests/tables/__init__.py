"""One home per table: every ``tests/tables/<table>.py`` declares ``TABLE``, and this package
loads them all (by discovery: no hand-kept list) and answers the suite's questions.

Every registry the tests used to keep (the access matrix's tables, CHECK cases, FK stories,
defaults, uniques, index requests, row makers, cross-tenant links, trigger lists, soft
delete) is a view over these declarations. A table in the catalog without a declaration
fails in one test, ``tests/test_declarations.py``, which says what to write; every other
test simply does not include it (except the author-independent security proofs, which run on
rows built from the catalog: ``tests/rls/generic_rows.py``).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from hyrox_schema import catalog
from tests.tables.declaration import Ownership, TableDeclaration

HERE = Path(__file__).parent
#: Modules of this package that are not table declarations.
NOT_TABLES = frozenset({"declaration", "checks", "stories"})
#: Tables the migrations do not own (the production state before 001): no declaration.
PRE_EXISTING = catalog.PRE_EXISTING_TABLES
#: What to copy for a new table (the failure of tests/test_declarations.py names them).
TEMPLATES = {
    Ownership.ATHLETE: "tests/tables/goals.py",
    Ownership.REFERENCE: "tests/tables/hyrox_stations.py",
}


@functools.cache
def declarations() -> tuple[TableDeclaration, ...]:
    """Every declaration, in name order."""
    found = []
    for module in pkgutil.iter_modules([str(HERE)]):
        if module.name in NOT_TABLES or module.name.startswith("_"):
            continue
        table = importlib.import_module(f"{__name__}.{module.name}").TABLE
        if table.name != module.name:
            raise ValueError(
                f"tests/tables/{module.name}.py declares {table.name!r}: "
                f"a declaration's name must be its module's name"
            )
        found.append(table)
    return tuple(sorted(found, key=lambda t: t.name))


def by_name() -> dict[str, TableDeclaration]:
    """Declarations keyed by table name."""
    return {t.name: t for t in declarations()}


def declaration(name: str) -> TableDeclaration:
    """The declaration of ``public.<name>`` (KeyError naming the file to write otherwise)."""
    try:
        return by_name()[name]
    except KeyError:
        raise KeyError(f"public.{name} has no declaration: {missing_message(name)}") from None


def declared(name: str) -> bool:
    """The table has a declaration."""
    return name in by_name()


def names() -> tuple[str, ...]:
    """Declared table names, sorted."""
    return tuple(t.name for t in declarations())


def athlete_tables() -> tuple[TableDeclaration, ...]:
    """Athlete data: the profile and every table owned through athlete_id."""
    return tuple(t for t in declarations() if t.ownership is not Ownership.REFERENCE)


def athlete_id_tables() -> tuple[TableDeclaration, ...]:
    """Tables owned through ``athlete_id`` (the profile aside)."""
    return tuple(t for t in declarations() if t.ownership is Ownership.ATHLETE)


def reference_tables() -> tuple[TableDeclaration, ...]:
    """Reference data: read by everyone, written by the service role."""
    return tuple(t for t in declarations() if t.ownership is Ownership.REFERENCE)


def soft_delete_tables() -> tuple[TableDeclaration, ...]:
    """Tables whose rows are soft-deleted."""
    return tuple(t for t in declarations() if t.soft_delete)


def lock_first_tables() -> tuple[TableDeclaration, ...]:
    """Tables whose writes lock the requesting athlete's profile row first."""
    return tuple(t for t in declarations() if t.triggers.lock_athlete_first)


def owner_of(entry: str) -> TableDeclaration:
    """The table an object named ``<table>_...`` (constraint, index, trigger) belongs to."""
    for table in sorted(declarations(), key=lambda t: len(t.name), reverse=True):
        if entry.startswith(f"{table.name}_"):
            return table
    raise KeyError(entry)


def iter_entries(field: str) -> Iterator[tuple[TableDeclaration, str, object]]:
    """(declaration, name, value) of every entry of a mapping field, table by table."""
    for table in declarations():
        for name, value in getattr(table, field).items():
            yield table, name, value


def missing_message(name: str) -> str:
    """What to write for a table without a declaration."""
    return (
        f"write tests/tables/{name}.py (copy {TEMPLATES[Ownership.ATHLETE]} for an "
        f"athlete-owned table, or {TEMPLATES[Ownership.REFERENCE]} for a reference table; "
        "every field is described in tests/tables/declaration.py)"
    )


def expected_triggers(tables: Iterable[str]) -> set[str]:
    """Every trigger the declarations of ``tables`` name: updated_at, owner_immutable,
    lock_athlete_first, the link and the shaped (scheduled-date) triggers."""
    found: set[str] = set()
    for name in tables:
        table = declaration(name)
        if table.triggers.updated_at:
            found.add(f"{name}_set_updated_at")
        if table.triggers.owner_immutable and table.owner_column is not None:
            found.add(f"{name}_owner_immutable")
        if table.triggers.lock_athlete_first:
            found.add(f"{name}_lock_athlete_first")
        found |= set(table.triggers.link) | set(table.triggers.shaped)
    return found
