"""Deletions as production runs them: GoTrue's own login erases an account, the athlete's
request removes a plan, a week or a log — on every engine (design doc 5.3).

Up to PostgreSQL 17 an AFTER trigger queued by a referential action runs as the role of the
outer statement. An account deletion is GoTrue's ``delete from auth.users``, logged in as
``supabase_auth_admin``, which has no grant on ``public``; the cascade's ``set null`` of a
linked plan day or log queues the link triggers. These tests delete through that real login
(its own connection, never ``set role`` from another user), and the athlete's deletions
through the API role, on committed data, so every trigger and deferred check runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg.rows import DictRow

from factories import graphs
from hyrox_schema.impersonation import acting_as, athlete_claims
from tests.behaviour.helpers import assert_link_consistent, athlete_row_counts, count, fetch
from tests.support import athlete_data

Connection = psycopg.Connection[DictRow]

pytestmark = pytest.mark.commits


def _linked_days(conn: Connection, athlete_id: Any) -> int:  # noqa: ANN401 - a uuid
    row = conn.execute(
        "select count(*) as n from training_plan_days"
        " where athlete_id = %s and linked_workout_log_id is not null",
        (athlete_id,),
    ).fetchone()
    assert row is not None
    return int(row["n"])


def _gotrue(auth_admin_connect: Callable[..., Connection]) -> Connection:
    """GoTrue's connection: a real login as supabase_auth_admin, not a superuser."""
    gotrue = auth_admin_connect()
    who = gotrue.execute(
        "select session_user as login, current_user as role, rolsuper, rolbypassrls"
        " from pg_roles where rolname = current_user"
    ).fetchone()
    assert who == {
        "login": "supabase_auth_admin",
        "role": "supabase_auth_admin",
        "rolsuper": False,
        "rolbypassrls": False,
    }
    return gotrue


@pytest.mark.parametrize("plan_weeks", [1, 3], ids=["one-week-plan", "three-week-plan"])
def test_gotrue_erases_an_account_with_every_kind_of_data(
    db_factories_bound: Connection,
    auth_admin_connect: Callable[..., Connection],
    plan_weeks: int,
):
    """GoTrue's login deletes a user with rows in every athlete table, plan days linked to
    logs among them: every row of the athlete goes, a bystander's stay, no error."""
    db = db_factories_bound
    victim = athlete_data.populated_athlete(plan_weeks=plan_weeks).athlete
    bystander = athlete_data.populated_athlete().athlete
    before = athlete_row_counts(db, victim.id, victim.user_id)
    bystander_before = athlete_row_counts(db, bystander.id, bystander.user_id)
    assert all(n > 0 for n in before.values()), before  # every kind of data
    assert _linked_days(db, victim.id) > 0  # the links whose set null queues the triggers

    gotrue = _gotrue(auth_admin_connect)
    deleted = gotrue.execute("delete from auth.users where id = %s", (victim.user_id,))

    assert deleted.rowcount == 1
    assert athlete_row_counts(db, victim.id, victim.user_id) == dict.fromkeys(before, 0)
    assert athlete_row_counts(db, bystander.id, bystander.user_id) == bystander_before
    assert_link_consistent(db, bystander.id)


def test_gotrue_still_has_no_grant_on_athlete_data(
    db_factories_bound: Connection, auth_admin_connect: Callable[..., Connection]
):
    """The fix gave GoTrue nothing: as supabase_auth_admin, reading or deleting athlete
    rows directly is still refused (42501)."""
    athlete_data.populated_athlete()
    gotrue = _gotrue(auth_admin_connect)
    for statement in ("select count(*) from public.workout_logs", "delete from public.goals"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            gotrue.execute(statement)


DELETIONS = {
    "plan": ("training_plans", lambda plan: plan.plan.id),
    "week": ("training_plan_weeks", lambda plan: plan.weeks[0].id),
    "log": ("workout_logs", None),
}


@pytest.mark.parametrize("what", sorted(DELETIONS))
def test_the_athlete_deletes_a_plan_week_or_log_through_the_api(
    db_factories_bound: Connection, what: str
):
    """As the athlete (role authenticated, their JWT), deleting a linked plan, week or log
    commits; logs survive their days, days survive their logs, both sides agree."""
    db = db_factories_bound
    plan = graphs.athlete_with_plan(weeks=2)
    logs = graphs.training_history(plan, weeks_done=1)
    athlete = plan.athlete
    linked = [log for log in logs if log.training_plan_day_id is not None]
    assert linked, "the history must link logs to plan days"
    table, target = DELETIONS[what]
    row_id = linked[0].id if target is None else target(plan)

    with db.transaction(), acting_as(db, athlete_claims(athlete.user_id)):
        deleted = db.execute(f"delete from public.{table} where id = %s", (row_id,))  # noqa: S608 - a constant
        assert deleted.rowcount == 1

    assert fetch(db, table, row_id) is None
    if what == "log":
        day = fetch(db, "training_plan_days", linked[0].training_plan_day_id)
        assert day is not None
        assert (day["linked_workout_log_id"], day["is_completed"]) == (None, False)
        assert count(db, "workout_logs", athlete_id=athlete.id) == len(logs) - 1
    else:
        assert count(db, "workout_logs", athlete_id=athlete.id) == len(logs)  # history kept
        for log in linked:
            after = fetch(db, "workout_logs", log.id)
            assert after is not None
            if fetch(db, "training_plan_days", log.training_plan_day_id) is None:
                assert after["training_plan_day_id"] is None
    assert_link_consistent(db, athlete.id)
