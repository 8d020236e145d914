"""The PR summary of a contract change: objects added, removed, changed, and the access matrix.

``hyrox-contract summary --base REV`` is what CI writes into the job
summary of a pull request; a reviewer reads there, without SQL, that a policy
got wider.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hyrox_schema.contract import model, summary
from tests.support import frozen

COMMITTED = frozen.contract_files()
MESSAGES = "tables/public.messages.txt"
READ_MESSAGES = '"athletes can read messages of their own conversations"'


def edited(files: dict[str, str], path: str, name: str, **attrs: str) -> dict[str, str]:
    """``files`` with attributes of one block replaced."""
    blocks = [
        model.Block(
            b.kind, b.name, tuple((k, attrs.get(k.replace(" ", "_"), v)) for k, v in b.attrs)
        )
        if b.name == name
        else b
        for b in model.parse(files[path])
    ]
    return files | {path: model.render(blocks)}


@pytest.fixture
def widened() -> str:
    """The summary of a PR that opens the messages read policy to every row."""
    head = edited(COMMITTED, MESSAGES, READ_MESSAGES, using="true")
    return summary.render_summary(COMMITTED, head, base_name="main", head_name="pr")


def test_a_widened_policy_is_listed_as_changed_with_old_and_new_clause(widened: str):
    """The changed object is named by its table and header, the clause shown old -> new."""
    assert "0 added, 0 removed, 1 changed" in widened
    assert f"- public.messages: policy {READ_MESSAGES}" in widened
    assert "using: `(athlete_id = ( SELECT private.current_athlete_id() AS current_athlete_id))`" \
        " → `true`" in widened  # fmt: skip


def test_a_widened_policy_shows_in_the_access_matrix(widened: str):
    """The matrix of the table shows the select cell going from own rows to all rows."""
    matrix = widened.split("### Access matrix", 1)[1]
    assert "#### `public.messages`" in matrix
    assert "| authenticated | ~~own rows~~ **all rows** |" in matrix
    assert "public.goals" not in matrix  # unchanged tables stay out


def test_no_contract_change_says_so():
    """Identical contracts give a one-line summary without a matrix."""
    text = summary.render_summary(COMMITTED, COMMITTED, base_name="main", head_name="pr")
    assert "No schema change" in text
    assert "Access matrix" not in text


def test_a_new_table_is_one_line_with_its_matrix():
    """A new table file is listed once (with its counts) and gets its whole matrix."""
    new = COMMITTED[MESSAGES].replace("table public.messages", "table public.coach_notes")
    head = COMMITTED | {"tables/public.coach_notes.txt": new}
    text = summary.render_summary(COMMITTED, head, base_name="main", head_name="pr")
    assert "1 added, 0 removed, 0 changed" in text
    assert "- table public.coach_notes (14 columns," in text
    assert "#### `public.coach_notes` (new)" in text


def test_a_dropped_not_null_is_a_changed_column():
    """Removals are as visible as additions: a column losing NOT NULL is a changed object."""
    head = edited(COMMITTED, MESSAGES, "content", not_null="no")
    text = summary.render_summary(COMMITTED, head, base_name="main", head_name="pr")
    assert "- public.messages: column content\n  - not null: `yes` → `no`" in text
    assert "Access matrix" not in text


def test_the_access_matrix_of_a_known_messages_table():
    """Grants and policies in words: own rows, column-limited update, no delete, no anon."""
    matrix = summary.access(summary._tables(COMMITTED)["public.messages"])
    assert matrix[("authenticated", "select")] == "own rows"
    assert matrix[("authenticated", "insert")] == "own rows where (role = 'user'::text)"
    assert matrix[("authenticated", "update")] == "own rows (feedback, pinned only)"
    assert matrix[("authenticated", "delete")] == "no grant"
    assert {matrix[("anon", c)] for c in summary.COMMANDS} == {"no grant"}
    assert {matrix[("service_role", c)] for c in summary.COMMANDS} == {"all rows"}


def git(root: Path, *args: str) -> None:
    """Run git quietly in ``root``."""
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_summary_reads_the_contract_at_two_revisions(tmp_path: Path):
    """summary_between reads contract/ from git at base and head (the CI path)."""
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "ci@example.invalid")
    git(tmp_path, "config", "user.name", "ci")
    model.write_dir(tmp_path / "contract", COMMITTED)
    git(tmp_path, "add", "contract")
    git(tmp_path, "commit", "-qm", "base")
    model.write_dir(tmp_path / "contract", edited(COMMITTED, MESSAGES, READ_MESSAGES, using="true"))
    git(tmp_path, "commit", "-qam", "widen")
    text = summary.summary_between("HEAD~1", "HEAD", root=tmp_path)
    assert "~~own rows~~ **all rows**" in text
    assert summary.summary_between("HEAD", root=tmp_path).count("No schema change") == 1
