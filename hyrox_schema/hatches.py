"""Escape hatches in a migration: linter exceptions and ``-- data-change:`` declarations.

A hatch lets a migration past a check: ``-- squawk-ignore <rule>[, <rule>]`` (or
``-- squawk-ignore-file``) silences squawk, ``-- noqa[: <rule>]`` silences sqlfluff, and
``-- data-change: <kind> <target> -- <why>`` tells the upgrade test that rows change on purpose
(:mod:`hyrox_schema.upgrade`). Every hatch carries its reason after `` -- `` on the same line::

    -- squawk-ignore changing-column-type -- the column never held more than 100 characters
    -- data-change: narrow public.workout_logs.notes -- notes are capped at 100 characters

A hatch without a reason fails ``pytest`` (tests/test_weakenings.py) naming file and line; the
PR summary lists every hatch a PR adds (hyrox_schema/contract/weakenings.py). Standard library only:
the summary runs without the test dependencies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The declaration grammar (hyrox_schema/upgrade.py reads the same lines).
COLUMN_KINDS = frozenset({"rewrite", "drop-column", "narrow"})
"""Kinds that take ``schema.table.column``; ``narrow`` declares a narrowing of accepted input
(a smaller type, a vocabulary value removed, a NOT NULL or constraint added on an existing
column): rows are still compared, the static narrowing gate accepts the column."""
KINDS = COLUMN_KINDS | {"delete", "insert", "drop-table"}
DECLARATION = re.compile(r"^\s*--\s*data-change:(?P<rest>.*)$", re.IGNORECASE)
DECLARATION_BODY = re.compile(
    r"^\s*(?P<kind>[a-z-]+)\s+(?P<target>[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?)"
    r"\s+--\s*(?P<reason>\S.*)$"
)
# Linter exceptions: squawk's line and file ignores, sqlfluff's noqa (anywhere on a line).
LINTER_HATCH = re.compile(
    r"--\s*(?P<tool>squawk-ignore-file|squawk-ignore|noqa)\b:?(?P<rest>.*)$", re.IGNORECASE
)


@dataclass(frozen=True)
class Hatch:
    """One escape hatch: where, which tool, what it silences or declares, and why."""

    where: str
    tool: str
    """``squawk-ignore``, ``squawk-ignore-file``, ``noqa`` or ``data-change``."""
    what: str
    """The rules silenced (``all`` when none named), or ``<kind> <target>`` of a declaration."""
    reason: str
    """Empty when the hatch gives none."""

    @property
    def kind(self) -> str:
        """The declaration's kind (``delete``, ``narrow``...); empty for a linter hatch."""
        return self.what.split(" ", 1)[0] if self.tool == "data-change" else ""

    @property
    def target(self) -> str:
        """The declaration's ``schema.table[.column]``; empty for a linter hatch."""
        return self.what.split(" ", 1)[1] if self.tool == "data-change" else ""


def hatch_in_line(where: str, line: str) -> Hatch | None:
    """The hatch on one line of SQL, if any (a malformed declaration is a hatch without reason)."""
    declared = DECLARATION.match(line)
    if declared is not None:
        body = DECLARATION_BODY.match(declared["rest"])
        if body is None:
            what, _, _why = declared["rest"].strip().partition("--")
            return Hatch(where, "data-change", " ".join(what.split()) or "(nothing)", "")
        return Hatch(
            where, "data-change", f"{body['kind']} {body['target']}", body["reason"].strip()
        )
    found = LINTER_HATCH.search(line)
    if found is None:
        return None
    rules, _, reason = found["rest"].partition("--")
    names = ", ".join(r.strip() for r in rules.split(",") if r.strip()) or "all"
    return Hatch(where, found["tool"].lower(), names, reason.strip())


def hatches(name: str, text: str, lines: set[int] | None = None) -> list[Hatch]:
    """The hatches of a migration ``text`` shown as ``name`` (only ``lines``, 1-based, if given)."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if lines is not None and number not in lines:
            continue
        hatch = hatch_in_line(f"{name}:{number}", line)
        if hatch is not None:
            found.append(hatch)
    return found


def problems(name: str, text: str) -> list[str]:
    """Every hatch of ``text`` without a reason, or a declaration that does not parse."""
    found = []
    for hatch in hatches(name, text):
        if hatch.tool == "data-change" and hatch.kind not in KINDS:
            found.append(
                f"{hatch.where}: cannot read the declaration `{hatch.what}`; write `-- "
                "data-change: <kind> <schema.table[.column]> -- <why>` with kind one of "
                f"{', '.join(sorted(KINDS))}"
            )
        elif not hatch.reason:
            found.append(
                f"{hatch.where}: {hatch.tool} {hatch.what} without a reason; add ` -- <why>` "
                "on the same line (README, 'Every weakening is loud')"
            )
    return found


def rule_set_problems(name: str, text: str) -> list[str]:
    """Rules excluded in a linter config (``excluded_rules = [...]`` of .squawk*.toml) without a
    comment: every group of excluded rules is preceded by the comment that says why."""
    found = []
    inside = False
    commented = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if re.match(r"(excluded_rules|exclude_rules)\s*=\s*\[", stripped):
            inside, commented = True, False
            continue
        if not inside:
            continue
        if stripped.startswith("]"):
            inside = False
        elif stripped.startswith("#"):
            commented = True
        elif not stripped:
            commented = False
        elif (
            re.match(r'^"[a-z0-9-]+",?\s*(#.*)?$', stripped)
            and not commented
            and "#" not in stripped
        ):
            found.append(
                f"{name}:{number}: rule {stripped.split(chr(34))[1]} excluded without a "
                "comment saying why"
            )
    return found
