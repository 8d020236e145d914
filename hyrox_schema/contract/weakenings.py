"""What a PR weakens, loudly: the section that opens the PR summary (README "Every weakening is
loud").

From ``git diff base...head`` and the contracts at both revisions:

* **escape hatches** added to migrations: ``-- squawk-ignore``, ``-- noqa``, ``-- data-change:``
  (file:line, rule or target, reason; with ``--rows`` the rows each declaration touches in the
  upgrade data set, measured in a scratch database), and rules excluded in ``.squawk*.toml``;
* **expectations removed or loosened**: lines removed from the expectation registries (the
  access matrix, the brief, the CHECK cases, FOREIGN_KEYS, defaults and uniques, index
  requests, RLS rows and links, trigger lists, factories), and access-matrix cells that became
  more permissive (both versions of ``tests/support/access_matrix.py`` imported and compared);
* **constraints, policies, grants, triggers** (and NOT NULL, RLS flags, unique indexes,
  function security) removed from or changed on objects of the base contract;
* **narrowings** of accepted input, statically from the contract diff: a smaller column type,
  a vocabulary value removed from a CHECK, a NOT NULL or a constraint added on an existing
  column. ``pytest`` fails on those unless the migration declares them
  (``-- data-change: narrow schema.table.column -- why``; tests/test_weakenings.py).

Standard library and git only (the lint job runs it before installing anything).
"""

from __future__ import annotations

import importlib
import io
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from hyrox_schema.contract.model import Block, files_at, parse
from hyrox_schema.hatches import Hatch, hatches
from hyrox_schema.paths import REPO_ROOT

CONTRACT = "contract"
MIGRATIONS = "migrations"
MATRIX = "tests/support/access_matrix.py"
DECLARATIONS = "tests/tables"
RULE_SETS = (".squawk.toml", ".squawk-001.toml")
# The expectation registries: what the suite expects, one entry per object (README).
REGISTRIES = (
    MATRIX,
    "tests/support/brief.py",
    "tests/support/index_requests.py",
    "tests/behaviour/test_constraints.py",
    "tests/behaviour/test_foreign_keys.py",
    "tests/behaviour/test_not_null_defaults_uniques.py",
    "tests/behaviour/test_triggers.py",
    "tests/rls/rows.py",
    "tests/rls/links.py",
    "tests/tables/",
    "tests/support/sport.py",
    "factories/",
)
WATCHED_KINDS = ("constraint", "policy", "trigger", "grants", "index")
SHOWN_PER_FILE = 25

Files = dict[str, str]


# --------------------------------------------------------------------------- git


def git(root: Path, *args: str, check: bool = True) -> str:
    """git's stdout in ``root``."""
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=check
    ).stdout


def diff_base(base: str, head: str | None, root: Path) -> str:
    """Where the PR starts: the merge base of ``base`` and ``head`` (``base...head``), or
    ``base`` itself when git finds none (a shallow CI checkout of a PR's merge commit, whose
    first parent is the base)."""
    found = subprocess.run(
        ["git", "merge-base", base, head or "HEAD"], cwd=root, capture_output=True, text=True
    )
    return found.stdout.strip() if found.returncode == 0 and found.stdout.strip() else base


def read_at(revision: str | None, path: str, root: Path) -> str | None:
    """A file at ``revision`` (the work tree for None); None when it does not exist there."""
    if revision is None:
        file = root / path
        return file.read_text(encoding="utf-8") if file.is_file() else None
    shown = subprocess.run(
        ["git", "show", f"{revision}:{path}"], cwd=root, capture_output=True, text=True
    )
    return shown.stdout if shown.returncode == 0 else None


@dataclass
class FileDiff:
    """Lines removed (base line number, text) and added (head line numbers) in one file."""

    removed: list[tuple[int, str]] = field(default_factory=list)
    added: set[int] = field(default_factory=set)
    deleted: bool = False


HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def line_diff(base: str, head: str | None, root: Path, paths: list[str]) -> dict[str, FileDiff]:
    """Per file under ``paths``: what ``base``..``head`` removes and adds (the work tree and its
    untracked files for ``head`` None)."""
    args = ["diff", "--no-color", "--no-renames", "--unified=0", base]
    text = git(root, *args, *([head] if head else []), "--", *paths)
    files: dict[str, FileDiff] = {}
    current: FileDiff | None = None
    old_line = new_line = 0
    old_path = ""
    for line in text.splitlines():
        if line.startswith("--- "):
            old_path = line[6:] if line.startswith("--- a/") else ""
        elif line.startswith("+++ "):
            deleted = line == "+++ /dev/null"
            path = old_path if deleted else line[6:]
            current = files.setdefault(path, FileDiff(deleted=deleted))
        elif (hunk := HUNK.match(line)) is not None:
            old_line, new_line = int(hunk[1]), int(hunk[2])
        elif current is None or line.startswith(("diff ", "index ", "new ", "deleted ")):
            continue
        elif line.startswith("-"):
            current.removed.append((old_line, line[1:]))
            old_line += 1
        elif line.startswith("+"):
            current.added.add(new_line)
            new_line += 1
    if head is None:
        for path in git(root, "ls-files", "--others", "--exclude-standard", "--", *paths).split():
            count = len((root / path).read_text(encoding="utf-8").splitlines())
            files[path] = FileDiff(added=set(range(1, count + 1)))
    return files


def contract_at(revision: str | None, root: Path) -> Files:
    """contract/ at ``revision`` (path relative to contract/ -> text)."""
    return files_at(revision, root)


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    """One weakening: where (file:line) and what, in words (Markdown)."""

    where: str
    what: str


@dataclass(frozen=True)
class Narrowing:
    """Accepted input narrowed on an existing column: a migration must declare it."""

    where: str
    table: str
    column: str
    what: str

    @property
    def target(self) -> str:
        """``schema.table.column``: what ``-- data-change: narrow`` names."""
        return f"{self.table}.{self.column}"

    def __str__(self) -> str:
        return f"{self.target}: {self.what}"


@dataclass
class Weakenings:
    """Everything a change weakens, by section."""

    hatches: list[Hatch] = field(default_factory=list)
    rows: dict[str, str] = field(default_factory=dict)
    """Hatch location -> the rows its declaration touches in the upgrade data (``--rows``)."""
    rows_note: str = ""
    expectations: list[Finding] = field(default_factory=list)
    contract: list[Finding] = field(default_factory=list)
    released_note: str = ""
    narrowings: list[Narrowing] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.hatches or self.expectations or self.contract or self.narrowings)


# --------------------------------------------------------------------------- contract objects


@dataclass(frozen=True)
class Located:
    """A contract block with its file, header line number and owner (table or function)."""

    path: str
    line: int
    owner: str
    block: Block

    @property
    def where(self) -> str:
        """``contract/<file>:<line>``."""
        return f"{CONTRACT}/{self.path}:{self.line}"


def located(files: Files) -> dict[tuple[str, str], Located]:
    """(owner, header) -> the block where it is, for every object of a contract."""
    found = {}
    for path, text in sorted(files.items()):
        blocks = parse(text, source=path)
        lines = text.split("\n")
        owner = (
            blocks[0].name.split("(")[0]
            if path.startswith(("tables/", "functions/")) and blocks
            else path.removesuffix(".txt")
        )
        start = 0
        for block in blocks:
            start = lines.index(block.key, start) + 1 if block.key in lines[start:] else start
            found[(owner, block.key)] = Located(path, start, owner, block)
    return found


def _diff(old: Block, new: Block) -> str:
    before, after = dict(old.attrs), dict(new.attrs)
    return "; ".join(
        f"{key}: `{before.get(key, '(absent)')}` → `{after.get(key, '(absent)')}`"
        for key in [*before, *(k for k in after if k not in before)]
        if before.get(key) != after.get(key)
    )


