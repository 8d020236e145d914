"""Released migrations are frozen: migrations/released.toml pins each with its sha256."""

import shutil
from pathlib import Path

import pytest

from hyrox_schema import released
from hyrox_schema.chain import MIGRATIONS_DIR

SAMPLES = Path(__file__).parent / "migration_samples"


def test_no_released_migration_was_edited_or_deleted():
    """Every migration marked released still has exactly the checksum it was released with."""
    assert released.violations(MIGRATIONS_DIR) == []


def test_released_file_says_how_to_mark_a_release():
    """released.toml is there, parses, and tells the team how to add an entry."""
    text = (MIGRATIONS_DIR / released.RELEASED_FILE).read_text(encoding="utf-8")
    assert "sha256sum" in text
    assert "[[released]]" in text
    released.read(MIGRATIONS_DIR)


@pytest.fixture
def released_copy(tmp_path: Path) -> Path:
    """A migrations folder with 001 and the well-formed sample 002, both marked released."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    shutil.copy(MIGRATIONS_DIR / "001_complete_schema.sql", folder)
    shutil.copy(SAMPLES / "002_workout_log_outdoors.sql", folder)
    entries = "\n".join(
        f'[[released]]\nfile = "{path.name}"\nsha256 = "{released.sha256_of(path)}"\n'
        "released_on = 2026-12-15\n"
        for path in sorted(folder.glob("*.sql"))
    )
    (folder / released.RELEASED_FILE).write_text(entries, encoding="utf-8")
    return folder


def test_an_untouched_released_copy_passes(released_copy: Path):
    """Marked released and unchanged: no violation, and 002 is the last release."""
    assert released.violations(released_copy) == []
    assert released.last_released(released_copy) == 2


def test_editing_a_released_migration_fails_naming_it(released_copy: Path):
    """One character changed in a released file: the check names the file and both checksums."""
    path = released_copy / "002_workout_log_outdoors.sql"
    pinned = released.sha256_of(path)
    path.write_text(path.read_text().replace("outdoors boolean;", "outdoors boolean not null;"))
    (problem,) = released.violations(released_copy)
    assert problem.startswith("002_workout_log_outdoors.sql: released on 2026-12-15")
    assert pinned in problem
    assert released.sha256_of(path) in problem
    assert "put the change in a new migration" in problem


def test_deleting_a_released_migration_fails_naming_it(released_copy: Path):
    """A released file that is gone (deleted or renamed) is named."""
    (released_copy / "002_workout_log_outdoors.sql").unlink()
    (problem,) = released.violations(released_copy)
    assert problem.startswith("002_workout_log_outdoors.sql: released on 2026-12-15")
    assert "the file is gone" in problem


def test_releases_must_follow_the_chain(released_copy: Path):
    """Releasing 002 without 001 is refused."""
    text = (released_copy / released.RELEASED_FILE).read_text()
    first, second = text.split("[[released]]")[1:]
    (released_copy / released.RELEASED_FILE).write_text("[[released]]" + second)
    assert released.violations(released_copy) == [
        "released.toml: released migrations must be 001, 002, ... in order, got 002"
    ]
    assert first


def test_a_malformed_entry_is_refused(tmp_path: Path):
    """An entry without a checksum is an error naming the entry."""
    (tmp_path / released.RELEASED_FILE).write_text('[[released]]\nfile = "001_a.sql"\n')
    with pytest.raises(released.ReleasedFileError, match="entry 1 needs file, sha256"):
        released.read(tmp_path)


def test_following_the_files_own_steps_gives_a_valid_file(tmp_path: Path):
    """Issue 17: the file's comment, followed to the letter (delete `released = []`, append an
    entry), parses; appending without deleting it fails saying which line to delete."""
    text = (MIGRATIONS_DIR / released.RELEASED_FILE).read_text(encoding="utf-8")
    path = MIGRATIONS_DIR / "001_complete_schema.sql"
    entry = (
        f'\n[[released]]\nfile = "{path.name}"\nsha256 = "{released.sha256_of(path)}"\n'
        "released_on = 2026-12-15\n"
    )
    (tmp_path / released.RELEASED_FILE).write_text(text + entry, encoding="utf-8")
    with pytest.raises(released.ReleasedFileError, match=r"delete the line `released = \[\]`"):
        released.read(tmp_path)
    followed = "\n".join(line for line in text.splitlines() if line != "released = []")
    (tmp_path / released.RELEASED_FILE).write_text(followed + entry, encoding="utf-8")
    assert [r.file for r in released.read(tmp_path)] == [path.name]
