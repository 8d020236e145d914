"""Builders of CHECK cases shared by the declarations (tests/tables/<table>.py).

Each returns a :class:`tests.tables.declaration.Check`: good values stored, bad ones refused.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from factories import reference
from tests.tables.declaration import Check

#: The formats besides singles (where only the Open and Pro divisions race).
FORMATS = ("doubles", "relay")
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
START = date(2026, 1, 5)
ASSISTANT = {"assistant": True}


def station_id() -> Any:  # noqa: ANN401 - a uuid from the database
    """Id of the seeded SkiErg station (resolved when the case runs)."""
    return reference.stations()[0]["id"]


def enum(column: str, good: tuple[Any, ...], bad: tuple[Any, ...], **extra: object) -> Check:
    """``column`` accepts each of ``good`` and refuses each of ``bad``."""
    return Check(
        tuple({column: g, **extra} for g in good),
        tuple({column: b, **extra} for b in bad),
    )


def jsonb_object(column: str, **extra: object) -> Check:
    """A jsonb column that must hold an object."""
    return Check(
        ({column: {}, **extra}, {column: {"k": [1, 2]}, **extra}),
        ({column: [], **extra}, {column: "text", **extra}, {column: 7, **extra}),
    )


def not_blank(column: str, **extra: object) -> Check:
    """A text column that must hold something besides white space."""
    return Check(
        ({column: "A", **extra}, {column: " \tA\n", **extra}),
        tuple({column: blank, **extra} for blank in ("", "   ", "\n", "\t", " \r\n ")),
    )


def https(column: str) -> Check:
    """A URL column that must be https (or NULL)."""
    return Check(
        ({column: "https://example.com/a.png"}, {column: None}),
        ({column: "http://example.com/a.png"}, {column: "example.com/a.png"}),
    )