def released_objects(base: str, root: Path) -> tuple[set[str] | None, str]:
    """Owners (``public.x``) a released migration at ``base`` names, and the note saying how
    "released" was decided; None: nothing released, every base object counts."""
    text = read_at(base, f"{MIGRATIONS}/released.toml", root) or ""
    try:
        entries = tomllib.loads(text).get("released", [])
    except tomllib.TOMLDecodeError:
        entries = []
    if not entries:
        return None, (
            "Nothing is released yet (`migrations/released.toml` at the base lists no "
            "migration): every object of the base contract counts as released."
        )
    sql = " ".join(read_at(base, f"{MIGRATIONS}/{e.get('file', '')}", root) or "" for e in entries)
    names = {m.lower() for m in re.findall(r"[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*", sql, re.I)}
    files = ", ".join(e.get("file", "?") for e in entries)
    return names, f"Released (`migrations/released.toml` at the base): {files}."


def contract_weakenings(
    base: Files, head: Files, released: set[str] | None = None
) -> list[Finding]:
    """Constraints, policies, grants, triggers, unique indexes removed or changed; NOT NULL
    dropped; RLS switched off; function security, config or execute changed."""
    old, new = located(base), located(head)
    gone_owners = {o for o, _ in old} - {o for o, _ in new}
    found = []

    def mark(owner: str) -> str:
        if released is None or owner in released:
            return ""
        return " (in the base, not released)"

    for owner in sorted(gone_owners):
        kinds = sorted({x.block.kind for (o, _), x in old.items() if o == owner})
        first = next(x for (o, _), x in old.items() if o == owner)
        found.append(
            Finding(first.where, f"`{owner}` removed with its {', '.join(kinds)}{mark(owner)}")
        )
    for (owner, key), was in sorted(old.items()):
        if owner in gone_owners:
            continue
        block, now = was.block, new.get((owner, key))
        unique = block.kind != "index" or "UNIQUE" in block.get("definition", "")
        if block.kind in WATCHED_KINDS and unique:
            if now is None:
                shown = block.get("definition") or block.get("using") or _attrs(block)
                found.append(
                    Finding(was.where, f"`{owner}`: {key} removed (`{shown}`){mark(owner)}")
                )
            elif now.block != block:
                vocabulary = vocabulary_change(block.get("definition"), now.block.get("definition"))
                if vocabulary is not None and not vocabulary[1]:
                    continue  # only values removed: a narrowing (see narrowings), not a weakening
                found.append(
                    Finding(
                        now.where,
                        f"`{owner}`: {key} changed: {_diff(block, now.block)}{mark(owner)}",
                    )
                )
        elif now is None:
            continue
        elif block.kind == "column" and block.get("not null") == "yes":
            if now.block.get("not null") == "no":
                found.append(
                    Finding(now.where, f"`{owner}.{block.name}`: NOT NULL dropped{mark(owner)}")
                )
        elif block.kind == "table":
            for flag in ("row level security", "force row level security"):
                if block.get(flag) in ("enabled", "yes") and now.block.get(flag) != block.get(flag):
                    found.append(
                        Finding(
                            now.where,
                            f"`{owner}`: {flag} {block[flag]} → {now.block[flag]}{mark(owner)}",
                        )
                    )
        elif block.kind == "function":
            changed = [
                f"{k}: `{block.get(k)}` → `{now.block.get(k)}`"
                for k in ("security", "config", "execute")
                if block.get(k) != now.block.get(k)
            ]
            if changed:
                found.append(
                    Finding(now.where, f"`{owner}`: {key}: " + "; ".join(changed) + mark(owner))
                )
    return found


def _attrs(block: Block) -> str:
    return ", ".join(f"{k}: {v}" for k, v in block.attrs)


# --------------------------------------------------------------------------- narrowings

TEXTUAL = re.compile(r"^(text|character varying|character|varchar|char|bpchar)(?:\((\d+)\))?$")
NUMERIC = re.compile(r"^numeric(?:\((\d+)(?:,\s*(\d+))?\))?$")
INTEGER_DIGITS = {"smallint": 5, "integer": 10, "bigint": 19}
FLOAT_RANK = {"real": 1, "double precision": 2}
TIME_RANK = {"date": 1, "timestamp without time zone": 2, "timestamp with time zone": 2}


