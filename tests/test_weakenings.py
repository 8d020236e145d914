"""Every weakening is loud, and the unexplained ones fail (README "Every weakening is loud").

The gate: every escape hatch of every migration (``-- squawk-ignore``, ``-- noqa``,
``-- data-change:``) carries its reason, every rule a squawk rule set excludes has the comment
that says why, and every narrowing of accepted input a migration makes (read statically from
the contract of the database before and after it: a smaller type, a vocabulary value removed, a
NOT NULL or a constraint added on an existing column) is declared with
``-- data-change: narrow <schema.table.column> -- <why>``. The rest of this file proves the
pieces of the PR summary's "Weakenings" section (hyrox_schema/contract/weakenings.py) on edited
contracts, matrices and a throw-away git repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest

import hyrox_schema.contract as contract
from hyrox_schema import hatches, upgrade
from hyrox_schema.chain import REPO_ROOT, SELECTION, Migration
from hyrox_schema.contract import model, reader, summary, weakenings
from hyrox_schema.databases import Layer
from hyrox_schema.server import PgServer, cloned_database
from tests.support import frozen

Conn = psycopg.Connection[Any]
CHAIN = SELECTION.chain()
COMMITTED = frozen.contract_files()
LOGS = "tables/public.workout_logs.txt"

# --------------------------------------------------------------------------- the gate


@pytest.mark.parametrize("migration", CHAIN, ids=lambda m: m.label)
def test_every_hatch_of_a_migration_gives_its_reason(migration: Migration):
    """A squawk-ignore, noqa or data-change line without ` -- <why>` fails, naming file:line."""
    assert hatches.problems(migration.name, migration.text) == []


@pytest.mark.parametrize("rule_set", [".squawk.toml", ".squawk-001.toml"])
def test_every_rule_a_squawk_rule_set_excludes_says_why(rule_set: str):
    """Each group of excluded rules is preceded by the comment giving the reason."""
    text = (REPO_ROOT / rule_set).read_text(encoding="utf-8")
    assert hatches.rule_set_problems(rule_set, text) == []


def contract_at(conn: Conn, before: reader.Baseline) -> dict[str, str]:
    """The contract of the database ``conn`` (file -> text)."""
    return contract.render_files(reader.read(conn, before))


AFTER_001 = CHAIN[1:] or [
    pytest.param(
        None,
        id="no migration after 001",
        marks=pytest.mark.skip(
            reason="only 001 in migrations/: nothing narrows yet; the gate is proven on "
            "tests/migration_samples/ (tests/test_migration_samples.py)"
        ),
    )
]


@pytest.mark.commits
@pytest.mark.parametrize("migration", AFTER_001, ids=lambda m: m.label)
def test_a_migration_declares_every_narrowing_it_makes(
    pg_server: PgServer, layer_before_001: Layer, migration: Migration
):
    """The contract before and after the migration: each narrowing is declared `narrow`."""
    with (
        cloned_database(
            pg_server,
            template=layer_before_001.template_dbname,
            dbname=f"hyrox_{os.getpid()}_narrowing",
        ) as dsn,
        psycopg.connect(dsn, autocommit=True) as conn,
    ):
        before = reader.baseline(conn)
        upgrade.apply(conn, [m for m in CHAIN if m.number < migration.number])
        old = contract_at(conn, before)
        upgrade.apply(conn, [migration])
        new = contract_at(conn, before)
    declared = weakenings.declared_narrowings(migration.text)
    missing = weakenings.undeclared(weakenings.narrowings(old, new), declared)
    assert missing == [], (
        f"{migration.name} narrows what existing columns accept; if intended, declare each in "
        "its header as `-- data-change: narrow <schema.table.column> -- <why>`:\n  "
        + "\n  ".join(f"{n} ({n.where})" for n in missing)
    )


# --------------------------------------------------------------------------- hatches


@pytest.mark.parametrize(
    ("line", "tool", "what", "reason"),
    [
        ("-- squawk-ignore ban-drop-column -- moved to notes", "squawk-ignore", "ban-drop-column",
         "moved to notes"),
        ("-- squawk-ignore changing-column-type, prefer-text-field", "squawk-ignore",
         "changing-column-type, prefer-text-field", ""),
        ("-- squawk-ignore-file", "squawk-ignore-file", "all", ""),
        ("select 1;  -- noqa: LT05 -- a long literal", "noqa", "LT05", "a long literal"),
        ("-- data-change: delete public.messages -- beta rows", "data-change",
         "delete public.messages", "beta rows"),
        ("-- data-change: delete public.messages", "data-change", "delete public.messages", ""),
    ],
)  # fmt: skip
def test_a_hatch_is_read_with_its_rules_and_reason(line: str, tool: str, what: str, reason: str):
    """Tool, what it silences or declares, and the reason after ` -- `."""
    hatch = hatches.hatch_in_line("002_x.sql:7", line)
    assert hatch == hatches.Hatch("002_x.sql:7", tool, what, reason)


def test_a_hatch_without_reason_fails_with_file_and_line():
    """Each reasonless hatch is one problem naming file:line; a reasoned one is none."""
    text = (
        "-- data-change: delete public.messages -- beta rows\n"
        "-- data-change: delete public.goals\n"
        "begin;\n"
        "-- squawk-ignore ban-drop-column\n"
        "-- squawk-ignore ban-drop-column -- notes moved\n"
    )
    found = hatches.problems("002_x.sql", text)
    assert [p.split(": ", 1)[0] for p in found] == ["002_x.sql:2", "002_x.sql:4"]
    assert "data-change delete public.goals without a reason" in found[0]
    assert "squawk-ignore ban-drop-column without a reason" in found[1]
    (unknown,) = hatches.problems("002_x.sql", "-- data-change: rename public.goals -- why\n")
    assert unknown.startswith("002_x.sql:1: cannot read the declaration `rename public.goals`")


def test_an_excluded_rule_without_comment_is_named():
    """A rule added to excluded_rules with no comment above it is a reasonless hatch."""
    text = 'excluded_rules = [\n  # why\n  "a-rule",\n\n  "ban-drop-column",\n]\n'
    assert hatches.rule_set_problems(".squawk.toml", text) == [
        ".squawk.toml:5: rule ban-drop-column excluded without a comment saying why"
    ]


def test_narrow_is_a_declaration_kind_that_exempts_no_row(tmp_path: Path):
    """`narrow` parses like rewrite (schema.table.column) and leaves the rows compared."""
    path = tmp_path / "002_x.sql"
    path.write_text("-- data-change: narrow public.workout_logs.notes -- capped at 100\n")
    (change,) = upgrade.declared_changes(Migration(2, path))
    assert (change.kind, change.table, change.column) == ("narrow", "public.workout_logs", "notes")
    assert "narrow" not in upgrade.EXEMPT_COLUMN_KINDS
    assert weakenings.declared_narrowings(path.read_text()) == {"public.workout_logs.notes"}


# --------------------------------------------------------------------------- narrowings


@pytest.mark.parametrize(
    ("old", "new", "narrowed"),
    [
        ("text", "character varying(100)", True),
        ("character varying(100)", "character varying(50)", True),
        ("character varying(50)", "character varying(100)", False),
        ("character varying(50)", "text", False),
        ("numeric(10,2)", "numeric(8,2)", True),
        ("numeric(10,2)", "numeric(10,1)", True),
        ("numeric(4,1)", "numeric(6,2)", False),
        ("numeric", "numeric(10,2)", True),
        ("bigint", "integer", True),
        ("integer", "smallint", True),
        ("smallint", "integer", False),
        ("integer", "numeric(12,0)", False),
        ("integer", "numeric(5,2)", True),
        ("timestamp with time zone", "date", True),
        ("date", "timestamp with time zone", False),
        ("double precision", "real", True),
        ("jsonb", "uuid", True),
    ],
)
def test_a_narrowed_column_type_is_recognised(old: str, new: str, narrowed: bool):
    """Smaller text, numeric, integer, float and time types narrow; wider ones do not."""
    assert (weakenings.type_narrowing(old, new) is not None) is narrowed


def edited(path: str, old: str, new: str, files: dict[str, str] = COMMITTED) -> dict[str, str]:
    """``files`` with one text replaced in ``path`` (which must contain it)."""
    assert old in files[path], old
    return files | {path: files[path].replace(old, new)}


SESSION_TYPE = "constraint workout_logs_session_type_check"


def test_narrowings_in_the_contract_diff_name_column_and_line():
    """Type, vocabulary and NOT NULL narrowings each name schema.table.column and file:line."""
    head = edited(LOGS, "column notes\n  type: text", "column notes\n  type: character varying(9)")
    head = edited(LOGS, "'hiit'::text, ", "", head)
    head = edited(LOGS, "column rpe_pre\n  type: smallint\n  not null: no",
                  "column rpe_pre\n  type: smallint\n  not null: yes", head)  # fmt: skip
    found = {str(n): n.where for n in weakenings.narrowings(COMMITTED, head)}
    lines = head[LOGS].split("\n")
    notes = f"contract/{LOGS}:{lines.index('column notes') + 1}"
    assert found == {
        "public.workout_logs.notes: type narrowed `text` → `character varying(9)`: values longer "
        "than 9 characters are refused": notes,
        "public.workout_logs.rpe_pre: NOT NULL added":
            f"contract/{LOGS}:{lines.index('column rpe_pre') + 1}",
        "public.workout_logs.session_type: vocabulary of workout_logs_session_type_check loses "
        "'hiit'": f"contract/{LOGS}:{lines.index(SESSION_TYPE) + 1}",
    }  # fmt: skip


def test_a_new_constraint_on_an_existing_column_is_a_narrowing_a_new_table_is_not():
    """A CHECK added to workout_logs narrows its column; a whole new table narrows nothing."""
    check = "constraint workout_logs_rpe_post_check\n"
    head = edited(LOGS, check, "constraint workout_logs_notes_short\n  kind: check\n  definition: "
                  "CHECK (length(notes) < 200)\n\n" + check)  # fmt: skip
    (found,) = weakenings.narrowings(COMMITTED, head)
    assert found.target == "public.workout_logs.notes"
    assert "check workout_logs_notes_short added" in found.what
    new_table = COMMITTED[LOGS].replace("public.workout_logs", "public.coach_logs")
    with_table = COMMITTED | {"tables/public.coach_logs.txt": new_table}
    assert weakenings.narrowings(COMMITTED, with_table) == []


def test_a_declared_narrowing_is_accepted():
    """undeclared() keeps only the narrowings no `narrow` line names."""
    head = edited(LOGS, "column notes\n  type: text", "column notes\n  type: character varying(9)")
    found = weakenings.narrowings(COMMITTED, head)
    assert weakenings.undeclared(found, set()) == found
    assert weakenings.undeclared(found, {"public.workout_logs.notes"}) == []


# --------------------------------------------------------------------------- contract weakenings


def test_a_dropped_check_a_widened_policy_and_a_dropped_not_null_are_weakenings():
    """Each names its object and the base file:line; a widened vocabulary is one too."""
    start = COMMITTED[LOGS].index("constraint workout_logs_rpe_post_check")
    end = COMMITTED[LOGS].index("constraint workout_logs_rpe_pre_check")
    head = COMMITTED | {LOGS: COMMITTED[LOGS][:start] + COMMITTED[LOGS][end:]}
    head = edited(LOGS, "column date\n  type: date\n  not null: yes",
                  "column date\n  type: date\n  not null: no", head)  # fmt: skip
    head = edited(LOGS, "'run'::text, ", "'run'::text, 'yoga'::text, ", head)
    messages = "tables/public.messages.txt"
    policy = '"athletes can read messages of their own conversations"'
    blocks = [
        model.Block(b.kind, b.name, tuple((k, "true" if k == "using" else v) for k, v in b.attrs))
        if b.name == policy else b
        for b in model.parse(COMMITTED[messages])
    ]  # fmt: skip
    head = head | {messages: model.render(blocks)}
    found = [f"{f.where} {f.what}" for f in weakenings.contract_weakenings(COMMITTED, head)]
    line = COMMITTED[LOGS].split("\n").index("constraint workout_logs_rpe_post_check") + 1
    assert f"contract/{LOGS}:{line} `public.workout_logs`: constraint workout_logs_rpe_post_check"\
        " removed (`CHECK (rpe_post >= 1 AND rpe_post <= 10)`)" in found  # fmt: skip
    assert any(f.endswith("`public.workout_logs.date`: NOT NULL dropped") for f in found)
    assert any("workout_logs_session_type_check changed" in f and "'yoga'" in f for f in found)
    assert any(f"`public.messages`: policy {policy} changed: using:" in f for f in found)
    assert len(found) == 4


def test_a_narrowed_vocabulary_is_not_listed_as_a_weakening():
    """Removing a vocabulary value narrows; it is not a loosening."""
    head = edited(LOGS, "'hiit'::text, ", "")
    assert weakenings.contract_weakenings(COMMITTED, head) == []


# --------------------------------------------------------------------------- access matrix

MATRIX_TEXT = (REPO_ROOT / weakenings.MATRIX).read_text(encoding="utf-8")


def matrix_with(tmp_path: Path, edits: dict[str, str]) -> weakenings.Matrix:
    """The matrix of a copy of tests/ with some files' text replaced (path -> text)."""
    shutil.copytree(REPO_ROOT / "tests", tmp_path / "tests", ignore=shutil.ignore_patterns("data"))
    for path, text in edits.items():
        (tmp_path / path).write_text(text, encoding="utf-8")
    return weakenings.matrix_of(tmp_path)


