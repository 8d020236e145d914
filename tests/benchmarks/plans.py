"""Facts read from ``EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON)`` plans (fields, never text).

PostgreSQL 17 changed the text form (``$0`` became ``(InitPlan 1).col1``); the
JSON fields used here (``Parent Relationship``, ``Subplan Name``, ``Actual
Loops``, ``Node Type``, ``Relation Name``, ``Index Name``) are stable.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# What a row-level policy calls to learn who is asking: our helper, auth.uid(),
# and auth.uid()'s body once the planner has inlined it.
POLICY_CALL_MARKERS = ("current_athlete_id()", "auth.uid()", "current_setting('request.jwt")

INDEX_SCANS = frozenset({"Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Bitmap Index Scan"})

Plan = dict[str, Any]


@dataclass(frozen=True)
class PlanNode:
    """A plan node and where it hangs: under an InitPlan, a SubPlan, or neither."""

    node: Plan
    in_init_plan: bool
    in_sub_plan: bool

    @property
    def node_type(self) -> str:
        """The executor node type, e.g. ``Index Scan``."""
        return str(self.node["Node Type"])

    @property
    def loops(self) -> int:
        """How many times the node ran (``Actual Loops``; 0 when never run)."""
        return int(self.node.get("Actual Loops", 0))

    @property
    def relation(self) -> str | None:
        """The scanned table, if the node scans one."""
        name = self.node.get("Relation Name")
        return str(name) if name is not None else None

    def expressions(self) -> Iterator[str]:
        """Every expression text of the node (filters, conditions, outputs, keys)."""
        for key, value in self.node.items():
            if key == "Plans":
                continue
            if isinstance(value, str):
                yield value
            elif isinstance(value, list):
                yield from (item for item in value if isinstance(item, str))


def is_init_plan(node: Plan) -> bool:
    """Whether ``node`` tops an InitPlan (a CTE also hangs as "InitPlan", named "CTE ...")."""
    return node.get("Parent Relationship") == "InitPlan" and not str(
        node.get("Subplan Name", "")
    ).startswith("CTE ")


def walk(plan: Plan) -> Iterator[PlanNode]:
    """Every node of an EXPLAIN JSON document's ``Plan`` tree, depth first."""

    def visit(node: Plan, in_init: bool, in_sub: bool) -> Iterator[PlanNode]:
        in_init = in_init or is_init_plan(node)
        in_sub = in_sub or node.get("Parent Relationship") == "SubPlan"
        yield PlanNode(node, in_init, in_sub)
        for child in node.get("Plans", []):
            yield from visit(child, in_init, in_sub)

    yield from visit(plan["Plan"], False, False)


def init_plans(plan: Plan) -> list[PlanNode]:
    """The top node of every InitPlan (evaluated once, then cached as a parameter)."""
    return [n for n in walk(plan) if is_init_plan(n.node)]


def sub_plans(plan: Plan) -> list[PlanNode]:
    """The top node of every SubPlan (hashed or correlated)."""
    return [n for n in walk(plan) if n.node.get("Parent Relationship") == "SubPlan"]


def policy_calls_outside_init_plans(plan: Plan) -> list[str]:
    """Expressions that call the identity functions anywhere but in an InitPlan.

    Such a call is evaluated per scan or per row instead of once per
    statement: a bare ``auth.uid()`` in a policy, or a column default that
    calls ``private.current_athlete_id()`` on every inserted row.
    """
    found: list[str] = []
    for node in walk(plan):
        if node.in_init_plan:
            continue
        found.extend(
            f"{node.node_type}: {text}"
            for text in node.expressions()
            if any(marker in text for marker in POLICY_CALL_MARKERS)
        )
    return found


def scans(plan: Plan, tables: frozenset[str]) -> list[PlanNode]:
    """Scan nodes of ``tables`` outside InitPlans (the reads the request itself makes)."""
    return [
        n
        for n in walk(plan)
        if n.relation in tables and not n.in_init_plan and n.node_type != "Bitmap Index Scan"
    ]


def seconds(plan: Plan) -> tuple[float, float]:
    """(planning, execution) time of an ANALYZE plan, in seconds."""
    return float(plan["Planning Time"]) / 1000, float(plan["Execution Time"]) / 1000


def facts(plans: list[Plan], tables: frozenset[str]) -> dict[str, Any]:
    """Shape facts of a request's plans, for ``benchmark.extra_info`` and the report."""
    all_scans = [scan for plan in plans for scan in scans(plan, tables)]
    subs = [sub for plan in plans for sub in sub_plans(plan)]
    return {
        "init_plans": sum(len(init_plans(plan)) for plan in plans),
        "sub_plans": len(subs),
        "max_sub_plan_loops": max((sub.loops for sub in subs), default=0),
        "seq_scans": sorted(
            {scan.relation or "" for scan in all_scans if scan.node_type == "Seq Scan"}
        ),
        "indexes": sorted(
            {
                str(node.node["Index Name"])
                for plan in plans
                for node in walk(plan)
                if "Index Name" in node.node and not node.in_init_plan
            }
        ),
        "per_row_policy_calls": sum(len(policy_calls_outside_init_plans(plan)) for plan in plans),
    }