def type_narrowing(old: str, new: str) -> str | None:
    """Why ``old`` -> ``new`` narrows what a column accepts, or None for the same or a wider
    type. A change this cannot show to be a widening counts as narrowing (said so)."""
    if old == new or new == "text":
        return None
    arrow = f"`{old}` → `{new}`"
    old_text, new_text = TEXTUAL.match(old), TEXTUAL.match(new)
    if old_text and new_text:
        before = int(old_text[2]) if old_text[2] else None
        after = int(new_text[2]) if new_text[2] else None
        if after is not None and (before is None or after < before):
            return f"type narrowed {arrow}: values longer than {after} characters are refused"
        return None
    old_num, new_num = _numeric(old), _numeric(new)
    if old_num is not None and new_num is not None:
        (int_before, scale_before), (int_after, scale_after) = old_num, new_num
        if int_after < int_before:
            return f"type narrowed {arrow}: fewer integer digits"
        if scale_after < scale_before:
            return f"type narrowed {arrow}: fewer decimal places (values rounded)"
        return None
    if old in FLOAT_RANK and new in FLOAT_RANK:
        return None if FLOAT_RANK[new] >= FLOAT_RANK[old] else f"type narrowed {arrow}: precision"
    if old in TIME_RANK and new in TIME_RANK:
        if TIME_RANK[new] < TIME_RANK[old]:
            return f"type narrowed {arrow}: the time of day is lost"
        if TIME_RANK[new] == TIME_RANK[old]:
            return f"type changed {arrow}: values shift with the session time zone"
        return None
    if old in ("smallint", "integer") and new in FLOAT_RANK:
        return None
    return f"type changed {arrow}, not known to be a widening"


def _numeric(name: str) -> tuple[float, float] | None:
    """(integer digits, decimal places) a numeric or integer type holds; None for others."""
    if name in INTEGER_DIGITS:
        return float(INTEGER_DIGITS[name]), 0.0
    found = NUMERIC.match(name)
    if found is None:
        return None
    if found[1] is None:
        return float("inf"), float("inf")
    precision, scale = int(found[1]), int(found[2] or 0)
    return float(precision - scale), float(scale)


VOCABULARY = re.compile(
    r"\(*(?P<column>[a-z_][a-z0-9_]*)\)?(?:::[a-z ]+)?\s*=\s*ANY\s*\(+ARRAY\[(?P<values>[^\]]*)\]"
)


def vocabularies(definition: str) -> dict[str, frozenset[str]]:
    """Column -> the values ``col = ANY (ARRAY[...])`` allows, for each such term of a CHECK."""
    return {
        found["column"]: frozenset(re.findall(r"'((?:[^']|'')*)'", found["values"]))
        for found in VOCABULARY.finditer(definition)
    }


def vocabulary_change(
    before: str | None, after: str | None
) -> tuple[dict[str, list[str]], dict[str, list[str]]] | None:
    """(values removed, values added) per column when two CHECKs differ only in their
    vocabularies; None when they differ otherwise (or have none)."""
    if not before or not after:
        return None
    old, new = vocabularies(before), vocabularies(after)
    if not old or set(old) != set(new) or _strip_vocabulary(before) != _strip_vocabulary(after):
        return None
    removed = {c: sorted(old[c] - new[c]) for c in old if old[c] - new[c]}
    added = {c: sorted(new[c] - old[c]) for c in old if new[c] - old[c]}
    return removed, added


def _constraint_columns(definition: str, columns: set[str]) -> list[str]:
    """The existing columns a constraint definition names."""
    if definition.startswith(("UNIQUE", "PRIMARY KEY", "FOREIGN KEY", "EXCLUDE")):
        inside = re.search(r"\(([^)]*)\)", definition)
        names = re.findall(r"[a-z_][a-z0-9_]*", inside[1]) if inside else []
    else:
        names = re.findall(r"[a-z_][a-z0-9_]*", definition)
    return sorted(set(names) & columns)


