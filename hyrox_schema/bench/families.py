"""The RLS benchmark's request families and variants: names, titles and kinds.

What the benchmark report (:mod:`hyrox_schema.bench.report`) needs to label its tables and
charts. The statements each family runs live with the benchmark, in tests/benchmarks/queries.py,
which builds its families from these (one builder per family, in this order).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Variant = Literal[
    "ours", "owner", "draft", "uid", "uid_owner", "inline", "inline_owner", "ours_explicit"
]
VARIANT_LABELS: dict[Variant, str] = {
    "ours": "a: our policies, as authenticated",
    "owner": "b: owner filter by hand, RLS bypassed",
    "draft": "c: the draft's nested policies, as authenticated",
    "uid": "a2: alternative, profile id = auth user id",
    "uid_owner": "b2: owner filter by hand on the a2 copy",
    "inline": "a3: policies with the identity subquery inlined",
    "inline_owner": "b3: owner filter by hand on the a3 copy",
    "ours_explicit": "a': our policies, the client passes athlete_id",
}


@dataclass(frozen=True)
class FamilyInfo:
    """A request the app sends, as the report names it."""

    name: str
    title: str
    request: str
    kind: Literal["read", "write"]
    # the tables whose draft policy nests through a parent (the deep ownership chains)
    deep_chain: bool


FAMILIES: dict[str, FamilyInfo] = {
    family.name: family
    for family in [
        FamilyInfo(
            "plan_whole",
            "my plan days (whole plan)",
            "GET /training_plans?id=eq.<plan>"
            "&select=*,training_plan_weeks(*,training_plan_days(*))",
            "read",
            True,
        ),
        FamilyInfo(
            "plan_week",
            "one week of a plan",
            "GET /training_plan_weeks?training_plan_id=eq.<plan>&week_number=eq.5"
            "&select=*,training_plan_days(*)",
            "read",
            True,
        ),
        FamilyInfo(
            "today",
            "today's session",
            "POST /rpc/today_session (invoker SQL: days by scheduled_date -> week -> active plan)",
            "read",
            True,
        ),
        FamilyInfo(
            "logs_recent",
            "my last 20 workout logs",
            "GET /workout_logs?deleted_at=is.null&order=date.desc&limit=20",
            "read",
            False,
        ),
        FamilyInfo(
            "race_splits",
            "one race with its splits",
            "GET /race_results?id=eq.<race>&select=*,race_splits(*)",
            "read",
            True,
        ),
        FamilyInfo(
            "pr_station",
            "my PR progression for one station",
            "GET /personal_records?record_type=eq.station_time&station_id=eq.<station>"
            "&order=date_achieved",
            "read",
            False,
        ),
        FamilyInfo(
            "messages_latest",
            "the latest 50 messages of a conversation",
            "GET /messages?conversation_id=eq.<conversation>&order=created_at.desc&limit=50",
            "read",
            True,
        ),
        FamilyInfo(
            "plan_create",
            "creating a full 16-week plan (plan + 16 weeks + 112 days, one transaction)",
            "POST /training_plans, /training_plan_weeks (16 rows), /training_plan_days (112 rows)",
            "write",
            True,
        ),
        FamilyInfo(
            "day_complete",
            "completing a day (workout log + link)",
            "POST /workout_logs {training_plan_day_id: <open day>}",
            "write",
            True,
        ),
    ]
}
