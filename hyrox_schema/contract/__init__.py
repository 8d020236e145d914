"""The schema contract: a committed, reviewed description of everything the migrations own.

``contract/`` at the repository root holds it, one file per table
(``tables/public.<table>.txt``), per function (``functions/<schema>.<name>.txt``),
the schemas the migrations create (``schemas.txt``) and what they set on objects
they do not own (``external.txt``). ``hyrox-contract write`` rewrites it
from a freshly migrated database, ``check`` compares, ``summary --base REV`` says
what a change of it means (objects added, removed, changed; the access matrix).

Tests read their expectations (NOT NULL columns, defaults, uniques, indexes) from
the committed files through :func:`load`, never from the catalog they test.
"""

from __future__ import annotations

import difflib
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the summary runs without psycopg: import catalog types lazily
    from hyrox_schema.catalog import ForeignKey

from hyrox_schema.contract.model import Block, parse, read_dir, render
from hyrox_schema.paths import REPO_ROOT

CONTRACT_DIR = REPO_ROOT / "contract"
WRITE_COMMAND = "hyrox-contract write"


def render_files(blocks: dict[str, list[Block]]) -> dict[str, str]:
    """File path -> text, for a contract read from a database."""
    return {path: render(items) for path, items in sorted(blocks.items())}


def differences(committed: dict[str, str], actual: dict[str, str]) -> list[str]:
    """A unified diff per file that differs (committed -> what the database has)."""
    diffs = []
    for path in sorted(committed.keys() | actual.keys()):
        old, new = committed.get(path), actual.get(path)
        if old == new:
            continue
        diffs.append(
            "".join(
                difflib.unified_diff(
                    (old or "").splitlines(keepends=True),
                    (new or "").splitlines(keepends=True),
                    fromfile=f"contract/{path}" if old is not None else "/dev/null",
                    tofile=f"database: {path}" if new is not None else "/dev/null",
                )
            )
        )
    return diffs


def round_trip_problems(files: dict[str, str]) -> list[str]:
    """Where a contract text does not read back as itself (parse, then render): the file and the
    first line that changes (empty: every file round-trips, so what is written is what is read)."""
    problems = []
    for path, text in sorted(files.items()):
        again = render(parse(text, source=path))
        if again != text:
            old, new = text.split("\n"), again.split("\n")
            number = next(
                (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
                min(len(old), len(new)),
            )
            line = old[number] if number < len(old) else ""
            problems.append(f"{path}:{number + 1}: {line!r} does not read back as itself")
    return problems


def failure_message(diffs: list[str]) -> str:
    """What a failed compare says: the per-object diff and the command that rewrites."""
    return (
        "the migrated schema differs from the committed contract (contract/).\n"
        f"If the change is intended, run `{WRITE_COMMAND}` and commit contract/ with it,\n"
        "so the reviewer sees the change; otherwise fix the migration.\n\n" + "\n".join(diffs)
    )


class Contract:
    """The committed contract, parsed: blocks by file, with the lookups tests need."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files
        self.blocks = {path: parse(text, source=path) for path, text in files.items()}

    def tables(self) -> dict[str, list[Block]]:
        """Table name (``public.x`` -> ``x`` for public) -> its blocks."""
        found = {}
        for path, blocks in self.blocks.items():
            if path.startswith("tables/"):
                qualified = blocks[0].name
                schema, _, name = qualified.partition(".")
                found[name if schema == "public" else qualified] = blocks
        return found

    def of_kind(self, table: str, kind: str) -> list[Block]:
        """The blocks of one kind (column, constraint, index, ...) of ``table``."""
        return [b for b in self.tables()[table] if b.kind == kind]

    def not_null_columns(self, table: str) -> list[str]:
        """Columns the contract says are NOT NULL."""
        return [c.name for c in self.of_kind(table, "column") if c["not null"] == "yes"]

    def defaults(self, table: str) -> dict[str, str]:
        """Column -> default expression, for columns with a default."""
        return {
            c.name: c["default"] for c in self.of_kind(table, "column") if c["default"] != "none"
        }

    def generated_columns(self, table: str) -> list[str]:
        """Generated (stored) columns."""
        return [c.name for c in self.of_kind(table, "column") if c.get("generated")]

    def constraints(self, kind: str) -> dict[str, tuple[str, Block]]:
        """Constraint name -> (table, block) for each constraint of ``kind`` (check, unique...)."""
        return {
            b.name: (table, b)
            for table in self.tables()
            for b in self.of_kind(table, "constraint")
            if b["kind"] == kind
        }

    def foreign_keys(self) -> dict[str, ForeignKey]:
        """Foreign key name -> its columns, target and actions, parsed from the definition."""
        from hyrox_schema.catalog import ForeignKey

        found = {}
        for name, (table, block) in self.constraints("foreign key").items():
            definition = block["definition"]
            match = re.match(
                r"FOREIGN KEY \(([^)]*)\) REFERENCES (\w+)\.(\w+)\(([^)]*)\)", definition
            )
            assert match, f"{name}: unexpected definition {definition!r}"

            def action(event: str, text: str = definition) -> str:
                found_action = re.search(
                    rf"ON {event} (CASCADE|RESTRICT|SET NULL|SET DEFAULT|NO ACTION)", text
                )
                return found_action[1].lower() if found_action else "no action"

            found[name] = ForeignKey(
                name=name,
                table=table,
                columns=match[1].split(", "),
                referenced_schema=match[2],
                referenced_table=match[3],
                referenced_columns=match[4].split(", "),
                on_delete=action("DELETE"),
                on_update=action("UPDATE"),
                deferrable="DEFERRABLE" in definition and "NOT DEFERRABLE" not in definition,
                initially_deferred="INITIALLY DEFERRED" in definition,
            )
        return found

    def indexes(self) -> dict[str, tuple[str, Block]]:
        """Index name -> (table, block)."""
        return {b.name: (t, b) for t in self.tables() for b in self.of_kind(t, "index")}

    def unique_indexes(self) -> dict[str, str]:
        """Unique, non-primary index name -> table (constraint-backed or not)."""
        primary = set(self.constraints("primary key"))
        return {
            name: table
            for name, (table, b) in self.indexes().items()
            if b["definition"].startswith("CREATE UNIQUE INDEX") and name not in primary
        }

    def plain_indexes(self) -> dict[str, str]:
        """Non-unique index name -> table: the designed indexes, each for a request."""
        return {
            name: table
            for name, (table, b) in self.indexes().items()
            if not b["definition"].startswith("CREATE UNIQUE INDEX")
        }


@cache
def _committed(directory: Path) -> Contract:
    return Contract(read_dir(directory))


def load(directory: Path = CONTRACT_DIR) -> Contract:
    """The committed contract (read once per process)."""
    if not directory.is_dir():
        raise FileNotFoundError(f"no contract at {directory}: run `{WRITE_COMMAND}`")
    return _committed(directory)
