"""The contract's text form: files of blocks, each an object on a header line plus attributes.

A block is ``<kind> <name>`` at column 0, then indented ``  key: value`` lines;
a multi-line value (a function body), and any value that is empty or starts or
ends with a space, follows ``  key:`` as ``    | line`` lines. Blocks are
separated by one blank line; ``#`` lines are comments. The same parser reads
the committed files (for the behaviour tests and the PR summary) and the
freshly written ones (for the compare); it is the inverse of :func:`render`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hyrox_schema.paths import REPO_ROOT

HEADER = (
    "# Schema contract, written by `hyrox-contract write` from the migrated "
    'database.\n# Review it like code; do not edit by hand (see README, "Schema contract").\n'
)
BODY_PREFIX = "    | "


@dataclass(frozen=True)
class Block:
    """One object: ``kind`` (table, column, index, ...), ``name`` and ordered attributes."""

    kind: str
    name: str
    attrs: tuple[tuple[str, str], ...] = field(default=())

    @property
    def key(self) -> str:
        """The header line: how the object is named in diffs and summaries."""
        return f"{self.kind} {self.name}"

    def get(self, key: str, default: str | None = None) -> str | None:
        """The value of attribute ``key`` (``default`` when absent)."""
        return next((value for k, value in self.attrs if k == key), default)

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(f"{self.key} has no attribute {key!r}")
        return value


def inline(value: str) -> bool:
    """Whether ``value`` can stay on its key's line: one line, not empty, and no space at either
    end (the parser strips those; a one-line body ``  select 1`` keeps them as a body line)."""
    return bool(value) and "\n" not in value and value == value.strip()


def render_block(block: Block) -> str:
    """The block's lines (no trailing blank line). :func:`parse` reads back exactly ``block``."""
    lines = [block.key]
    for key, value in block.attrs:
        if inline(value):
            lines.append(f"  {key}: {value}")
        else:
            lines.append(f"  {key}:")
            lines.extend(
                BODY_PREFIX + line if line else BODY_PREFIX.rstrip() for line in value.split("\n")
            )
    return "\n".join(lines)


def render(blocks: Iterable[Block]) -> str:
    """A whole contract file: the header comment, then the blocks separated by blank lines."""
    return HEADER + "\n" + "\n\n".join(render_block(b) for b in blocks) + "\n"


def parse(text: str, *, source: str = "<contract>") -> list[Block]:
    """The blocks of a contract file (the inverse of :func:`render`)."""
    blocks: list[Block] = []
    kind: str | None = None
    name = ""
    attrs: list[tuple[str, str]] = []
    body_open = body_started = False

    def flush() -> None:
        if kind is not None:
            blocks.append(Block(kind, name, tuple(attrs)))

    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            flush()
            kind, _, name = line.partition(" ")
            attrs = []
        elif kind is None:
            raise ValueError(f"{source}:{number}: attribute outside a block: {line!r}")
        elif line.startswith(BODY_PREFIX.rstrip()):
            if not attrs or not body_open:
                raise ValueError(f"{source}:{number}: body line without its key: {line!r}")
            key, value = attrs[-1]
            piece = line[len(BODY_PREFIX) :]
            attrs[-1] = (key, f"{value}\n{piece}" if body_started else piece)
            body_started = True
        else:
            key, sep, value = line.strip().partition(":")
            if not sep:
                raise ValueError(f"{source}:{number}: expected 'key: value': {line!r}")
            attrs.append((key, value.strip()))
            body_open, body_started = not value.strip(), False
    flush()
    return blocks


def read_dir(directory: Path) -> dict[str, str]:
    """Every ``*.txt`` file under ``directory``, by path relative to it (posix), as text."""
    return {
        path.relative_to(directory).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(directory.rglob("*.txt"))
    }


def write_dir(directory: Path, files: dict[str, str]) -> list[str]:
    """Make ``directory`` hold exactly ``files``; return the paths that changed."""
    current = read_dir(directory) if directory.is_dir() else {}
    changed = sorted(p for p in current.keys() | files.keys() if current.get(p) != files.get(p))
    for path in current.keys() - files.keys():
        (directory / path).unlink()
    for path, text in files.items():
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if current.get(path) != text:
            target.write_text(text, encoding="utf-8")
    return changed


def blocks_of(files: dict[str, str]) -> Iterator[tuple[str, Block]]:
    """(file, block) for every block of every file, in file then block order."""
    for path, text in sorted(files.items()):
        for block in parse(text, source=path):
            yield path, block


# The contract's folder, relative to the repository (what git names).
CONTRACT_FOLDER = "contract"


def files_at(revision: str | None, root: Path = REPO_ROOT) -> dict[str, str]:
    """contract/ at ``revision`` (path relative to contract/ -> text); the work tree for None."""
    if revision is None:
        directory = root / CONTRACT_FOLDER
        return read_dir(directory) if directory.is_dir() else {}
    listed = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", revision, "--", f"{CONTRACT_FOLDER}/"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {
        path.removeprefix(f"{CONTRACT_FOLDER}/"): subprocess.run(
            ["git", "show", f"{revision}:{path}"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for path in listed
        if path.endswith(".txt")
    }