def narrowings(base: Files, head: Files) -> list[Narrowing]:
    """What the head contract accepts less of than the base, on columns that existed before:
    smaller types, vocabulary values removed, NOT NULL added, constraints added or changed."""
    old, new = located(base), located(head)
    found = []
    for (owner, key), now in sorted(new.items()):
        was = old.get((owner, key))
        block = now.block
        if block.kind == "column" and was is not None:
            why = type_narrowing(was.block.get("type", ""), block.get("type", ""))
            if why:
                found.append(Narrowing(now.where, owner, block.name, why))
            if was.block.get("not null") == "no" and block.get("not null") == "yes":
                found.append(Narrowing(now.where, owner, block.name, "NOT NULL added"))
        if block.kind != "constraint" or block.get("kind") == "primary key":
            continue
        columns = {b.name for (o, _), b in _blocks(old, owner, "column")}
        if not columns:
            continue  # a new table: nothing existed to narrow
        definition = block.get("definition", "")
        if was is None:
            for column in _constraint_columns(definition, columns):
                found.append(
                    Narrowing(
                        now.where, owner, column, f"{block.get('kind')} {block.name} added: "
                        f"`{definition}`"
                    )
                )  # fmt: skip
            continue
        before = was.block.get("definition", "")
        if before == definition:
            continue
        vocabulary = vocabulary_change(before, definition)
        if vocabulary is not None:
            for column, gone in vocabulary[0].items():
                found.append(
                    Narrowing(
                        now.where, owner, column, f"vocabulary of {block.name} loses "
                        + ", ".join(f"'{v}'" for v in gone)
                    )
                )  # fmt: skip
            continue
        for column in _constraint_columns(definition, columns):
            found.append(
                Narrowing(
                    now.where, owner, column, f"{block.name} changed: `{before}` → `{definition}`"
                )
            )
    return found


def _blocks(
    located_blocks: dict[tuple[str, str], Located], owner: str, kind: str
) -> list[tuple[tuple[str, str], Block]]:
    return [
        ((o, k), x.block)
        for (o, k), x in located_blocks.items()
        if o == owner and x.block.kind == kind
    ]


def _strip_vocabulary(definition: str) -> str:
    return re.sub(r"ARRAY\[[^\]]*\]", "ARRAY[]", definition)


def undeclared(found: list[Narrowing], declared: set[str]) -> list[Narrowing]:
    """The narrowings no ``-- data-change: narrow <schema.table.column>`` declares."""
    return [n for n in found if n.target not in declared]


# --------------------------------------------------------------------------- expectations


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#") and stripped not in ("),", ")", "}", "]")


def removed_expectations(diffs: dict[str, FileDiff]) -> list[Finding]:
    """Lines removed from the expectation registries (file:line in the base, with the text)."""
    found = []
    for path, diff in sorted(diffs.items()):
        if not path.startswith(REGISTRIES):
            continue
        lines = [(n, t) for n, t in diff.removed if _is_content(t)]
        if diff.deleted:
            found.append(Finding(f"{path} (base)", f"file deleted ({len(lines)} lines)"))
            continue
        for number, text in lines[:SHOWN_PER_FILE]:
            found.append(Finding(f"{path}:{number} (base)", f"removed: `{text.strip()}`"))
        if len(lines) > SHOWN_PER_FILE:
            found.append(Finding(path, f"and {len(lines) - SHOWN_PER_FILE} more removed lines"))
    return found


RANK = {"no_grant": 0, "rls_denied": 1, "filtered": 1, "allowed": 2}


@dataclass(frozen=True)
class Matrix:
    """The access matrix of one revision, as plain data: every cell's outcome, the policies each
    table declares, the columns clients may update."""

    cells: dict[tuple[str, str, str], str]
    policies: frozenset[tuple[str, str]]
    client_columns: dict[str, frozenset[str]]


