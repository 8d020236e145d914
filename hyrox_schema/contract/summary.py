"""What a change of contract/ means, in Markdown: objects added, removed, changed; who may do what.

``hyrox-contract summary --base REV [--head REV]`` reads the committed
contract files at both revisions (``git show REV:contract/...``; the work tree
when ``--head`` is omitted), parses them into objects and writes

* first, what the change weakens (hyrox_schema/contract/weakenings.py: escape hatches, expectations
  removed or loosened, constraints/policies/grants/triggers removed, narrowings);
* the objects added, removed and changed (a changed object with its changed
  attributes, old -> new), a new or dropped table as one line;
* the access matrix of every table whose matrix changed: role x command, what
  the grants and policies let the role do (``all rows``, ``own rows``, a
  condition, ``no rows`` when RLS has no policy for it, ``no grant``), the old
  value struck through next to the new one.

CI appends it to the job summary of every pull request (.github/workflows/ci.yml).
Needs only git and the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hyrox_schema.contract.model import Block, files_at, parse
from hyrox_schema.paths import REPO_ROOT

CONTRACT = "contract"
ROLES = ("anon", "authenticated", "service_role")
COMMANDS = ("select", "insert", "update", "delete")
# Supabase's service_role has BYPASSRLS: its grants are the whole story.
BYPASS_RLS = frozenset({"service_role"})

Files = Mapping[str, str]


# --------------------------------------------------------------------------- objects


def _owner(path: str, blocks: list[Block]) -> str:
    """Who a file's objects belong to: the table, view or function name, or the file."""
    if path.startswith(("tables/", "views/", "functions/")) and blocks:
        return blocks[0].name.split("(")[0]
    return path.removesuffix(".txt")


def objects(files: Files) -> dict[tuple[str, str], Block]:
    """(owner, header line) -> block, for every object of the contract."""
    found = {}
    for path, text in sorted(files.items()):
        blocks = parse(text, source=path)
        owner = _owner(path, blocks)
        for block in blocks:
            found[(owner, block.key)] = block
    return found


def _changes(old: Block, new: Block) -> list[str]:
    before, after = dict(old.attrs), dict(new.attrs)
    lines = []
    for key in [*before, *(k for k in after if k not in before)]:
        if before.get(key) != after.get(key):
            lines.append(
                f"{key}: {_code(before.get(key, '(absent)'))} → {_code(after.get(key, '(absent)'))}"
            )
    return lines


def _code(value: str) -> str:
    if "\n" in value:
        return f"({value.count(chr(10)) + 1} lines)"
    return f"`{value}`"


@dataclass
class Change:
    """Objects added, removed and changed between two contracts."""

    added: list[str]
    removed: list[str]
    changed: list[tuple[str, list[str]]]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def _whole_tables(files: Files, others: Files) -> dict[str, str]:
    """Table files present in ``files`` only: owner -> one-line description."""
    described = {}
    for path in sorted(files.keys() - others.keys()):
        if not path.startswith("tables/"):
            continue
        blocks = parse(files[path], source=path)
        counts = {}
        for block in blocks[1:]:
            counts[block.kind] = counts.get(block.kind, 0) + 1
        detail = ", ".join(
            f"{n} {PLURAL.get(kind, kind + 's') if n > 1 else kind}" for kind, n in counts.items()
        )
        described[_owner(path, blocks)] = f"{blocks[0].key}" + (f" ({detail})" if detail else "")
    return described


def compare(base: Files, head: Files) -> Change:
    """The object-level difference of two contracts."""
    old, new = objects(base), objects(head)
    new_files, gone_files = _whole_tables(head, base), _whole_tables(base, head)
    added = list(new_files.values()) + [
        f"{owner}: {key}"
        for owner, key in sorted(new.keys() - old.keys())
        if owner not in new_files
    ]
    removed = list(gone_files.values()) + [
        f"{owner}: {key}"
        for owner, key in sorted(old.keys() - new.keys())
        if owner not in gone_files
    ]
    changed = [
        (f"{owner}: {key}", _changes(old[(owner, key)], new[(owner, key)]))
        for owner, key in sorted(old.keys() & new.keys())
        if old[(owner, key)] != new[(owner, key)]
    ]
    return Change(added, removed, changed)


# --------------------------------------------------------------------------- access matrix

OWN = re.compile(
    r"^\(?(athlete_id|user_id) = "
    r"\( SELECT (private\.current_athlete_id\(\)|auth\.uid\(\)) AS \w+\)\)?$"
)
PLURAL = {"index": "indexes", "policy": "policies", "grants": "grants"}


def _condition(expression: str) -> str:
    """A policy clause in words: all rows, own rows, or the clause itself."""
    if expression in ("true", "none"):
        return "all rows"
    if OWN.match(expression):
        return "own rows"
    both = re.fullmatch(r"\((\(.*?\)) AND (.*)\)", expression)
    if both and OWN.match(both[1]):
        return f"own rows where {both[2]}"
    return f"rows where {expression}"


def _tables(files: Files) -> dict[str, list[Block]]:
    """Table name -> its blocks (external tables included, their names unqualified)."""
    tables: dict[str, list[Block]] = {}
    for path, text in files.items():
        blocks = parse(text, source=path)
        if path.startswith("tables/"):
            tables[blocks[0].name] = blocks
        elif path == "external.txt":
            for block in blocks:
                if block.kind == "table":
                    tables[block.name] = [block]
                elif " on " in block.name and block.kind in ("policy", "grants"):
                    name, _, table = block.name.rpartition(" on ")
                    tables.setdefault(table, []).append(Block(block.kind, name, block.attrs))
    return tables


