"""Every designed (non-unique) index and the request it exists for: the reviewed table.

The schema contract (contract/) lists the indexes; this table names, for each,
the SQL request the app or the database itself sends that the index serves.
``tests/benchmarks/test_index_usage.py`` asserts on the S benchmark dataset that
the planner answers each request through its index, and fails for a contract
index without a request here (or a request for an index that is gone).
Unique indexes are proven by the duplicates they refuse
(tests/behaviour/test_not_null_defaults_uniques.py).

Adding an index: add one line here, ``"<index name>": Request("<sql>", "<why>")``.
Parameters are the sample athlete's ids (:class:`tests.benchmarks.datasets.Athlete`
fields: ``athlete_id``, ``plan_id``, ``conversation_id``, ``race_id``,
``station_id``, ``today``, ...). ``index_paths_only=True`` plans the request with
sequential scans off, where a scan of the whole table is the right plan on the
benchmark data: the reference tables (a handful of rows) and the awards (two
achievements, each earned by every athlete), though the index is what keeps the
request cheap on a large catalogue. The assertion is then that this index is the
path the planner picks among the remaining ones; every other request is planned
as is.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Request:
    """The request an index exists for."""

    sql: str
    why: str
    index_paths_only: bool = False


# The query PostgreSQL runs to check a RESTRICT / NO ACTION foreign key when a parent
# row is deleted (ri_triggers.c): what an index on the referencing column serves.
def fk_check(table: str, column: str, parent_id: str) -> str:
    """The referential check of deleting the parent ``parent_id`` (an SQL expression)."""
    return (
        f"select 1 from only public.{table} as x"  # noqa: S608 - reviewed constants, not input
        f" where {column} = {parent_id} for key share of x"
    )


STATION = "%(station_id)s"
ACHIEVEMENT = "(select id from public.achievement_definitions order by code limit 1)"
EXERCISE = "(select id from public.exercise_library order by name limit 1)"

INDEX_REQUESTS: dict[str, Request] = {
    # reference tables
    "exercise_library_hyrox_station_id_idx": Request(
        fk_check("exercise_library", "hyrox_station_id", STATION),
        "deleting a station checks the exercises that train it",
        index_paths_only=True,
    ),
    "exercise_library_category_idx": Request(
        "select id, name from public.exercise_library where category = 'strength' order by name",
        "the exercise picker filters by category",
        index_paths_only=True,
    ),
    # chat
    "conversations_athlete_id_updated_at_idx": Request(
        "select id, title from public.conversations where athlete_id = %(athlete_id)s"
        " order by updated_at desc limit 20",
        "the chat list: an athlete's conversations, most recent first",
    ),
    "messages_conversation_id_created_at_idx": Request(
        "select id, role, content from public.messages where conversation_id = %(conversation_id)s"
        " and athlete_id = %(athlete_id)s order by created_at limit 50",
        "a conversation's messages in order (also the cascade when a conversation is deleted)",
    ),
    "messages_athlete_id_created_at_idx": Request(
        "select id, content from public.messages where athlete_id = %(athlete_id)s"
        " order by created_at desc limit 50",
        "the athlete's latest messages across conversations (coach context)",
    ),
    # training plans
    "training_plans_athlete_id_start_date_idx": Request(
        "select id, plan_name from public.training_plans where athlete_id = %(athlete_id)s"
        " order by start_date desc",
        "the athlete's plans, newest first",
    ),
    "training_plans_source_conversation_id_idx": Request(
        "select id from public.training_plans where source_conversation_id = %(conversation_id)s"
        " and athlete_id = %(athlete_id)s",
        "deleting a conversation clears the plans generated from it (ON DELETE SET NULL)",
    ),
    "training_plan_weeks_athlete_id_idx": Request(
        "select id, week_number from public.training_plan_weeks where athlete_id = %(athlete_id)s",
        "RLS: every read of weeks filters on athlete_id; the profile cascade deletes by it",
    ),
    "training_plan_days_athlete_id_scheduled_date_idx": Request(
        "select id, session_order from public.training_plan_days"
        " where athlete_id = %(athlete_id)s and scheduled_date = %(today)s",
        "today's session: the athlete's days scheduled today; its leading athlete_id column"
        " also serves RLS on plan days and the profile cascade",
    ),
    # workout history
    "workout_logs_athlete_id_date_idx": Request(
        "select id, date, session_type from public.workout_logs where athlete_id = %(athlete_id)s"
        " order by date desc limit 20",
        "the training history: the last 20 logs",
    ),
    "workout_logs_conversation_id_idx": Request(
        "select id from public.workout_logs where conversation_id = %(conversation_id)s"
        " and athlete_id = %(athlete_id)s",
        "deleting a conversation clears the logs that came from it (ON DELETE SET NULL)",
    ),
    "benchmark_tests_athlete_id_test_date_idx": Request(
        "select id, test_type from public.benchmark_tests where athlete_id = %(athlete_id)s"
        " order by test_date desc",
        "the athlete's benchmark tests, newest first",
    ),
    "benchmark_tests_station_id_idx": Request(
        fk_check("benchmark_tests", "station_id", STATION),
        "deleting a station checks the benchmark tests of it",
    ),
    # races
    "race_results_athlete_id_race_date_idx": Request(
        "select id, race_name from public.race_results where athlete_id = %(athlete_id)s"
        " order by race_date desc",
        "the athlete's races, newest first",
    ),
    "race_splits_athlete_id_station_id_idx": Request(
        "select time_seconds from public.race_splits where athlete_id = %(athlete_id)s"
        " and station_id = %(station_id)s",
        "one station's splits across the athlete's races (station progression)",
    ),
    "race_splits_station_id_idx": Request(
        fk_check("race_splits", "station_id", STATION),
        "deleting a station checks the splits raced on it",
    ),
    # records, goals, achievements
    "personal_records_athlete_id_record_type_idx": Request(
        "select value, date_achieved from public.personal_records"
        " where athlete_id = %(athlete_id)s and record_type = 'station_time'"
        " order by date_achieved",
        "progression of one kind of record",
    ),
    "personal_records_athlete_id_station_id_idx": Request(
        "select value, date_achieved from public.personal_records"
        " where athlete_id = %(athlete_id)s and station_id = %(station_id)s"
        " order by date_achieved",
        "PR progression at one station",
    ),
    "personal_records_exercise_id_idx": Request(
        fk_check("personal_records", "exercise_id", EXERCISE),
        "deleting an exercise checks the records of it",
    ),
    "personal_records_station_id_idx": Request(
        fk_check("personal_records", "station_id", STATION),
        "deleting a station checks the records of it",
    ),
    "goals_athlete_id_status_idx": Request(
        "select id, title from public.goals"
        " where athlete_id = %(athlete_id)s and status = 'active'",
        "the athlete's active goals",
    ),
    "goals_station_id_idx": Request(
        fk_check("goals", "station_id", STATION),
        "deleting a station checks the goals for it",
    ),
    "athlete_achievements_achievement_id_idx": Request(
        fk_check("athlete_achievements", "achievement_id", ACHIEVEMENT),
        "deleting an achievement definition checks who earned it",
        index_paths_only=True,
    ),
}
