"""The user's specification (phase2-schema-brief.md) as data, for catalog-driven tests.

Renames and reshapes decided in docs/design_decisions.md are applied here on
purpose (``age`` -> ``date_of_birth``, division split into division + format,
``station-specific`` -> ``station_specific``); anything else the brief names must
exist exactly as named. Only the brief checks read this module (tests/test_schema_structure.py,
tests/test_migration.py): what the suite expects of each table lives in its declaration
(tests/tables/<table>.py), and the sport's vocabulary in tests/support/sport.py.
"""

from __future__ import annotations


def _names(spaced: str) -> frozenset[str]:
    """Column names written as one space-separated string."""
    return frozenset(spaced.split())


REFERENCE_TABLES = frozenset({"hyrox_stations", "exercise_library", "achievement_definitions"})

ATHLETE_TABLES = frozenset(
    {
        "athlete_profiles",
        "conversations",
        "messages",
        "workout_logs",
        "benchmark_tests",
        "race_results",
        "race_splits",
        "training_plans",
        "training_plan_weeks",
        "training_plan_days",
        "personal_records",
        "goals",
        "athlete_achievements",
    }
)

NEW_TABLES = REFERENCE_TABLES | ATHLETE_TABLES

PRE_EXISTING_TABLES = frozenset({"knowledge_chunks"})

SOFT_DELETE_TABLES = frozenset({"workout_logs", "training_plans", "goals"})

# Every column the brief lists (drafts plus "expand to include"), per table.
BRIEF_COLUMNS: dict[str, frozenset[str]] = {
    "athlete_profiles": _names(
        "id user_id display_name weight_kg height_cm date_of_birth sex training_history"
        " current_phase race_date goal_time_minutes weekly_availability_hours"
        " equipment_available injuries_limitations preferences created_at updated_at"
        " hyrox_division hyrox_race_count profile_complete avatar_url units_preference"
    ),
    "conversations": _names("id athlete_id started_at updated_at title topic"),
    "messages": _names(
        "id conversation_id role content rag_chunks_used tokens_in tokens_out latency_ms"
        " created_at pinned feedback suggested_actions"
    ),
    "workout_logs": _names(
        "id athlete_id date session_type prescribed_workout completed_workout rpe_pre rpe_post"
        " duration_minutes notes created_at training_plan_day_id conversation_id"
        " completion_status heart_rate_avg calories_estimated deleted_at"
    ),
    "benchmark_tests": _names("id athlete_id test_date test_type results notes created_at"),
    "hyrox_stations": _names(
        "station_number station_name exercise_type distance_or_reps weight_open_men_kg"
        " weight_open_women_kg weight_pro_men_kg weight_pro_women_kg description tips"
    ),
    "exercise_library": _names(
        "name category description muscle_groups equipment_needed hyrox_station_id difficulty"
        " video_url is_active"
    ),
    "race_results": _names(
        "athlete_id race_date race_name location division format total_time_seconds"
        " is_simulation conditions notes created_at"
    ),
    "race_splits": _names(
        "race_result_id split_number split_type station_id time_seconds"
        " transition_time_seconds heart_rate_avg notes"
    ),
    "training_plans": _names(
        "athlete_id plan_name duration_weeks goal difficulty is_ai_generated status start_date"
        " end_date source_conversation_id created_at updated_at"
    ),
    "training_plan_weeks": _names(
        "training_plan_id week_number focus target_volume_hours notes created_at"
    ),
    "training_plan_days": _names(
        "training_plan_week_id day_of_week workout_title workout_description workout_details"
        " session_type estimated_duration_minutes is_rest_day is_completed"
        " linked_workout_log_id notes created_at"
    ),
    "personal_records": _names(
        "athlete_id record_type exercise_name exercise_id station_id value value_unit"
        " date_achieved context previous_value notes created_at"
    ),
    "goals": _names(
        "athlete_id goal_type title description target_value target_unit current_value"
        " target_date station_id status completed_at created_at updated_at deleted_at"
    ),
    "achievement_definitions": _names("id name description icon_name category criteria"),
    "athlete_achievements": _names("athlete_id achievement_id earned_at context"),
}

