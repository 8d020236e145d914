"""Every foreign key from one athlete-owned row to another, as data for the attack tests.

Each table declares its links (``links`` of tests/tables/<table>.py);
``tests/rls/test_cross_tenant_links.py`` checks them against the catalog,
so a new foreign key into athlete data without an attack test fails the suite.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.tables import declarations


@dataclass(frozen=True)
class Link:
    """A foreign key from an athlete table to another athlete table's row."""

    constraint: str
    table: str
    column: str
    """The referencing column other than athlete_id (athlete_id itself for owner keys)."""
    parent: str

    @property
    def is_owner_key(self) -> bool:
        """``athlete_id -> athlete_profiles(id)``: the link names the owner itself."""
        return self.column == "athlete_id"


LINKS = tuple(
    Link(link.constraint, table.name, link.column, link.parent)
    for table in declarations()
    for link in table.links
)
"""The ``links`` of every declaration (tests/tables/<table>.py)."""
COMPOSITE_LINKS = tuple(link for link in LINKS if not link.is_owner_key)