def access(blocks: list[Block]) -> dict[tuple[str, str], str]:
    """(role, command) -> what the role may do on the table, in words."""
    table = blocks[0]
    rls = table.get("row level security") == "enabled"
    grants = {b.name: b for b in blocks if b.kind == "grants"}
    policies = [b for b in blocks if b.kind == "policy"]
    matrix = {}
    for role in ROLES:
        block = grants.get(role)
        public = grants.get("public")
        for command in COMMANDS:
            columns = [
                key.removeprefix("column ")
                for g in (block, public)
                if g is not None
                for key, value in g.attrs
                if key.startswith("column ") and command in value.split(", ")
            ]
            whole = any(
                g is not None and command in g["table"].split(", ") for g in (block, public)
            )
            if not whole and not columns:
                matrix[(role, command)] = "no grant"
                continue
            scope = "" if whole else f" ({', '.join(sorted(columns))} only)"
            if not rls or role in BYPASS_RLS:
                matrix[(role, command)] = "all rows" + scope
                continue
            mine = [
                p
                for p in policies
                if p["command"] in (command, "all")
                and ({role, "public"} & set(p["roles"].split(", ")))
            ]
            permissive = [p for p in mine if p["mode"] == "permissive"]
            if not permissive:
                matrix[(role, command)] = "no rows (RLS)"
                continue
            clause = "with check" if command == "insert" else "using"
            words = " or ".join(sorted({_condition(p[clause]) for p in permissive}))
            if command == "update":  # WITH CHECK defaults to USING
                checks = " or ".join(
                    sorted({_condition(p["with check"] if p["with check"] != "none" else p["using"])
                            for p in permissive})
                )  # fmt: skip
                if checks != words:
                    words += f", changed into {checks}"
            restrictive = [p for p in mine if p["mode"] == "restrictive"]
            if restrictive:
                words += " and " + " and ".join(_condition(p[clause]) for p in restrictive)
            matrix[(role, command)] = words + scope
    return matrix


def _matrix_table(old: dict[tuple[str, str], str] | None, new: dict[tuple[str, str], str]) -> str:
    lines = ["| role | " + " | ".join(COMMANDS) + " |", "|---" * (len(COMMANDS) + 1) + "|"]
    for role in ROLES:
        cells = []
        for command in COMMANDS:
            now = new[(role, command)]
            was = old.get((role, command)) if old is not None else None
            cells.append(now if was in (None, now) else f"~~{was}~~ **{now}**")
        lines.append(f"| {role} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def matrix_changes(base: Files, head: Files) -> list[str]:
    """A Markdown access matrix for every table whose matrix changed (new tables included)."""
    old, new = _tables(base), _tables(head)
    sections = []
    for name in sorted(old.keys() | new.keys()):
        before = access(old[name]) if name in old else None
        if name not in new:
            sections.append(f"#### `{name}` (dropped)")
            continue
        after = access(new[name])
        if before != after:
            title = f"#### `{name}`" + (" (new)" if before is None else "")
            sections.append(f"{title}\n\n{_matrix_table(before, after)}")
    return sections


# --------------------------------------------------------------------------- the summary


def render_summary(
    base: Files, head: Files, *, base_name: str, head_name: str, weakenings: str = ""
) -> str:
    """The Markdown summary of a contract change, opened by ``weakenings`` (the section of
    hyrox_schema/contract/weakenings.py) when given."""
    change = compare(base, head)
    title = "## Schema change" + (f"\n\n{weakenings}" if weakenings else "")
    if not change:
        same = f"`contract/` is the same at {base_name} and {head_name}"
        return f"{title}\n\nNo schema change: {same}.\n"
    parts = [
        title,
        f"From the contract diff `{base_name}`..`{head_name}` (`contract/`): "
        f"{len(change.added)} added, {len(change.removed)} removed, "
        f"{len(change.changed)} changed.",
    ]
    if change.added:
        parts.append("### Added\n\n" + "\n".join(f"- {item}" for item in change.added))
    if change.removed:
        parts.append("### Removed\n\n" + "\n".join(f"- {item}" for item in change.removed))
    if change.changed:
        parts.append(
            "### Changed\n\n"
            + "\n".join(
                f"- {item}\n" + "\n".join(f"  - {line}" for line in lines)
                for item, lines in change.changed
            )
        )
    matrices = matrix_changes(base, head)
    if matrices:
        parts.append(
            "### Access matrix (tables whose access changed)\n\n"
            "What each role may do through the API: grants and row level security "
            "(service_role bypasses RLS).\n\n" + "\n\n".join(matrices)
        )
    return "\n\n".join(parts) + "\n"


def summary_between(
    base: str, head: str | None = None, root: Path = REPO_ROOT, *, rows: bool = False
) -> str:
    """The summary of ``base...head`` (``head`` None: the work tree): what it weakens first,
    then contract/'s change. ``rows``: measure the rows each declared data change touches in
    the upgrade data set (needs the test extra and a PostgreSQL: hyrox_schema/contract/rows.py)."""
    from hyrox_schema.contract import weakenings

    found = weakenings.collect(base, head, root)
    if rows:
        from hyrox_schema.contract.rows import rows_touched

        found.rows = rows_touched(found.hatches, root)
    else:
        found.rows_note = "not counted (`hyrox-contract summary --rows` measures them)"
    return render_summary(
        files_at(base, root),
        files_at(head, root),
        base_name=base,
        head_name=head or "the work tree",
        weakenings=weakenings.render(found),
    )