@contextmanager
def tests_tree_at(revision: str | None, root: Path) -> Iterator[Path]:
    """A folder holding ``tests/`` as it is at ``revision`` (the work tree for None): the
    access matrix is assembled from the per-table declarations (tests/tables/), so a revision is
    compared as a whole tree, never one file."""
    if revision is None:
        yield root
        return
    folder = Path(tempfile.mkdtemp(prefix="hyrox-matrix-"))
    try:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", revision, "tests"],
            cwd=root,
            capture_output=True,
            check=True,
        )
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(folder, filter="data")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def matrix_of(tree: Path) -> Matrix:
    """Import ``tests.support.access_matrix`` from ``tree`` in isolation and read its cells.

    The ``tests`` package of the running process (if any) is set aside and restored, so two
    revisions never mix. Raises ImportError when the tree's declarations need what this
    environment lacks (the factories: ``pip install -e '.[test]'``)."""
    saved = {k: v for k, v in sys.modules.items() if k == "tests" or k.startswith("tests.")}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(tree))
    try:
        module = importlib.import_module("tests.support.access_matrix")
        tables = list(module.TABLES)
        return Matrix(
            cells={
                (t.name, str(c), a.name): str(t.outcome(c, a))
                for t in tables
                for c in module.Command
                for a in module.ACTORS
            },
            policies=frozenset((t.name, p.name) for t in tables for p in t.policies),
            client_columns={
                t: frozenset(c) for t, c in getattr(module, "CLIENT_UPDATE_COLUMNS", {}).items()
            },
        )
    finally:
        sys.path.remove(str(tree))
        for name in [k for k in sys.modules if k == "tests" or k.startswith("tests.")]:
            del sys.modules[name]
        sys.modules.update(saved)


def _declaration_of(table: str) -> str:
    return f"{DECLARATIONS}/{table}.py"


def matrix_loosened(old: Matrix | None, new: Matrix | None) -> list[Finding]:
    """Access-matrix cells more permissive at head than at base (a denial became allowed, no
    grant became a filter), tables or policies dropped from it, client-writable columns added.
    Each names the table's declaration (tests/tables/<table>.py), where its row is chosen."""
    if old is None or new is None:
        return []
    found = []
    for (table, command, actor), outcome in sorted(old.cells.items()):
        now = new.cells.get((table, command, actor))
        if now is None:
            continue
        if RANK.get(now, 0) > RANK.get(outcome, 0):
            found.append(
                Finding(_declaration_of(table), f"matrix `{table}` {command} by {actor}: "
                        f"{outcome} → **{now}**")
            )  # fmt: skip
    old_tables = {t for t, _, _ in old.cells}
    for table in sorted(old_tables - {t for t, _, _ in new.cells}):
        found.append(Finding(MATRIX, f"matrix: table `{table}` removed from the matrix"))
    for table, policy in sorted(old.policies - new.policies):
        found.append(
            Finding(_declaration_of(table), f'matrix `{table}`: policy "{policy}" removed')
        )
    for table, columns in new.client_columns.items():
        wider = sorted(columns - old.client_columns.get(table, frozenset()))
        if wider and table in old.client_columns:
            found.append(
                Finding(MATRIX, f"matrix `{table}`: clients may now update " + ", ".join(wider))
            )
    return found


def matrices(start: str, head: str | None, root: Path) -> tuple[Matrix | None, Matrix | None]:
    """The matrix at the PR's start and at its head (None where a revision has none)."""
    found: list[Matrix | None] = []
    for revision in (start, head):
        if read_at(revision, MATRIX, root) is None:
            found.append(None)
            continue
        with tests_tree_at(revision, root) as tree:
            found.append(matrix_of(tree))
    return found[0], found[1]


# --------------------------------------------------------------------------- rule sets


