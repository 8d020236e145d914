"""Factory-made rows for the RLS tests: one row of any table, and a lean graph per athlete.

All rows are created on the ``postgres`` connection bound to the factories
(BYPASSRLS owner): arranging data never goes through RLS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from factories.achievements import AthleteAchievementFactory
from factories.athletes import AthleteFactory, AuthUserFactory
from factories.base import Row, connection
from factories.chat import ConversationFactory, MessageFactory
from factories.plans import TrainingPlanDayFactory, TrainingPlanFactory, TrainingPlanWeekFactory
from factories.races import RaceResultFactory, RaceSplitFactory
from factories.records import GoalFactory, PersonalRecordFactory
from factories.workouts import BenchmarkTestFactory, WorkoutLogFactory
from hyrox_schema.impersonation import anon_claims, athlete_claims, service_claims
from tests.support import access_matrix as spec
from tests.support import edges
from tests.tables import athlete_tables, declaration, declarations


@dataclass(frozen=True)
class Person:
    """A signed-in user (maybe anonymous), with an athlete profile unless a newcomer."""

    user: Row
    profile: Row | None
    anonymous: bool = False

    @property
    def athlete_id(self) -> UUID:
        """The profile id (the value of athlete_id on the person's rows)."""
        assert self.profile is not None, "a newcomer has no profile"
        return self.profile["id"]

    @property
    def claims(self) -> dict[str, Any]:
        """The JWT claims PostgREST would set for this person's requests."""
        return athlete_claims(
            self.user["id"], email=self.user["email"] or "", is_anonymous=self.anonymous
        )


def new_person(*, anonymous: bool = False, with_profile: bool = True) -> Person:
    """A new auth user (GoTrue-shaped; anonymous sign-ins have no email) and maybe a profile."""
    if anonymous:
        user = AuthUserFactory(
            email=None,
            is_anonymous=True,
            raw_app_meta_data={},
            email_confirmed_at=None,
            created_at="2025-10-01 00:00:00+00",
            updated_at="2025-10-01 00:00:00+00",
        )
    else:
        user = AuthUserFactory()
    profile = AthleteFactory(user=user, minimal=anonymous) if with_profile else None
    return Person(user=user, profile=profile, anonymous=anonymous)


def make_row(table: str, athlete: Row) -> Row:
    """One new row of ``table`` owned by ``athlete`` (reference tables: any row), made as the
    table's declaration says (``make_row`` of tests/tables/<table>.py)."""
    return declaration(table).make_row(athlete)


def __getattr__(name: str) -> Any:  # noqa: ANN401 - module attributes, PEP 562
    """``ROW_MAKERS``: table -> maker, a view of the declarations."""
    if name == "ROW_MAKERS":
        return {t.name: t.make_row for t in declarations()}
    raise AttributeError(name)


def make_status_variants(table: str, athlete: Row, target: Row) -> list[Row]:
    """More rows of ``table`` owned by ``athlete``, one per value of each status-like
    vocabulary (read from the committed contract) the target row does not have, so a policy
    that lets a status through (``or status = 'completed'``) meets a row it opens."""
    shape = edges.contract_shape(f"public.{table}")
    variants = []
    for column, values in edges.status_vocabularies(shape).items():
        for value in values:
            if value == target[column]:
                continue
            row = make_row(table, athlete)
            if not edges.set_value(connection(), shape, row["id"], column, value):
                raise AssertionError(f"cannot make a {table} row with {column} = {value!r}")
            variants.append(row)
    return variants


@dataclass(frozen=True)
class Graph:
    """One row in every athlete-owned table, every optional link to athlete data filled."""

    athlete: Row
    rows: Mapping[str, Row]

    def __getitem__(self, table: str) -> Row:
        """The graph's row of ``table``."""
        return self.rows[table]


def lean_graph(athlete: Row) -> Graph:
    """A small but complete graph: the plan comes from the chat, the log fulfils the day.

    workout_logs.training_plan_day_id / training_plan_days.linked_workout_log_id,
    workout_logs.conversation_id and training_plans.source_conversation_id are all set,
    so every foreign key into athlete data has a real row behind it.
    """
    conversation = ConversationFactory(athlete=athlete)
    message = MessageFactory(conversation=conversation)
    plan = TrainingPlanFactory(athlete=athlete, source_conversation=conversation)
    week = TrainingPlanWeekFactory(plan=plan, week_number=1)
    day = TrainingPlanDayFactory(week=week, day_of_week=1)
    log = WorkoutLogFactory(plan_day=day, conversation=conversation)
    race = RaceResultFactory(athlete=athlete)
    rows = {
        "athlete_profiles": athlete,
        "conversations": conversation,
        "messages": message,
        "training_plans": plan,
        "training_plan_weeks": week,
        "training_plan_days": day,
        "workout_logs": log,
        "benchmark_tests": BenchmarkTestFactory(athlete=athlete),
        "race_results": race,
        "race_splits": RaceSplitFactory(race=race, split_number=1),
        "personal_records": PersonalRecordFactory(athlete=athlete),
        "goals": GoalFactory(athlete=athlete),
        "athlete_achievements": AthleteAchievementFactory(athlete=athlete),
    }
    for table in athlete_tables():  # a table added since: a row as its declaration makes it
        if table.name not in rows:
            rows[table.name] = table.make_row(athlete)
    return Graph(athlete=athlete, rows=rows)


@dataclass(frozen=True)
class Cast:
    """The people of a matrix cell; which one acts and whose row is the target depend on the actor.

    ``victim`` is a regular athlete who owns the target row of every stranger
    cell; ``anonymous`` (an anonymous sign-in) owns the target of the
    ``anonymous_owner`` cells and is the stranger of ``anonymous_stranger``.
    """

    victim: Person
    other: Person
    anonymous: Person
    newcomer: Person

    def person(self, actor: spec.Actor) -> Person | None:
        """The signed-in person behind ``actor`` (None for the anon and service keys)."""
        return {
            "owner": self.victim,
            "anonymous_owner": self.anonymous,
            "other_athlete": self.other,
            "anonymous_stranger": self.anonymous,
            "newcomer": self.newcomer,
        }.get(actor.name)

    def claims(self, actor: spec.Actor) -> dict[str, Any]:
        """The JWT claims of ``actor``'s request."""
        if actor.role == "anon":
            return anon_claims()
        if actor.role == "service_role":
            return service_claims()
        person = self.person(actor)
        assert person is not None
        return person.claims

    def target_owner(self, actor: spec.Actor) -> Person:
        """Who owns the row ``actor`` acts on: owner actors themselves, else the victim."""
        if actor.owns_target:
            person = self.person(actor)
            assert person is not None
            return person
        return self.victim


def new_cast() -> Cast:
    """Four new people: two regular athletes, an anonymous sign-in athlete, a newcomer."""
    return Cast(
        victim=new_person(),
        other=new_person(),
        anonymous=new_person(anonymous=True),
        newcomer=new_person(with_profile=False),
    )
