"""Declared writers of access-deciding columns: reviewed exceptions to the rule of
``tests/rls/test_access_deciding_columns.py`` (docs/design_decisions.md, 5.3).

A column that a policy reads to admit rows beyond the owner's (``is_coach``, ``is_public``,
``status``, ...) must not be writable by the roles that policy serves, or whoever can write it
grants themselves (or anyone) the access it decides: self-promotion. When a served role must be
able to write such a column on purpose (an athlete choosing to publish their own profile), the
entry below says who writes it and why; the reviewer reads it with the migration.

Key: ``("schema.table", "column")``. Value: who writes it, through what, and why that is safe.
An entry that names no access-deciding column of the migrated schema fails the suite (stale).
"""

from __future__ import annotations

from typing import Final

DECLARED_WRITERS: Final[dict[tuple[str, str], str]] = {}
"""Migration 001 has none: its policies are the owner test, or ``true`` on reference tables."""