def test_a_more_permissive_matrix_cell_is_listed(tmp_path: Path):
    """A row of the matrix opened to the owner (the first no-grant delete row of PATTERNS, as
    the file stands today): each table with that row goes no_grant -> allowed, named with its
    declaration."""
    closed = "    Command.DELETE: (G, G, G, G, G, G, A),"
    assert closed in MATRIX_TEXT, "no pattern closes delete to the owner any more: pick a row"
    loosened = MATRIX_TEXT.replace(closed, closed.replace("(G, G, G,", "(A, G, G,"), 1)
    base = weakenings.matrix_of(REPO_ROOT)
    after = matrix_with(tmp_path, {weakenings.MATRIX: loosened})
    opened = sorted(
        table
        for (table, command, actor), outcome in after.cells.items()
        if command == "delete" and actor == "owner" and outcome != base.cells[table, command, actor]
    )
    assert opened, "the edit opened nothing"
    found = [f"{f.where} {f.what}" for f in weakenings.matrix_loosened(base, after)]
    assert found == [
        f"tests/tables/{table}.py matrix `{table}` delete by owner: no_grant → **allowed**"
        for table in opened
    ]
    assert weakenings.matrix_loosened(base, base) == []


def test_a_table_switched_to_a_looser_row_is_listed(tmp_path: Path):
    """A declaration that picks a more permissive row of the matrix (achievements read-only ->
    full CRUD for the athlete) is a loosening too, named by the declaration's file."""
    path = "tests/tables/athlete_achievements.py"
    text = (REPO_ROOT / path).read_text(encoding="utf-8")
    looser = text.replace('pattern="awarded_by_backend"', 'pattern="athlete_crud"')
    assert looser != text
    found = weakenings.matrix_loosened(
        weakenings.matrix_of(REPO_ROOT), matrix_with(tmp_path, {path: looser})
    )
    assert found
    assert all(f.where == path for f in found)
    assert any("insert by owner" in f.what and "**allowed**" in f.what for f in found)


