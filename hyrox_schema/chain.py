"""The migration chain: every ``migrations/NNN_name.sql``, in number order (README "Life of a
schema PR").

Rules (checked before any test runs; a violation is a usage error naming the file):

* names match ``NNN_name.sql`` (three digits, then lowercase letters, digits, ``_``);
* numbers are unique and contiguous from 001: the chain is 001, 002, ... with no gap;
* nothing else lives in ``migrations/`` but ``released.toml`` (see :mod:`hyrox_schema.released`)
  and an optional ``README.md``.

Every migration is one explicit ``begin; ... commit;`` transaction whose first statement after
``begin;`` is its guard: a ``do`` block that raises ``duplicate_object`` with the message
``migration <file stem> has already been applied`` when the migration's effect is already there
(the first object it creates exists, the column it drops is gone, ...), like 001's guard.
``tests/test_migration.py`` proves, for every file, that a second run stops there and changes
nothing.

A migration that changes existing rows on purpose says so in a ``-- data-change:`` line
(:mod:`hyrox_schema.upgrade`); without one, the upgrade test demands every row survive as is.

``knowledge_chunks`` and its two RPCs pre-date the chain and are not its own: every migration
must leave them as they were (``tests/test_migration.py``), unless this module declares, in
:data:`EXTERNAL_CHANGES`, exactly what one named migration may change there (a reviewed line,
never a blanket exemption).

Selection: ``--migrate-to N`` / ``HYROX_MIGRATE_TO=N`` stops the chain at N (the after layer is
then the database at N); ``HYROX_MIGRATION=/path.sql`` uses that file in place of 001 (the
mutation tests run their mutants through it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from hyrox_schema.paths import REPO_ROOT

MIGRATIONS_DIR = REPO_ROOT / "migrations"

MIGRATION_ENV = "HYROX_MIGRATION"
MIGRATE_TO_ENV = "HYROX_MIGRATE_TO"
UPGRADE_FROM_ENV = "HYROX_UPGRADE_FROM"
NAME_PATTERN = re.compile(r"^(?P<number>\d{3})_[a-z0-9_]+\.sql$")
# Files in migrations/ that are not migrations.
NOT_MIGRATIONS = frozenset({"released.toml", "README.md"})


@dataclass(frozen=True)
class ReadOnlyFor:
    """A declared change to a table the migrations do not own: ``roles`` keep SELECT on it and
    lose every other privilege they hold there; nothing else changes (rows, columns, RLS, indexes,
    other roles' grants, the RPCs)."""

    table: str
    roles: tuple[str, ...]
    why: str

    def expected_grants(self, before: frozenset[str]) -> frozenset[str]:
        """The table's grants after the change, from those before it (``grantee:PRIVILEGE:
        grantor:grantable`` items, as ``aclexplode`` reads them): no grant is added."""
        return frozenset(
            item
            for item in before
            if item.split(":")[0] not in self.roles or item.split(":")[1] == "SELECT"
        )


EXTERNAL_CHANGES: dict[str, ReadOnlyFor] = {
    "002_knowledge_chunks_read_only": ReadOnlyFor(
        table="public.knowledge_chunks",
        roles=("anon", "authenticated"),
        why="Supabase's default grants let anyone with the anon key write the RAG corpus; reads "
        "stay public, RLS stays off (docs/design_decisions.md 6.2)",
    ),
}
"""Migration stem -> the one change it may make to an object it does not own."""


class ChainError(ValueError):
    """The migrations folder breaks a chain rule; the message names the file."""


@dataclass(frozen=True)
class Migration:
    """One migration of the chain."""

    number: int
    path: Path
    chain_name: str = ""

    @property
    def name(self) -> str:
        """The file name in the chain (``002_coach_notes.sql``), even when overridden."""
        return self.chain_name or self.path.name

    @property
    def stem(self) -> str:
        """The name without ``.sql``: what the guard's message names."""
        return self.name.removesuffix(".sql")

    @property
    def label(self) -> str:
        """Test id: the three-digit number and the name (``002_coach_notes``)."""
        return self.stem

    @cached_property
    def text(self) -> str:
        """The SQL script."""
        return self.path.read_text(encoding="utf-8")

    @property
    def external_change(self) -> ReadOnlyFor | None:
        """What this migration may change on knowledge_chunks (:data:`EXTERNAL_CHANGES`)."""
        return EXTERNAL_CHANGES.get(self.stem)

    @property
    def guard_message(self) -> str:
        """The error a second run must raise (the guard convention)."""
        return f"migration {self.stem} has already been applied"


def discover(folder: Path = MIGRATIONS_DIR, *, first: Path | None = None) -> list[Migration]:
    """The chain in ``folder``, in number order; ``first`` replaces 001's file.

    Raises :class:`ChainError` naming the offending file when a rule is broken.
    """
    if not folder.is_dir():
        raise ChainError(f"no migrations folder at {folder}")
    by_number: dict[int, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name in NOT_MIGRATIONS:
            continue
        match = NAME_PATTERN.fullmatch(path.name)
        if match is None or not path.is_file():
            raise ChainError(
                f"{path.relative_to(folder.parent)}: not a migration name; the folder holds only "
                "NNN_name.sql files (three digits, lowercase letters, digits and _), "
                f"plus {', '.join(sorted(NOT_MIGRATIONS))}"
            )
        number = int(match["number"])
        if number in by_number:
            raise ChainError(
                f"{path.relative_to(folder.parent)}: number {number:03d} is already taken by "
                f"{by_number[number].name}; every migration needs its own number"
            )
        by_number[number] = path
    if not by_number:
        raise ChainError(f"{folder}: no migration (expected 001_*.sql)")
    for expected, number in enumerate(sorted(by_number), start=1):
        if number != expected:
            raise ChainError(
                f"{by_number[number].relative_to(folder.parent)}: number {number:03d} leaves a gap:"
                f" the chain needs {expected:03d} before it (numbers run 001, 002, ... in order)"
            )
    chain = [Migration(n, by_number[n]) for n in sorted(by_number)]
    if first is not None:
        if not first.is_file():
            raise ChainError(f"{MIGRATION_ENV}={first}: no such file")
        chain[0] = Migration(1, first, chain[0].name)
    return chain


def override_of_001(environ: Mapping[str, str] = os.environ) -> Path | None:
    """``$HYROX_MIGRATION`` as an absolute path, or None."""
    raw = environ.get(MIGRATION_ENV, "").strip()
    if not raw:
        return None
    path = Path(raw)
    return path if path.is_absolute() else REPO_ROOT / path


def parse_number(raw: str, what: str) -> int:
    """A migration number given as ``2``, ``002`` or ``002_name``."""
    match = re.match(r"^(\d{1,3})(?:_|$)", raw.strip())
    if match is None:
        raise ChainError(f"{what} must be a migration number (e.g. 2 or 002), got {raw!r}")
    return int(match[1])


def stop_at(chain: list[Migration], number: int | None, what: str) -> list[Migration]:
    """The chain up to and including ``number`` (None: the whole chain)."""
    if number is None:
        return chain
    if not any(m.number == number for m in chain):
        raise ChainError(
            f"{what}={number:03d}: no such migration (the chain is "
            f"{chain[0].number:03d}..{chain[-1].number:03d})"
        )
    return [m for m in chain if m.number <= number]


@dataclass
class Selection:
    """What this run builds its after layer from (set once by conftest's pytest_configure)."""

    migrate_to: int | None = None
    upgrade_from: int | None = None
    folder: Path = MIGRATIONS_DIR

    def chain(self) -> list[Migration]:
        """The selected chain: every migration, or up to ``migrate_to``."""
        full = discover(self.folder, first=override_of_001())
        return stop_at(full, self.migrate_to, "--migrate-to")


SELECTION = Selection()


TRANSACTION_STATEMENT = re.compile(
    r"^\s*(begin|commit|rollback|end|savepoint|release)\b\s*;", re.IGNORECASE
)
GUARD_BLOCK = re.compile(r"^do \$\$.*?^\$\$;\n", re.MULTILINE | re.DOTALL)


def code_lines(migration: Migration) -> list[str]:
    """The script's non-blank lines that are not whole-line comments."""
    return [
        line
        for line in migration.text.splitlines()
        if line.strip() and not line.strip().startswith("--")
    ]


def end_of_guard(script: str) -> int:
    """Offset just after the guard (the first ``do`` block after ``begin;``)."""
    start = script.index("begin;") if "begin;" in script else 0
    match = GUARD_BLOCK.search(script, start)
    return match.end() if match else start + len("begin;\n")


def transaction_problems(migration: Migration) -> list[str]:
    """Why the file is not exactly one explicit ``begin; ... commit;`` (empty: it is)."""
    statements = [
        line.strip().lower()
        for line in migration.text.splitlines()
        if TRANSACTION_STATEMENT.match(line)
    ]
    code = code_lines(migration)
    if statements != ["begin;", "commit;"] or not code:
        return [f"{migration.name}: transaction statements {statements}, want begin; ... commit;"]
    if code[0].strip() != "begin;" or code[-1].strip() != "commit;":
        return [f"{migration.name}: the first statement must be begin; and the last commit;"]
    return []


def guard_problems(migration: Migration) -> list[str]:
    """Why the file does not follow the guard convention (empty: it does)."""
    code = code_lines(migration)
    if len(code) < 2 or code[1].strip() != "do $$":
        return [f"{migration.name}: no guard; the statement after begin; must be do $$ ... $$;"]
    guard = migration.text[migration.text.index("begin;") : end_of_guard(migration.text)]
    if f"'{migration.guard_message}'" not in guard or "errcode = 'duplicate_object'" not in guard:
        return [
            f"{migration.name}: the guard must raise '{migration.guard_message}' "
            "using errcode = 'duplicate_object'"
        ]
    return []
