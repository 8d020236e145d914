"""Every CHECK constraint: edge values accepted, each invalid value rejected by name.

The case table is keyed by constraint name and compared with the catalog: a CHECK added to
the migration without cases here (or a case for a dropped one) fails the suite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg.rows import DictRow

from factories import reference
from hyrox_schema import catalog
from tests.behaviour.helpers import (
    PRE_EXISTING_TABLES,
    expect_error,
    factory_for,
    triggers_disabled,
)
from tests.support import brief

Connection = psycopg.Connection[DictRow]
Values = dict[str, Any]

#: The formats besides singles (where only the Open and Pro divisions race).
FORMATS = ("doubles", "relay")
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
START = date(2026, 1, 5)


def station_id() -> Any:  # noqa: ANN401 - a uuid from the database
    """Id of the seeded SkiErg station (resolved when the case runs)."""
    return reference.stations()[0]["id"]


@dataclass(frozen=True)
class Case:
    """Factory overrides for one table: each ``valid`` is stored, each ``invalid`` refused.

    ``fresh_stations``: clear the seeded stations first (station_number 1..8 is unique).
    ``bypass_triggers``: insert the invalid rows with triggers off, for a CHECK a trigger
    normally keeps true (it is the backstop, and must hold on its own).
    """

    table: str
    valid: tuple[Values, ...]
    invalid: tuple[Values, ...]
    fresh_stations: bool = False
    bypass_triggers: bool = False


def _enum(
    table: str, column: str, good: tuple[Any, ...], bad: tuple[Any, ...], **extra: object
) -> Case:
    return Case(
        table,
        tuple({column: g, **extra} for g in good),
        tuple({column: b, **extra} for b in bad),
    )


def _jsonb_object(table: str, column: str, **extra: object) -> Case:
    return Case(
        table,
        ({column: {}, **extra}, {column: {"k": [1, 2]}, **extra}),
        ({column: [], **extra}, {column: "text", **extra}, {column: 7, **extra}),
    )


def _not_blank(table: str, column: str, **extra: object) -> Case:
    return Case(
        table,
        ({column: "A", **extra}, {column: " \tA\n", **extra}),
        tuple({column: blank, **extra} for blank in ("", "   ", "\n", "\t", " \r\n ")),
    )


def _https(table: str, column: str) -> Case:
    return Case(
        table,
        ({column: "https://example.com/a.png"}, {column: None}),
        ({column: "http://example.com/a.png"}, {column: "example.com/a.png"}),
    )


ASSISTANT = {"assistant": True}

CASES: dict[str, Case] = {
    # ------------------------------------------------------------------ hyrox_stations
    "hyrox_stations_station_number_check": Case(
        "hyrox_stations",
        ({"station_number": 1}, {"station_number": 8}),
        ({"station_number": 0}, {"station_number": 9}),
        fresh_stations=True,
    ),
    "hyrox_stations_exercise_type_check": Case(
        "hyrox_stations",
        tuple(
            {"station_number": 1, "exercise_type": t}
            for t in ("erg", "sled", "bodyweight", "carry", "lunge", "throw")
        ),
        (
            {"station_number": 1, "exercise_type": "run"},
            {"station_number": 1, "exercise_type": "Erg"},
        ),
        fresh_stations=True,
    ),
    "hyrox_stations_station_name_check": Case(
        "hyrox_stations",
        ({"station_number": 1, "station_name": "S"},),
        ({"station_number": 1, "station_name": ""}, {"station_number": 1, "station_name": "  "}),
        fresh_stations=True,
    ),
    "hyrox_stations_distance_or_reps_check": Case(
        "hyrox_stations",
        ({"station_number": 1, "distance_or_reps": "1"},),
        (
            {"station_number": 1, "distance_or_reps": ""},
            {"station_number": 1, "distance_or_reps": "  "},
        ),
        fresh_stations=True,
    ),
    "hyrox_stations_weights_check": Case(
        "hyrox_stations",
        (
            {
                "station_number": 2,
                "weight_open_men_kg": 0,
                "weight_open_women_kg": 0,
                "weight_pro_men_kg": 0,
                "weight_pro_women_kg": 0,
            },
            {"station_number": 1, "weight_open_men_kg": None, "weight_pro_women_kg": None},
        ),
        tuple(
            {"station_number": 2, column: -0.1}
            for column in (
                "weight_open_men_kg",
                "weight_open_women_kg",
                "weight_pro_men_kg",
                "weight_pro_women_kg",
            )
        ),
        fresh_stations=True,
    ),
    "hyrox_stations_tips_check": Case(
        "hyrox_stations",
        ({"station_number": 1, "tips": []}, {"station_number": 1, "tips": ["a", "b"]}),
        ({"station_number": 1, "tips": {}}, {"station_number": 1, "tips": "tip"}),
        fresh_stations=True,
    ),
    # ------------------------------------------------------------------ exercise_library
    "exercise_library_name_check": _not_blank("exercise_library", "name"),
    "exercise_library_category_check": Case(
        "exercise_library",
        (
            *({"category": c} for c in ("run", "strength", "conditioning", "recovery", "mobility")),
            {"station_specific": True},
        ),
        ({"category": "cardio"}, {"category": "Run"}),
    ),
    "exercise_library_station_specific_check": Case(
        "exercise_library",
        (
            {"station_specific": True},
            {"category": "strength", "hyrox_station_id": None},
            {"category": "strength", "hyrox_station_id": station_id},
        ),
        ({"category": "station_specific", "hyrox_station_id": None},),
    ),
    "exercise_library_difficulty_check": _enum(
        "exercise_library", "difficulty", ("beginner", "intermediate", "advanced"), ("expert", "")
    ),
    "exercise_library_video_url_check": _https("exercise_library", "video_url"),
    # ------------------------------------------------------------------ achievement_definitions
    "achievement_definitions_code_check": _enum(
        "achievement_definitions",
        "code",
        ("a", "sub_90", "x1_y2_z3"),
        ("", "First", "first-race", "_x", "x_", "x__y", "x y"),
    ),
    "achievement_definitions_name_check": _not_blank("achievement_definitions", "name"),
    "achievement_definitions_category_check": _enum(
        "achievement_definitions",
        "category",
        ("race", "training", "consistency", "benchmark", "coaching", "milestone"),
        ("social", "Race"),
    ),
    "achievement_definitions_criteria_check": _jsonb_object("achievement_definitions", "criteria"),
    # ------------------------------------------------------------------ athlete_profiles
    "athlete_profiles_display_name_check": Case(
        "athlete_profiles",
        ({"display_name": "A"}, {"display_name": "x" * 100}, {"display_name": None}),
        ({"display_name": ""}, {"display_name": "x" * 101}),
    ),
    "athlete_profiles_avatar_url_check": _https("athlete_profiles", "avatar_url"),
    "athlete_profiles_date_of_birth_check": Case(
        "athlete_profiles",
        ({"date_of_birth": date(1900, 1, 1)}, {"date_of_birth": None}),
        ({"date_of_birth": date(1899, 12, 31)},),
    ),
    "athlete_profiles_sex_check": _enum(
        "athlete_profiles", "sex", ("male", "female", "other", None), ("Male", "m", "")
    ),
    "athlete_profiles_weight_kg_check": _enum(
        "athlete_profiles", "weight_kg", (0.01, 399.99, None), (0, -1, 400)
    ),
    "athlete_profiles_height_cm_check": _enum(
        "athlete_profiles", "height_cm", (50, 280, None), (49.9, 280.1)
    ),
    "athlete_profiles_units_preference_check": _enum(
        "athlete_profiles", "units_preference", ("metric", "imperial"), ("Metric", "si")
    ),
    "athlete_profiles_hyrox_division_check": _enum(
        "athlete_profiles",
        "hyrox_division",
        ("open", "pro", "adaptive", "elite_15", None),
        ("doubles", "age_group", "Open"),
    ),
    "athlete_profiles_hyrox_format_check": _enum(
        "athlete_profiles", "hyrox_format", ("singles", "doubles", "relay", None), ("pairs", "")
    ),
    "athlete_profiles_hyrox_division_format_check": Case(
        "athlete_profiles",
        (
            *({"hyrox_division": "open", "hyrox_format": f} for f in (*FORMATS, None)),
            *({"hyrox_division": d, "hyrox_format": "singles"} for d in ("pro", "adaptive")),
            {"hyrox_division": "pro", "hyrox_format": "doubles"},
            {"hyrox_division": "elite_15", "hyrox_format": None},
            {"hyrox_division": None, "hyrox_format": "relay"},
        ),
        (
            {"hyrox_division": "pro", "hyrox_format": "relay"},
            *(
                {"hyrox_division": d, "hyrox_format": f}
                for d in ("adaptive", "elite_15")
                for f in FORMATS
            ),
        ),
    ),
    "athlete_profiles_hyrox_race_count_check": _enum(
        "athlete_profiles", "hyrox_race_count", (0, 250), (-1,)
    ),
    "athlete_profiles_training_history_check": _jsonb_object(
        "athlete_profiles", "training_history"
    ),
    "athlete_profiles_current_phase_check": _enum(
        "athlete_profiles",
        "current_phase",
        ("general_prep", "specific_prep", "competition_prep", "taper", None),
        ("peak", "base"),
    ),
    "athlete_profiles_goal_time_minutes_check": _enum(
        "athlete_profiles", "goal_time_minutes", (0.01, 359.99, None), (0, -5, 360)
    ),
    "athlete_profiles_weekly_availability_hours_check": _enum(
        "athlete_profiles", "weekly_availability_hours", (0, 168, None), (-0.1, 168.1)
    ),
    "athlete_profiles_preferences_check": _jsonb_object("athlete_profiles", "preferences"),
    # ------------------------------------------------------------------ conversations
    "conversations_title_check": Case(
        "conversations",
        ({"title": "A"}, {"title": "x" * 200}),
        ({"title": ""}, {"title": "x" * 201}),
    ),
    "conversations_title_source_check": _enum(
        "conversations", "title_source", ("auto", "user"), ("ai", "Auto")
    ),
    "conversations_title_source_required_check": Case(
        "conversations",
        ({"title": None, "title_source": None}, {"title": "Pacing", "title_source": "user"}),
        ({"title": "Pacing", "title_source": None}, {"title": None, "title_source": "auto"}),
    ),
    "conversations_topic_check": _enum(
        "conversations",
        "topic",
        ("training", "racing", "technique", "nutrition", "recovery", "general", None),
        ("other", "Training"),
    ),
    # ------------------------------------------------------------------ messages
    "messages_role_check": Case(
        "messages", ({"role": "user"}, {"assistant": True}), ({"role": "system"}, {"role": "tool"})
    ),
    "messages_content_check": _not_blank("messages", "content"),
    "messages_suggested_actions_check": Case(
        "messages",
        ({**ASSISTANT, "suggested_actions": []}, {**ASSISTANT, "suggested_actions": None}),
        ({**ASSISTANT, "suggested_actions": {}}, {**ASSISTANT, "suggested_actions": "log"}),
    ),
    "messages_assistant_only_fields_check": Case(
        "messages",
        ({"role": "user"}, {"rated": True}),
        (
            {"role": "user", "rag_chunks_used": ["chunk-1"]},
            {"role": "user", "suggested_actions": [{"type": "x"}]},
            {"role": "user", "tokens_in": 1},
            {"role": "user", "tokens_out": 1},
            {"role": "user", "latency_ms": 1},
            {"role": "user", "feedback": "thumbs_up"},
        ),
    ),
    "messages_tokens_in_check": _enum("messages", "tokens_in", (0, None), (-1,), **ASSISTANT),
    "messages_tokens_out_check": _enum("messages", "tokens_out", (0, None), (-1,), **ASSISTANT),
    "messages_latency_ms_check": _enum("messages", "latency_ms", (0, None), (-1,), **ASSISTANT),
    "messages_feedback_check": _enum(
        "messages", "feedback", ("thumbs_up", "thumbs_down", None), ("meh", "up"), **ASSISTANT
    ),
    # ------------------------------------------------------------------ training_plans
    "training_plans_plan_name_check": _not_blank("training_plans", "plan_name"),
    "training_plans_duration_weeks_check": _enum(
        "training_plans", "duration_weeks", (1, 52), (0, 53)
    ),
    "training_plans_difficulty_check": _enum(
        "training_plans",
        "difficulty",
        ("beginner", "intermediate", "advanced", "custom"),
        ("expert", ""),
    ),
    "training_plans_status_check": _enum(
        "training_plans", "status", ("active", "archived", "draft"), ("deleted", "Active")
    ),
    "training_plans_date_range_check": Case(
        "training_plans",
        (
            {"start_date": START, "end_date": START},
            {"start_date": START, "end_date": None},
            {"start_date": None, "end_date": START},
        ),
        ({"start_date": START, "end_date": date(2026, 1, 4)},),
    ),
    # ------------------------------------------------------------------ training_plan_weeks
    "training_plan_weeks_week_number_check": _enum(
        "training_plan_weeks", "week_number", (1, 52), (0, 53)
    ),
    "training_plan_weeks_target_volume_hours_check": _enum(
        "training_plan_weeks", "target_volume_hours", (0, 168, None), (-0.1, 168.1)
    ),
    # ------------------------------------------------------------------ training_plan_days
    "training_plan_days_day_of_week_check": _enum(
        "training_plan_days", "day_of_week", (1, 7), (0, 8)
    ),
    "training_plan_days_session_order_check": _enum(
        "training_plan_days", "session_order", (1, 3), (0, 4)
    ),
    "training_plan_days_workout_details_check": _jsonb_object(
        "training_plan_days", "workout_details"
    ),
    "training_plan_days_session_type_check": _enum(
        "training_plan_days",
        "session_type",
        ("run", "hiit", "strength", "simulation", "recovery", "rest"),
        ("race", "benchmark", "Run"),
    ),
    "training_plan_days_rest_day_check": Case(
        "training_plan_days",
        ({"rest": True}, {"session_type": "run", "is_rest_day": False}),
        (
            {"session_type": "rest", "is_rest_day": False},
            {"session_type": "run", "is_rest_day": True},
        ),
    ),
    "training_plan_days_estimated_duration_minutes_check": _enum(
        "training_plan_days", "estimated_duration_minutes", (0, 600, None), (-1, 601)
    ),
    "training_plan_days_completed_check": Case(
        "training_plan_days",
        ({"is_completed": False, "linked_workout_log_id": None},),
        ({"is_completed": True, "linked_workout_log_id": None},),
        bypass_triggers=True,
    ),
    # ------------------------------------------------------------------ workout_logs
    "workout_logs_session_type_check": _enum(
        "workout_logs",
        "session_type",
        ("run", "hiit", "strength", "simulation", "recovery", "race", "benchmark", "other"),
        ("rest", "Run"),
    ),
    "workout_logs_completion_status_check": _enum(
        "workout_logs", "completion_status", ("completed", "partial", "skipped"), ("done", "")
    ),
    "workout_logs_prescribed_workout_check": Case(
        "workout_logs",
        ({"prescribed_workout": {}}, {"prescribed_workout": None}),
        ({"prescribed_workout": []}, {"prescribed_workout": "8 km"}),
    ),
    "workout_logs_completed_workout_check": Case(
        "workout_logs",
        ({"completed_workout": {}}, {"completed_workout": None}),
        ({"completed_workout": []}, {"completed_workout": 8}),
    ),
    "workout_logs_rpe_pre_check": _enum("workout_logs", "rpe_pre", (1, 10, None), (0, 11)),
    "workout_logs_rpe_post_check": _enum("workout_logs", "rpe_post", (1, 10, None), (0, 11)),
    "workout_logs_duration_minutes_check": _enum(
        "workout_logs", "duration_minutes", (0, 1440, None), (-1, 1441)
    ),
    "workout_logs_heart_rate_avg_check": _enum(
        "workout_logs", "heart_rate_avg", (30, 250, None), (29, 251)
    ),
    "workout_logs_calories_estimated_check": _enum(
        "workout_logs", "calories_estimated", (0, 20000, None), (-1, 20001)
    ),
    # ------------------------------------------------------------------ benchmark_tests
    "benchmark_tests_test_type_check": Case(
        "benchmark_tests",
        (
            *(
                {"test_type": t}
                for t in (
                    "hyrox_pft",
                    "run_1k",
                    "run_1mile",
                    "run_5k",
                    "cooper_12min",
                    "skierg_1000m",
                    "row_1000m",
                    "row_2000m",
                    "one_rep_max",
                    "simulation_full",
                    "simulation_half",
                    "other",
                )
            ),
            {"station_test": True},
        ),
        ({"test_type": "vo2max"}, {"test_type": "PFT"}),
    ),
    "benchmark_tests_station_test_check": Case(
        "benchmark_tests",
        ({"station_test": True}, {"test_type": "run_1k", "station_id": station_id}),
        ({"test_type": "station_test", "station_id": None},),
    ),
    "benchmark_tests_results_check": _jsonb_object("benchmark_tests", "results"),
    # ------------------------------------------------------------------ race_results
    "race_results_race_name_check": _not_blank("race_results", "race_name"),
    "race_results_season_check": _enum("race_results", "season", (1, 50, None), (0, 51)),
    "race_results_division_check": _enum(
        "race_results",
        "division",
        ("open", "pro", "adaptive", "elite_15"),
        ("age_group", "doubles"),
    ),
    "race_results_format_check": _enum(
        "race_results", "format", ("singles", "doubles", "relay"), ("pairs", "")
    ),
    "race_results_race_category_check": _enum(
        "race_results",
        "race_category",
        ("men", "women", "mixed", None),
        ("male", "Men"),
        format="doubles",
    ),
    "race_results_division_format_check": Case(
        "race_results",
        (
            *({"division": "open", "format": f} for f in ("singles", "doubles", "relay")),
            *({"division": d, "format": "singles"} for d in ("pro", "adaptive", "elite_15")),
            {"pro_doubles": True},
        ),
        (
            {"division": "pro", "format": "relay"},
            *({"division": d, "format": f} for d in ("adaptive", "elite_15") for f in FORMATS),
        ),
    ),
    "race_results_singles_race_category_check": Case(
        "race_results",
        (
            {"format": "singles", "race_category": "women"},
            {"format": "singles", "race_category": None},
            {"format": "doubles", "race_category": "mixed"},
            {"format": "relay", "race_category": "mixed"},
        ),
        (
            {"format": "singles", "race_category": "mixed"},
            {"format": "singles", "division": "pro", "race_category": "mixed"},
        ),
    ),
    "race_results_singles_age_group_check": _enum(
        "race_results",
        "age_group",
        (*sorted(brief.PUBLISHED_AGE_GROUPS["singles"]), None),
        ("16-29", "30-39", "16-39", "40+", "60+", "80-84", "85-89", "20-24", "90+"),
        format="singles",
    ),
    "race_results_doubles_age_group_check": _enum(
        "race_results",
        "age_group",
        (*sorted(brief.PUBLISHED_AGE_GROUPS["doubles"]), None),
        ("16-24", "30-34", "65-69", "16-39", "40+", "80+", "20-29"),
        format="doubles",
        race_category="mixed",
    ),
    "race_results_relay_age_group_check": _enum(
        "race_results",
        "age_group",
        (*sorted(brief.PUBLISHED_AGE_GROUPS["relay"]), None),
        ("16-24", "40-44", "30-39", "16-29", "60+", "70+"),
        format="relay",
        race_category="mixed",
    ),
    "race_results_status_check": Case(
        "race_results",
        ({"status": "finished"}, {"dnf": True}, {"dsq": True}),
        ({"status": "dns"}, {"status": "Finished"}),
    ),
    "race_results_total_time_seconds_check": _enum(
        "race_results", "total_time_seconds", (1, 21599), (0, -1, 21600)
    ),
    "race_results_finished_total_check": Case(
        "race_results",
        ({"dnf": True}, {"status": "dsq", "total_time_seconds": None}, {"status": "finished"}),
        ({"status": "finished", "total_time_seconds": None},),
    ),
    "race_results_penalty_seconds_check": _enum(
        "race_results", "penalty_seconds", (0, 3600), (-1, 3601)
    ),
    "race_results_conditions_check": _jsonb_object("race_results", "conditions"),
    # ------------------------------------------------------------------ race_splits
    "race_splits_split_number_check": Case(
        "race_splits",
        ({"split_number": 1}, {"split_number": 16}),
        (
            {"split_number": 0, "split_type": "station", "station_id": station_id},
            {"split_number": 17, "split_type": "run", "station_id": None},
        ),
    ),
    "race_splits_split_type_check": Case(
        "race_splits",
        ({"split_number": 1, "split_type": "run"}, {"split_number": 2, "split_type": "station"}),
        (
            {"split_number": 2, "split_type": "roxzone", "station_id": None},
            {"split_number": 2, "split_type": "Run", "station_id": None},
        ),
    ),
    "race_splits_sequence_check": Case(
        "race_splits",
        ({"split_number": 15}, {"split_number": 14}),
        (
            {"split_number": 2, "split_type": "run", "station_id": None},
            {"split_number": 1, "split_type": "station", "station_id": station_id},
        ),
    ),
    "race_splits_station_id_check": Case(
        "race_splits",
        ({"split_number": 1, "station_id": None}, {"split_number": 2}),
        (
            {"split_number": 1, "split_type": "run", "station_id": station_id},
            {"split_number": 2, "split_type": "station", "station_id": None},
        ),
    ),
    "race_splits_time_seconds_check": _enum(
        "race_splits", "time_seconds", (1, 21599, None), (0, -1, 21600)
    ),
    "race_splits_transition_time_seconds_check": _enum(
        "race_splits", "transition_time_seconds", (0, 21599, None), (-1, 21600)
    ),
    "race_splits_heart_rate_avg_check": _enum(
        "race_splits", "heart_rate_avg", (30, 250, None), (29, 251)
    ),
    # ------------------------------------------------------------------ personal_records
    "personal_records_record_type_check": Case(
        "personal_records",
        (
            {"record_type": "running_pace"},
            {"station_time": True},
            {"exercise_weight": True},
            {"free_text_exercise": True},
            {"race_time": True},
        ),
        ({"record_type": "pace"}, {"record_type": "Race_time"}),
    ),
    "personal_records_station_required_check": Case(
        "personal_records",
        ({"station_time": True}, {"race_time": True, "station_id": None}),
        ({"station_time": True, "station": None},),
    ),
    "personal_records_exercise_required_check": Case(
        "personal_records",
        (
            {"exercise_weight": True},
            {"exercise_weight": True, "exercise": None, "exercise_name": "Sled drag"},
            {"record_type": "exercise_reps", "value_unit": "reps", "exercise_name": "Pull-ups"},
        ),
        (
            {"exercise_weight": True, "exercise": None, "exercise_name": None},
            {"record_type": "exercise_reps", "value_unit": "reps", "exercise_name": None},
        ),
    ),
    "personal_records_exercise_name_check": _not_blank(
        "personal_records", "exercise_name", free_text_exercise=True
    ),
    "personal_records_value_check": _enum("personal_records", "value", (0.01,), (0, -1)),
    "personal_records_previous_value_check": _enum(
        "personal_records", "previous_value", (0.01, None), (0, -1)
    ),
    "personal_records_value_unit_check": _enum(
        "personal_records",
        "value_unit",
        ("seconds", "kg", "lbs", "min_per_km", "reps", "meters"),
        ("kgs", "min/km"),
    ),
    "personal_records_context_check": _enum(
        "personal_records", "context", ("training", "race", "benchmark"), ("competition", "")
    ),
    # ------------------------------------------------------------------ goals
    "goals_goal_type_check": Case(
        "goals",
        (
            *(
                {"goal_type": t}
                for t in (
                    "race_time",
                    "running_pace",
                    "body_comp",
                    "consistency",
                    "training_volume",
                    "custom",
                )
            ),
            {"station_time": True},
        ),
        ({"goal_type": "weight"}, {"goal_type": "Race_time"}),
    ),
    "goals_title_check": _not_blank("goals", "title"),
    "goals_target_unit_check": _enum(
        "goals",
        "target_unit",
        (
            "seconds",
            "minutes",
            "kg",
            "lbs",
            "min_per_km",
            "reps",
            "sessions",
            "hours",
            "km",
            "percent",
        ),
        ("miles", "Minutes"),
    ),
    "goals_target_value_unit_check": Case(
        "goals",
        ({"target_value": 1, "target_unit": "kg"}, {"open_ended": True}),
        ({"target_value": 10, "target_unit": None}, {"target_value": None, "target_unit": "kg"}),
    ),
    "goals_station_required_check": Case(
        "goals",
        ({"station_time": True}, {"goal_type": "race_time", "station": None}),
        ({"station_time": True, "station": None},),
    ),
    "goals_status_check": Case(
        "goals",
        ({"status": "active"}, {"abandoned": True}, {"completed": True}),
        ({"status": "paused"}, {"status": "Active"}),
    ),
    "goals_completed_at_check": Case(
        "goals",
        ({"completed": True}, {"status": "active", "completed_at": None}),
        (
            {"status": "completed", "completed_at": None},
            {"status": "active", "completed_at": NOW},
            {"status": "abandoned", "completed_at": NOW},
        ),
    ),
    # ------------------------------------------------------------------ athlete_achievements
    "athlete_achievements_context_check": _jsonb_object("athlete_achievements", "context"),
}


def _resolve(values: Values) -> Values:
    return {k: (v() if callable(v) else v) for k, v in values.items()}


def _as_stored(value: Any) -> Any:  # noqa: ANN401 - any column value
    """Floats come back from numeric columns as Decimal."""
    return Decimal(str(value)) if isinstance(value, float) else value


def _clear_stations(conn: Connection) -> None:
    conn.execute("delete from exercise_library where hyrox_station_id is not null")
    conn.execute("delete from hyrox_stations")


def _label(values: Values) -> str:
    parts = []
    for key, value in values.items():
        shown = getattr(value, "__name__", None) if callable(value) else repr(value)
        shown = shown if shown is None or len(shown) <= 24 else f"{shown[:12]}...{shown[-6:]}"
        parts.append(f"{key}={shown}")
    return ",".join(parts) or "defaults"


def _params(kind: str) -> list[Any]:
    return [
        pytest.param(name, case, values, id=f"{name}-{_label(values)}")
        for name, case in CASES.items()
        for values in getattr(case, kind)
    ]


def test_every_check_constraint_has_cases(conn: Connection):
    """The case table covers exactly the CHECK constraints of the migration's tables."""
    in_catalog = {
        c.name for c in catalog.check_constraints(conn) if c.table not in PRE_EXISTING_TABLES
    }
    assert sorted(in_catalog - CASES.keys()) == [], "CHECK constraints without test cases"
    assert sorted(CASES.keys() - in_catalog) == [], "cases for CHECK constraints that are gone"


