"""Released migrations are frozen: ``migrations/released.toml`` lists them with a sha256.

A released migration has run on the live project; editing, renaming or deleting its file would
make the repository lie about the live schema. :func:`violations` names each such file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from hyrox_schema.chain import NAME_PATTERN

RELEASED_FILE = "released.toml"


class ReleasedFileError(ValueError):
    """released.toml does not parse or an entry lacks a field."""


@dataclass(frozen=True)
class Released:
    """One released migration: its file name, checksum and release day."""

    file: str
    sha256: str
    released_on: dt.date


def sha256_of(path: Path) -> str:
    """Hex sha256 of the file's bytes (what ``sha256sum`` prints)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read(folder: Path) -> list[Released]:
    """The entries of ``folder/released.toml`` (none when the file has none)."""
    path = folder / RELEASED_FILE
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as error:
        raise ReleasedFileError(f"{path}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        hint = (
            ": delete the line `released = []` (the file's comment, step 2), a [[released]] "
            "entry replaces it"
            if "[[released]]" in text
            and any(line.strip().replace(" ", "") == "released=[]" for line in text.splitlines())
            else ""
        )
        raise ReleasedFileError(f"{path}: {error}{hint}") from None
    entries = []
    for number, entry in enumerate(data.get("released", []), start=1):
        try:
            file, sha, day = entry["file"], entry["sha256"], entry["released_on"]
        except (KeyError, TypeError):
            raise ReleasedFileError(
                f"{path}: entry {number} needs file, sha256 and released_on"
            ) from None
        if not isinstance(day, dt.date) or len(str(sha)) != 64 or not NAME_PATTERN.match(file):
            raise ReleasedFileError(
                f"{path}: entry {number} ({file}): file is NNN_name.sql, sha256 is 64 hex digits,"
                " released_on a TOML date (2026-12-15)"
            )
        entries.append(Released(file, str(sha).lower(), day))
    return entries


def violations(folder: Path) -> list[str]:
    """Each released migration that is gone or changed, and releases out of chain order."""
    problems = []
    entries = read(folder)
    for entry in entries:
        path = folder / entry.file
        if not path.is_file():
            problems.append(
                f"{entry.file}: released on {entry.released_on} but the file is gone; a released "
                "migration is never deleted or renamed (undo it with a new migration)"
            )
        elif (actual := sha256_of(path)) != entry.sha256:
            problems.append(
                f"{entry.file}: released on {entry.released_on} with sha256 {entry.sha256}, but "
                f"the file now has {actual}; a released migration is frozen, put the change in a "
                "new migration"
            )
    numbers = [int(e.file[:3]) for e in entries]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(
            f"{RELEASED_FILE}: released migrations must be 001, 002, ... in order, got "
            + ", ".join(f"{n:03d}" for n in numbers)
        )
    return problems


def last_released(folder: Path) -> int | None:
    """Number of the newest released migration (None: nothing released yet)."""
    entries = read(folder)
    return int(entries[-1].file[:3]) if entries else None
