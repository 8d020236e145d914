"""Columns a client must not set stay the backend's (design 3.6 "Who writes what").

Assistant messages and their model metadata, message content after posting,
earned achievements and the derived plan-day completion are written by the
backend or the database, never by an athlete's request. Each forgery is
paired with the legitimate write it imitates: the athlete's own version
succeeds, and the service role can write the forged value.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
import pytest
from psycopg.rows import DictRow

from factories.achievements import AthleteAchievementFactory
from factories.chat import ConversationFactory, MessageFactory
from factories.plans import TrainingPlanDayFactory
from factories.reference import AchievementDefinitionFactory
from factories.workouts import WorkoutLogFactory
from hyrox_schema import catalog
from hyrox_schema.impersonation import service_claims
from tests.rls import actions
from tests.rls.rows import Cast
from tests.support import access_matrix as spec

Connection = psycopg.Connection[DictRow]
Outcome = spec.Outcome
MESSAGES = spec.TABLES_BY_NAME["messages"]


def user_message_record(conn: Connection, cast: Cast) -> dict[str, Any]:
    """A user message in the victim's own conversation, as a record to insert."""
    conversation = ConversationFactory(athlete=cast.victim.profile)
    row = MessageFactory(conversation=conversation)
    return actions.take_out(conn, "messages", row["id"])


def test_athlete_cannot_post_an_assistant_message(factories_bound: Connection, cast: Cast):
    """role = 'assistant' is the backend's; the same message as role 'user' is accepted."""
    record = user_message_record(factories_bound, cast)
    forged = {**record, "role": "assistant"}

    forgery = actions.attempt(
        factories_bound, cast.victim.claims, actions.insert_record("messages", forged)
    )
    honest = actions.attempt(
        factories_bound, cast.victim.claims, actions.insert_record("messages", record)
    )

    assert forgery.current_user == "authenticated"
    assert forgery.outcome("messages") == Outcome.RLS_DENIED
    assert honest.outcome("messages") == Outcome.ALLOWED


@pytest.mark.parametrize("column", spec.MESSAGE_ASSISTANT_ONLY_COLUMNS)
def test_athlete_cannot_forge_model_metadata(factories_bound: Connection, cast: Cast, column: str):
    """An assistant-only column set by the athlete is refused by the insert policy.

    The forged row is a valid assistant message (the check constraint accepts
    it): the service role inserts it, so only the policy stands in the way.
    """
    record = user_message_record(factories_bound, cast)
    forged = {
        **record,
        "role": "assistant",
        column: spec.MESSAGE_ASSISTANT_ONLY_COLUMNS[column],
    }

    forgery = actions.attempt(
        factories_bound, cast.victim.claims, actions.insert_record("messages", forged)
    )
    backend = actions.attempt(
        factories_bound, service_claims(), actions.insert_record("messages", forged)
    )

    assert forgery.current_user == "authenticated"
    assert forgery.outcome("messages") == Outcome.RLS_DENIED
    assert backend.outcome("messages") == Outcome.ALLOWED


@pytest.mark.parametrize("column", spec.MESSAGE_ASSISTANT_ONLY_COLUMNS)
def test_user_message_cannot_carry_model_metadata(
    factories_bound: Connection, cast: Cast, column: str
):
    """The same columns on a role 'user' message are refused by the assistant-only check."""
    record = user_message_record(factories_bound, cast)
    forged = {**record, column: spec.MESSAGE_ASSISTANT_ONLY_COLUMNS[column]}

    forgery = actions.attempt(
        factories_bound, cast.victim.claims, actions.insert_record("messages", forged)
    )

    assert forgery.current_user == "authenticated"
    assert forgery.sqlstate == "23514"
    assert forgery.error is not None
    assert forgery.error.diag.constraint_name == "messages_assistant_only_fields_check"


def test_messages_columns_an_athlete_may_update_are_exactly_pinned_and_feedback(conn: Connection):
    """The catalog's column grants match the spec (a new column is not silently editable)."""
    columns = [c.name for c in catalog.columns(conn, "messages")]
    rows = conn.execute(
        "select c as column_name from unnest(%s::text[]) as c"
        " where has_column_privilege('authenticated', 'public.messages', c, 'UPDATE')",
        (columns,),
    ).fetchall()
    assert {row["column_name"] for row in rows} == spec.CLIENT_UPDATE_COLUMNS["messages"]


@pytest.mark.parametrize(
    "column",
    [
        "id",
        "conversation_id",
        "athlete_id",
        "role",
        "content",
        *[c for c in spec.MESSAGE_ASSISTANT_ONLY_COLUMNS if c != "feedback"],
        "created_at",
        "updated_at",
    ],
)
def test_athlete_cannot_rewrite_a_message(factories_bound: Connection, cast: Cast, column: str):
    """Every messages column but pinned and feedback is 'permission denied' for the owner."""
    conversation = ConversationFactory(athlete=cast.victim.profile)
    reply = MessageFactory(conversation=conversation, assistant=True)
    before = actions.snapshot(factories_bound, "messages", reply["id"])
    assert before is not None
    value = {
        "id": "00000000-0000-4000-8000-000000000000",
        "conversation_id": str(ConversationFactory(athlete=cast.victim.profile)["id"]),
        "athlete_id": str(cast.victim.athlete_id),
        "role": "user",
        "content": "I never said that",
        "created_at": "2020-01-01T00:00:00+00:00",
        "updated_at": "2020-01-01T00:00:00+00:00",
        **spec.MESSAGE_ASSISTANT_ONLY_COLUMNS,
    }[column]

    forgery = actions.attempt(
        factories_bound,
        cast.victim.claims,
        actions.update_row("messages", reply["id"], {column: value}),
    )
    pin = actions.attempt(
        factories_bound,
        cast.victim.claims,
        actions.update_row("messages", reply["id"], {"pinned": True}),
    )

    assert forgery.current_user == "authenticated"
    assert forgery.outcome("messages") == Outcome.NO_GRANT
    assert pin.outcome("messages") == Outcome.ALLOWED
    after = actions.snapshot(factories_bound, "messages", reply["id"])
    assert after == {**before, "pinned": True, "updated_at": after["updated_at"]}