def rule_set_hatches(path: str, text: str, added: set[int]) -> list[Hatch]:
    """Rules newly excluded in a squawk rule set, each with the comment above it as reason."""
    found = []
    comment: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            comment.append(stripped.lstrip("# "))
            continue
        rule = re.match(r'^"([a-z0-9-]+)",?', stripped)
        if rule and number in added:
            found.append(Hatch(f"{path}:{number}", "squawk rule set", rule[1], " ".join(comment)))
        if not rule:
            comment = []
    return found


# --------------------------------------------------------------------------- collect, render


def collect(base: str, head: str | None = None, root: Path = REPO_ROOT) -> Weakenings:
    """Everything ``base...head`` weakens (``head`` None: the work tree)."""
    start = diff_base(base, head, root)
    diffs = line_diff(start, head, root, [MIGRATIONS, *RULE_SETS, *REGISTRIES])
    found = Weakenings()
    for path, diff in sorted(diffs.items()):
        text = read_at(head, path, root)
        if text is None or not diff.added:
            continue
        if path.startswith(f"{MIGRATIONS}/") and path.endswith(".sql"):
            found.hatches += hatches(path, text, diff.added)
        elif path in RULE_SETS:
            found.hatches += rule_set_hatches(path, text, diff.added)
    found.expectations = removed_expectations(diffs) + matrix_loosened(*matrices(start, head, root))
    base_contract, head_contract = contract_at(start, root), contract_at(head, root)
    released, found.released_note = released_objects(start, root)
    found.contract = contract_weakenings(base_contract, head_contract, released)
    found.narrowings = narrowings(base_contract, head_contract)
    return found


def render(found: Weakenings) -> str:
    """The Markdown section that opens the PR summary."""
    title = "### Weakenings"
    if not found:
        return (
            f"{title}\n\nNone: no escape hatch added, no expectation removed or loosened, no "
            "constraint, policy, grant or trigger removed, no input narrowed."
        )
    parts = [
        title,
        'What this change weakens, each with its file and line (README "Every weakening is '
        'loud"). The schema owners review every item (`.github/CODEOWNERS`).',
    ]
    if found.hatches:
        lines = []
        for hatch in found.hatches:
            reason = hatch.reason or "**no reason given (fails pytest)**"
            line = f"- `{hatch.where}` {hatch.tool} `{hatch.what}`: {reason}"
            if hatch.tool == "data-change":
                line += f"; rows: {found.rows.get(hatch.where, found.rows_note or 'not counted')}"
            lines.append(line)
        parts.append(f"#### Escape hatches ({len(lines)})\n\n" + "\n".join(lines))
    if found.expectations:
        parts.append(
            f"#### Expectations removed or loosened ({len(found.expectations)})\n\n"
            + "\n".join(f"- `{f.where}` {f.what}" for f in found.expectations)
        )
    if found.contract:
        parts.append(
            f"#### Constraints, policies, grants, triggers removed or changed "
            f"({len(found.contract)})\n\n{found.released_note}\n\n"
            + "\n".join(f"- `{f.where}` {f.what}" for f in found.contract)
        )
    if found.narrowings:
        parts.append(
            f"#### Narrowings of accepted input ({len(found.narrowings)})\n\n"
            "Each needs `-- data-change: narrow <schema.table.column> -- <why>` in its migration "
            "(tests/test_weakenings.py).\n\n"
            + "\n".join(f"- `{n.where}` `{n.target}`: {n.what}" for n in found.narrowings)
        )
    return "\n\n".join(parts)


def of_migration(
    name: str, text: str, base: Files, head: Files, rows: dict[str, str] | None = None
) -> Weakenings:
    """What one migration (``name``, its whole ``text``) weakens, from the contracts of the
    database before and after it (the sample harness and the narrowing gate)."""
    return Weakenings(
        hatches=hatches(name, text),
        rows=rows or {},
        contract=contract_weakenings(base, head),
        released_note="Every object of the database before the migration counts as released.",
        narrowings=narrowings(base, head),
    )


def declared_narrowings(text: str) -> set[str]:
    """The ``schema.table.column`` targets of a migration's ``-- data-change: narrow`` lines."""
    return {h.target for h in hatches("", text) if h.kind == "narrow" and h.reason}