# Ranges the brief writes as CHECKs (workout_logs, "rpe_pre int check (rpe_pre between 1 and
# 10)"): the column refuses a value outside and takes both ends.
BRIEF_RANGES: dict[tuple[str, str], tuple[int, int]] = {
    ("workout_logs", "rpe_pre"): (1, 10),
    ("workout_logs", "rpe_post"): (1, 10),
}

# Enumerations the brief spells out: the column's CHECK must accept every value.
BRIEF_VOCABULARIES: dict[tuple[str, str], frozenset[str]] = {
    ("athlete_profiles", "sex"): frozenset({"male", "female", "other"}),
    ("athlete_profiles", "current_phase"): frozenset(
        {"general_prep", "specific_prep", "competition_prep", "taper"}
    ),
    ("athlete_profiles", "units_preference"): frozenset({"metric", "imperial"}),
    ("athlete_profiles", "hyrox_division"): frozenset({"open", "pro"}),
    ("athlete_profiles", "hyrox_format"): frozenset({"doubles", "relay"}),
    ("messages", "role"): frozenset({"user", "assistant"}),
    ("messages", "feedback"): frozenset({"thumbs_up", "thumbs_down"}),
    ("workout_logs", "completion_status"): frozenset({"completed", "partial", "skipped"}),
    ("exercise_library", "category"): frozenset(
        {"run", "strength", "conditioning", "station_specific", "recovery", "mobility"}
    ),
    ("exercise_library", "difficulty"): frozenset({"beginner", "intermediate", "advanced"}),
    ("race_results", "division"): frozenset({"open", "pro"}),
    ("race_results", "format"): frozenset({"singles", "doubles", "relay"}),
    ("race_splits", "split_type"): frozenset({"run", "station"}),
    ("training_plans", "difficulty"): frozenset({"beginner", "intermediate", "advanced", "custom"}),
    ("training_plans", "status"): frozenset({"active", "archived", "draft"}),
    ("training_plan_days", "session_type"): frozenset(
        {"run", "hiit", "strength", "simulation", "recovery", "rest"}
    ),
    ("personal_records", "record_type"): frozenset(
        {"station_time", "exercise_weight", "exercise_reps", "running_pace", "race_time"}
    ),
    ("personal_records", "value_unit"): frozenset({"seconds", "kg", "lbs", "min_per_km", "reps"}),
    ("personal_records", "context"): frozenset({"training", "race", "benchmark"}),
    ("goals", "goal_type"): frozenset(
        {
            "race_time",
            "station_time",
            "running_pace",
            "body_comp",
            "consistency",
            "training_volume",
            "custom",
        }
    ),
    ("goals", "status"): frozenset({"active", "completed", "abandoned"}),
}

# Text columns that hold prose or names, not a vocabulary: exempt from "enum-like needs a CHECK".
FREE_TEXT_COLUMNS = frozenset(
    {
        ("hyrox_stations", "description"),
        ("exercise_library", "description"),
        ("achievement_definitions", "description"),
        ("achievement_definitions", "icon_name"),
        ("athlete_profiles", "display_name"),
        ("conversations", "title"),
        ("messages", "content"),
        ("training_plans", "goal"),
        ("training_plan_weeks", "focus"),
        ("training_plan_weeks", "notes"),
        ("training_plan_days", "workout_title"),
        ("training_plan_days", "workout_description"),
        ("training_plan_days", "notes"),
        ("workout_logs", "notes"),
        ("benchmark_tests", "notes"),
        ("race_results", "location"),
        ("race_results", "notes"),
        ("race_splits", "notes"),
        ("personal_records", "notes"),
        ("goals", "description"),
    }
)