def test_a_stricter_matrix_cell_is_not_a_loosening(tmp_path: Path):
    """anon losing read on a reference table is not listed (it is a narrowing of access)."""
    stricter = MATRIX_TEXT.replace(
        "Command.SELECT: (A, A, A, A, A, A, A)", "Command.SELECT: (A, A, A, A, A, G, A)"
    )
    assert stricter != MATRIX_TEXT
    found = weakenings.matrix_loosened(
        weakenings.matrix_of(REPO_ROOT), matrix_with(tmp_path, {weakenings.MATRIX: stricter})
    )
    assert found == []


# --------------------------------------------------------------------------- the summary


def git(root: Path, *args: str) -> None:
    """Run git quietly in ``root``."""
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A git repository holding the committed contract, 001, the matrix and a declaration."""
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "ci@example.invalid")
    git(tmp_path, "config", "user.name", "ci")
    model.write_dir(tmp_path / "contract", COMMITTED)
    for path in (
        "migrations/001_complete_schema.sql",
        "migrations/released.toml",
        weakenings.MATRIX,
    ):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text((REPO_ROOT / path).read_text(encoding="utf-8"))
    # the declaration these tests edit, frozen as 001 made it (tests/data/tables/)
    declaration = tmp_path / "tests/tables/workout_logs.py"
    declaration.parent.mkdir(parents=True, exist_ok=True)
    declaration.write_text(
        (frozen.FROZEN_DECLARATIONS / "workout_logs.py.txt").read_text(encoding="utf-8")
    )
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    return tmp_path


def test_the_summary_opens_with_what_a_pr_weakens(repository: Path):
    """Issue 18's PR: RPE CHECK dropped with its CHECK case and a squawk-ignore, a declared
    delete: the summary's first section lists the hatches, the removed case, the removed
    constraint, each with file:line, before the added/removed/changed objects."""
    cases = repository / "tests/tables/workout_logs.py"
    lines = cases.read_text().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if '"workout_logs_rpe_post_check"' in line)
    removed = lines.pop(number)
    cases.write_text("".join(lines))
    (repository / "migrations/002_drop_rpe.sql").write_text(
        "-- data-change: delete public.messages -- beta rows\n"
        "begin;\n"
        "-- squawk-ignore ban-drop-constraint -- RPE comes from the watch now\n"
        "alter table public.workout_logs drop constraint workout_logs_rpe_post_check;\n"
        "commit;\n"
    )
    start = COMMITTED[LOGS].index("constraint workout_logs_rpe_post_check")
    end = COMMITTED[LOGS].index("constraint workout_logs_rpe_pre_check")
    (repository / "contract" / LOGS).write_text(COMMITTED[LOGS][:start] + COMMITTED[LOGS][end:])
    git(repository, "add", ".")
    git(repository, "commit", "-qm", "drop the RPE check")
    text = summary.summary_between("HEAD~1", "HEAD", root=repository)
    assert text.index("### Weakenings") < text.index("### Removed")
    weakening = text.split("### Removed")[0]
    assert "`migrations/002_drop_rpe.sql:1` data-change `delete public.messages`: beta rows; " \
        "rows: not counted" in weakening  # fmt: skip
    assert "`migrations/002_drop_rpe.sql:3` squawk-ignore `ban-drop-constraint`: RPE comes from" \
        " the watch now" in weakening  # fmt: skip
    assert f"`tests/tables/workout_logs.py:{number + 1} (base)` removed: " \
        f"`{removed.strip()}`" in weakening  # fmt: skip
    assert "constraint workout_logs_rpe_post_check removed" in weakening
    assert "Nothing is released yet" in weakening


def test_a_pr_that_weakens_nothing_says_so(repository: Path):
    """An unchanged tree: the section says None, in one paragraph."""
    text = summary.summary_between("HEAD", root=repository)
    assert "### Weakenings\n\nNone: no escape hatch added" in text


def test_an_untracked_migration_in_the_work_tree_is_read(repository: Path):
    """Locally, a new migration not yet added to git still shows its hatches."""
    (repository / "migrations/002_x.sql").write_text("-- squawk-ignore-file\n")
    text = summary.summary_between("HEAD", root=repository)
    assert "`migrations/002_x.sql:1` squawk-ignore-file `all`: **no reason given" in text
