"""The contract's text form (hyrox_schema/contract/model.py) reads back exactly what it writes.

The committed files are rendered from the database and parsed again by the behaviour tests, the
compare and the PR summary; a value that changes on the way (a one-line function body that
starts with spaces lost them) makes the written contract disagree with itself.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hyrox_schema.contract import model, round_trip_problems

NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_.()", min_size=1, max_size=20)
VALUES = st.text(max_size=60)
"""Any text: one line or many, empty, spaces and tabs anywhere, every Unicode category."""


def function_block(body: str) -> model.Block:
    """A function block with ``body`` between two one-line attributes."""
    return model.Block(
        "function", "private.f()", (("language", "sql"), ("body", body), ("comment", "yes"))
    )


@pytest.mark.parametrize(
    "body",
    [
        "  select 1",
        "  select 1 ",
        " select 1",
        "select 1 ",
        "\tselect 1",
        "",
        "   ",
        "\n  select 1\n",
        "  with x as (\n    select 1\n  )\n  select * from x",
    ],
    ids=repr,
)
def test_a_body_reads_back_as_written(body: str) -> None:
    """Leading or trailing spaces, empty bodies and blank lines survive render then parse."""
    block = function_block(body)
    text = model.render([block])
    assert model.parse(text) == [block]
    assert model.render(model.parse(text)) == text


def test_a_one_line_body_with_leading_spaces_is_written_as_a_body_line() -> None:
    """`$$  select 1 $$` (the reader drops the trailing space) keeps its indent on a `|` line."""
    text = model.render([function_block("  select 1")])
    assert "  body:\n    |   select 1\n" in text
    assert "  language: sql\n" in text


def test_plain_one_line_values_stay_on_their_key_line() -> None:
    """The common case keeps the compact form the committed contract uses."""
    assert model.render_block(function_block("select 1")).split("\n") == [
        "function private.f()",
        "  language: sql",
        "  body: select 1",
        "  comment: yes",
    ]


@given(kind=NAMES, name=NAMES, attrs=st.lists(st.tuples(NAMES, VALUES), max_size=5))
def test_render_then_parse_is_the_identity(
    kind: str, name: str, attrs: list[tuple[str, str]]
) -> None:
    """For every block, parse(render(b)) is b, and rendering that again gives the same text."""
    block = model.Block(kind, name, tuple(attrs))
    text = model.render([block, function_block("select 1")])
    parsed = model.parse(text)
    assert parsed == [block, function_block("select 1")]
    assert model.render(parsed) == text


@given(body=VALUES)
def test_round_trip_problems_finds_none_in_rendered_text(body: str) -> None:
    """The gate's check (tests/test_migration_samples.py, contract text) accepts every render."""
    assert (
        round_trip_problems({"functions/private.f.txt": model.render([function_block(body)])}) == []
    )


def test_round_trip_problems_names_the_file_and_line() -> None:
    """Text that does not read back as itself is reported with its file and line."""
    text = model.render([function_block("select 1")]).replace("body: select 1", "body:   select 1")
    assert round_trip_problems({"functions/private.f.txt": text}) == [
        "functions/private.f.txt:6: '  body:   select 1' does not read back as itself"
    ]
