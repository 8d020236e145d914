"""Whole-graph builders: an athlete's plan, race, chat and history in one call each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import factory.random

from factories.achievements import AthleteAchievementFactory
from factories.athletes import AthleteFactory
from factories.base import Row
from factories.chat import ConversationFactory, MessageFactory
from factories.plans import TrainingPlanDayFactory, TrainingPlanFactory, TrainingPlanWeekFactory
from factories.providers import SESSIONS, WEEK_FOCUS, WEEK_TEMPLATE, split_times
from factories.races import RaceResultFactory, RaceSplitFactory, split_rows
from factories.records import GoalFactory, PersonalRecordFactory
from factories.reference import stations
from factories.workouts import BenchmarkTestFactory, WorkoutLogFactory


@dataclass
class PlanGraph:
    """A plan with ``weeks[i]`` (week_number i + 1) and ``days[i][d]`` (day_of_week d + 1)."""

    athlete: Row
    plan: Row
    weeks: list[Row]
    days: list[list[Row]]

    def day(self, week_number: int, day_of_week: int) -> Row:
        """The day row by its 1-based week number and ISO day of week."""
        return self.days[week_number - 1][day_of_week - 1]

    def date_of(self, day: Row) -> date:
        """Calendar date of a plan day (the plan starts on a Monday)."""
        start = self.plan["start_date"]
        week = next(w for w in self.weeks if w["id"] == day["training_plan_week_id"])
        return start + timedelta(weeks=week["week_number"] - 1, days=day["day_of_week"] - 1)


@dataclass
class RaceGraph:
    """A race result and its splits in race order."""

    race: Row
    splits: list[Row]


@dataclass
class ChatGraph:
    """A conversation and its messages in order (user, assistant, user, ...)."""

    conversation: Row
    messages: list[Row]


@dataclass
class AthleteGraph:
    """An athlete with rows in every athlete-owned table."""

    athlete: Row
    plan: PlanGraph
    chat: ChatGraph
    race: RaceGraph
    logs: list[Row]
    others: dict[str, list[Row]] = field(default_factory=dict)


def athlete_with_plan(
    athlete: Row | None = None, weeks: int = 16, **plan_kwargs: object
) -> PlanGraph:
    """A plan of ``weeks`` weeks x 7 days (typical week: 2 runs, 2 strength, hiit, sim, rest)."""
    athlete = athlete or AthleteFactory()
    plan = TrainingPlanFactory(athlete=athlete, duration_weeks=weeks, **plan_kwargs)
    week_rows: list[Row] = []
    day_rows: list[list[Row]] = []
    for number in range(1, weeks + 1):
        week = TrainingPlanWeekFactory(
            plan=plan, week_number=number, focus=WEEK_FOCUS[(number - 1) * len(WEEK_FOCUS) // weeks]
        )
        week_rows.append(week)
        days: list[Row] = []
        for day_of_week, session_type in enumerate(WEEK_TEMPLATE, start=1):
            if session_type == "rest":
                days.append(TrainingPlanDayFactory(week=week, day_of_week=day_of_week, rest=True))
                continue
            choices = [s for s in SESSIONS if s[0] == session_type]
            session = choices[factory.random.randgen.randrange(len(choices))]
            days.append(TrainingPlanDayFactory(week=week, day_of_week=day_of_week, session=session))
        day_rows.append(days)
    return PlanGraph(athlete, plan, week_rows, day_rows)


def training_history(graph: PlanGraph, weeks_done: int = 4) -> list[Row]:
    """Workout logs for every training day of the first ``weeks_done`` weeks, linked to them.

    Most are completed; every fifth is partial and every seventh skipped. Returns the logs
    in plan order (the linked days now carry linked_workout_log_id and is_completed).
    """
    logs: list[Row] = []
    count = 0
    for week_days in graph.days[:weeks_done]:
        for day in week_days:
            if day["is_rest_day"]:
                continue
            count += 1
            status = "skipped" if count % 7 == 0 else "partial" if count % 5 == 0 else "completed"
            logs.append(
                WorkoutLogFactory(
                    plan_day=day,
                    date=graph.date_of(day),
                    completion_status=status,
                    **({"skipped": True} if status == "skipped" else {}),
                )
            )
    return logs


def race_with_splits(athlete: Row | None = None, **race_kwargs: object) -> RaceGraph:
    """A race and its splits: all 16 for a finished race, summing (+ penalties) to the total.

    A DNF/DSQ race gets the segments reached before stopping, the last one without a time.
    """
    athlete = athlete or AthleteFactory()
    race = RaceResultFactory(athlete=athlete, **race_kwargs)
    times = split_times(
        factory.random.randgen,
        division=race["division"],
        race_format=race["format"],
        category=race["race_category"] or "men",
        penalty=race["penalty_seconds"],
        total=race["total_time_seconds"],
    )
    values = split_rows(times)
    if race["status"] != "finished":
        reached = 1 + factory.random.randgen.randrange(4, 14)
        values = values[:reached]
        values[-1] = {**values[-1], "time_seconds": None, "transition_time_seconds": None}
    station_rows = stations()
    splits = [
        RaceSplitFactory(
            race=race,
            station_id=_station_id(station_rows, v["split_number"]),
            **v,
        )
        for v in values
    ]
    return RaceGraph(race, splits)


def _station_id(station_rows: list[Row], split_number: int) -> Any:  # noqa: ANN401 - a uuid
    return None if split_number % 2 else station_rows[split_number // 2 - 1]["id"]


def conversation_with_messages(athlete: Row | None = None, exchanges: int = 3) -> ChatGraph:
    """A conversation of ``exchanges`` user questions, each answered by the coach."""
    conversation = ConversationFactory(athlete=athlete or AthleteFactory())
    messages: list[Row] = []
    for _ in range(exchanges):
        messages.append(MessageFactory(conversation=conversation))
        messages.append(MessageFactory(conversation=conversation, assistant=True))
    return ChatGraph(conversation, messages)


#: The tables ``populated_athlete`` writes rows into (a table added later gets its row from its
#: declaration: tests/support/athlete_data.py).
POPULATED_TABLES = frozenset(
    {
        "athlete_profiles",
        "conversations",
        "messages",
        "training_plans",
        "training_plan_weeks",
        "training_plan_days",
        "workout_logs",
        "race_results",
        "race_splits",
        "benchmark_tests",
        "personal_records",
        "goals",
        "athlete_achievements",
    }
)


def populated_athlete(athlete: Row | None = None, plan_weeks: int = 2) -> AthleteGraph:
    """An athlete with rows in every athlete-owned table, links included.

    The plan comes from the chat (source_conversation_id), one log from the chat
    (conversation_id), logs are linked to plan days, the race has splits.
    """
    athlete = athlete or AthleteFactory(onboarded=True)
    chat = conversation_with_messages(athlete)
    plan = athlete_with_plan(
        athlete, weeks=plan_weeks, ai_generated=True, source_conversation=chat.conversation
    )
    logs = training_history(plan, weeks_done=1)
    logs.append(WorkoutLogFactory(athlete=athlete, conversation=chat.conversation))
    race = race_with_splits(athlete)
    others = {
        "benchmark_tests": [
            BenchmarkTestFactory(athlete=athlete),
            BenchmarkTestFactory(athlete=athlete, station_test=True),
        ],
        "personal_records": [
            PersonalRecordFactory(athlete=athlete, station_time=True),
            PersonalRecordFactory(athlete=athlete, exercise_weight=True),
        ],
        "goals": [GoalFactory(athlete=athlete), GoalFactory(athlete=athlete, completed=True)],
        "athlete_achievements": [AthleteAchievementFactory(athlete=athlete)],
    }
    return AthleteGraph(athlete, plan, chat, race, logs, others)
