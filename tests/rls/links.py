"""Every foreign key from one athlete-owned row to another, as data for the attack tests.

``tests/rls/test_cross_tenant_links.py`` checks this list against the catalog,
so a new foreign key into athlete data without an attack test fails the suite.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Link:
    """A foreign key from an athlete table to another athlete table's row."""

    constraint: str
    table: str
    column: str
    """The referencing column other than athlete_id (athlete_id itself for owner keys)."""
    parent: str

    @property
    def is_owner_key(self) -> bool:
        """``athlete_id -> athlete_profiles(id)``: the link names the owner itself."""
        return self.column == "athlete_id"


LINKS = (
    # the composite keys (parent_id, athlete_id) -> parent (id, athlete_id)
    Link("messages_conversation_id_fkey", "messages", "conversation_id", "conversations"),
    Link(
        "training_plans_source_conversation_id_fkey",
        "training_plans",
        "source_conversation_id",
        "conversations",
    ),
    Link(
        "training_plan_weeks_training_plan_id_fkey",
        "training_plan_weeks",
        "training_plan_id",
        "training_plans",
    ),
    Link(
        "training_plan_days_training_plan_week_id_fkey",
        "training_plan_days",
        "training_plan_week_id",
        "training_plan_weeks",
    ),
    Link(
        "training_plan_days_linked_workout_log_id_fkey",
        "training_plan_days",
        "linked_workout_log_id",
        "workout_logs",
    ),
    Link(
        "workout_logs_training_plan_day_id_fkey",
        "workout_logs",
        "training_plan_day_id",
        "training_plan_days",
    ),
    Link("workout_logs_conversation_id_fkey", "workout_logs", "conversation_id", "conversations"),
    Link("race_splits_race_result_id_fkey", "race_splits", "race_result_id", "race_results"),
    # the owner keys athlete_id -> athlete_profiles (id) of the top-level tables
    *(
        Link(f"{table}_athlete_id_fkey", table, "athlete_id", "athlete_profiles")
        for table in (
            "conversations",
            "training_plans",
            "workout_logs",
            "benchmark_tests",
            "race_results",
            "personal_records",
            "goals",
            "athlete_achievements",
        )
    ),
)
COMPOSITE_LINKS = tuple(link for link in LINKS if not link.is_owner_key)
