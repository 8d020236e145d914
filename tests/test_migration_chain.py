"""The chain's rules: names, contiguous unique numbers, the stop option, the 001 override."""

from pathlib import Path

import pytest

from hyrox_schema import chain

SAMPLE = "begin;\ncommit;\n"


def folder_with(tmp_path: Path, *names: str) -> Path:
    """A migrations folder holding empty-transaction files of these names."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    for name in names:
        (folder / name).write_text(SAMPLE, encoding="utf-8")
    return folder


def test_the_repository_chain_starts_at_001():
    """migrations/ is a valid chain whose first file is the complete schema."""
    found = chain.discover()
    assert found[0].name == "001_complete_schema.sql"
    assert [m.number for m in found] == list(range(1, len(found) + 1))


def test_the_chain_is_in_number_order(tmp_path: Path):
    """Files are applied by number, whatever their names sort like."""
    folder = folder_with(tmp_path, "002_b.sql", "001_z.sql", "003_a.sql", "released.toml")
    assert [m.name for m in chain.discover(folder)] == ["001_z.sql", "002_b.sql", "003_a.sql"]


@pytest.mark.parametrize(
    ("names", "offender", "reason"),
    [
        (["001_a.sql", "003_c.sql"], "003_c.sql", "leaves a gap"),
        (["002_b.sql"], "002_b.sql", "leaves a gap"),
        (["001_a.sql", "001_b.sql"], "001_b.sql", "already taken by 001_a.sql"),
        (["001_a.sql", "2_b.sql"], "2_b.sql", "not a migration name"),
        (["001_a.sql", "002_Coach-Notes.sql"], "002_Coach-Notes.sql", "not a migration name"),
        (["001_a.sql", "002_b.sql.bak"], "002_b.sql.bak", "not a migration name"),
    ],
    ids=["gap", "no-001", "duplicate-number", "short-number", "bad-characters", "stray-file"],
)
def test_a_broken_chain_is_refused_naming_the_file(
    tmp_path: Path, names: list[str], offender: str, reason: str
):
    """A gap, a duplicate number or a bad name is an error that names the offending file."""
    folder = folder_with(tmp_path, *names)
    with pytest.raises(chain.ChainError, match=reason) as caught:
        chain.discover(folder)
    assert offender in str(caught.value)


def test_migrate_to_stops_the_chain(tmp_path: Path):
    """--migrate-to N keeps 001..N; a number outside the chain is an error."""
    found = chain.discover(folder_with(tmp_path, "001_a.sql", "002_b.sql", "003_c.sql"))
    assert [m.number for m in chain.stop_at(found, 2, "--migrate-to")] == [1, 2]
    assert chain.stop_at(found, None, "--migrate-to") == found
    with pytest.raises(chain.ChainError, match="no such migration"):
        chain.stop_at(found, 4, "--migrate-to")


@pytest.mark.parametrize(("raw", "number"), [("2", 2), ("002", 2), ("002_coach_notes", 2)])
def test_migration_numbers_parse(raw: str, number: int):
    """A number is given as 2, 002 or the file's stem."""
    assert chain.parse_number(raw, "--migrate-to") == number


def test_hyrox_migration_replaces_001_and_keeps_its_name(tmp_path: Path):
    """HYROX_MIGRATION swaps 001's file (the mutants) but the chain still calls it 001's name."""
    folder = folder_with(tmp_path, "001_a.sql", "002_b.sql")
    mutant = tmp_path / "mutant.sql"
    mutant.write_text(SAMPLE, encoding="utf-8")
    found = chain.discover(folder, first=mutant)
    assert (found[0].path, found[0].name, found[0].guard_message) == (
        mutant,
        "001_a.sql",
        "migration 001_a has already been applied",
    )
    assert found[1].path == folder / "002_b.sql"