def test_athlete_rates_assistant_messages_only(factories_bound: Connection, cast: Cast):
    """Feedback is accepted on the coach's reply and refused (check constraint) on one's own."""
    conversation = ConversationFactory(athlete=cast.victim.profile)
    question = MessageFactory(conversation=conversation)
    reply = MessageFactory(conversation=conversation, assistant=True)

    on_reply = actions.attempt(
        factories_bound,
        cast.victim.claims,
        actions.update_row("messages", reply["id"], {"feedback": "thumbs_down"}),
    )
    on_question = actions.attempt(
        factories_bound,
        cast.victim.claims,
        actions.update_row("messages", question["id"], {"feedback": "thumbs_down"}),
    )

    assert on_reply.outcome("messages") == Outcome.ALLOWED
    assert on_question.sqlstate == "23514"
    assert on_question.error is not None
    assert on_question.error.diag.constraint_name == "messages_assistant_only_fields_check"


@pytest.mark.parametrize("claims_of", ["own", "another_athlete"])
def test_athlete_cannot_award_an_achievement(
    factories_bound: Connection, cast: Cast, claims_of: str
):
    """Earned achievements are the backend's: no insert grant, whoever the recipient."""
    definition = AchievementDefinitionFactory()
    recipient = cast.victim if claims_of == "own" else cast.other
    record = {
        "id": "5f0e0c52-3b1f-4d7e-9a57-2f1d9c6b8e01",
        "athlete_id": str(recipient.athlete_id),
        "achievement_id": str(definition["id"]),
        "context": {"race_result_id": "forged"},
    }

    forgery = actions.attempt(
        factories_bound, cast.victim.claims, actions.insert_record("athlete_achievements", record)
    )
    award = actions.attempt(
        factories_bound, service_claims(), actions.insert_record("athlete_achievements", record)
    )

    assert forgery.current_user == "authenticated"
    assert forgery.outcome("athlete_achievements") == Outcome.NO_GRANT
    assert award.outcome("athlete_achievements") == Outcome.ALLOWED


def test_athlete_cannot_backdate_an_earned_achievement(factories_bound: Connection, cast: Cast):
    """earned_at cannot be edited by the athlete (no update grant)."""
    earned = AthleteAchievementFactory(athlete=cast.victim.profile)
    before = actions.snapshot(factories_bound, "athlete_achievements", earned["id"])

    forgery = actions.attempt(
        factories_bound,
        cast.victim.claims,
        actions.update_row(
            "athlete_achievements", earned["id"], {"earned_at": "2020-01-01T00:00:00+00:00"}
        ),
    )

    assert forgery.outcome("athlete_achievements") == Outcome.NO_GRANT
    assert actions.snapshot(factories_bound, "athlete_achievements", earned["id"]) == before


@pytest.mark.parametrize("command", [spec.Command.INSERT, spec.Command.UPDATE])
def test_athlete_cannot_mark_a_plan_day_completed(
    factories_bound: Connection, cast: Cast, command: spec.Command
):
    """is_completed is derived from a linked log: a client's true is ignored without one."""
    conn = factories_bound
    day = TrainingPlanDayFactory(week__plan__athlete=cast.victim.profile)
    if command is spec.Command.INSERT:
        record = actions.take_out(conn, "training_plan_days", day["id"])
        statement = actions.insert_record("training_plan_days", {**record, "is_completed": True})
    else:
        statement = actions.update_row("training_plan_days", day["id"], {"is_completed": True})

    forged = actions.attempt(conn, cast.victim.claims, statement)

    assert forged.outcome("training_plan_days") == Outcome.ALLOWED
    assert actions.snapshot(conn, "training_plan_days", day["id"])["is_completed"] is False
    WorkoutLogFactory(plan_day=actions.snapshot(conn, "training_plan_days", day["id"]))
    assert actions.snapshot(conn, "training_plan_days", day["id"])["is_completed"] is True


@pytest.mark.parametrize("command", [spec.Command.INSERT, spec.Command.UPDATE])
def test_athlete_cannot_reschedule_a_plan_day_directly(
    factories_bound: Connection, cast: Cast, command: spec.Command
):
    """scheduled_date is derived from the plan and week: a client's date is replaced."""
    conn = factories_bound
    day = TrainingPlanDayFactory(week__plan__athlete=cast.victim.profile)
    scheduled = day["scheduled_date"]
    assert scheduled is not None
    derived = scheduled.isoformat()  # snapshots show rows as to_jsonb does
    forged_date = (scheduled + timedelta(days=30)).isoformat()
    if command is spec.Command.INSERT:
        record = actions.take_out(conn, "training_plan_days", day["id"])
        statement = actions.insert_record(
            "training_plan_days", {**record, "scheduled_date": forged_date}
        )
    else:
        statement = actions.update_row(
            "training_plan_days", day["id"], {"scheduled_date": forged_date}
        )

    forged = actions.attempt(conn, cast.victim.claims, statement)

    assert forged.outcome("training_plan_days") == Outcome.ALLOWED
    assert actions.snapshot(conn, "training_plan_days", day["id"])["scheduled_date"] == derived