def test_every_case_has_valid_and_invalid_values():
    """Each constraint is shown both to accept something and to reject something."""
    thin = [name for name, case in CASES.items() if not case.valid or not case.invalid]
    assert thin == []


def test_cases_target_their_constraints_table(conn: Connection):
    """Each case writes the table its constraint is declared on."""
    tables = {c.name: c.table for c in catalog.check_constraints(conn)}
    wrong = {n: c.table for n, c in CASES.items() if tables.get(n, c.table) != c.table}
    assert wrong == {}


@pytest.mark.parametrize(("name", "case", "values"), _params("valid"))
def test_check_accepts_valid_value(
    factories_bound: Connection, name: str, case: Case, values: Values
):
    """The value is stored as given."""
    if case.fresh_stations:
        _clear_stations(factories_bound)
    resolved = _resolve(values)
    row = factory_for(case.table)(**resolved)
    stored = {k: row[k] for k in resolved if k in row}
    assert stored == {k: _as_stored(v) for k, v in resolved.items() if k in row}


@pytest.mark.parametrize(("name", "case", "values"), _params("invalid"))
def test_check_rejects_invalid_value(
    factories_bound: Connection, name: str, case: Case, values: Values
):
    """The row is refused with a CheckViolation naming this constraint."""
    if case.fresh_stations:
        _clear_stations(factories_bound)
    resolved = _resolve(values)
    make = factory_for(case.table)
    with expect_error(factories_bound, psycopg.errors.CheckViolation, name):
        if case.bypass_triggers:
            with triggers_disabled(factories_bound, case.table):
                make(**resolved)
        else:
            make(**resolved)
