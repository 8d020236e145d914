"""private.current_athlete_id() runs with definer rights: it must answer only "who am I".

Design 5.1: the helper is `security definer` so that it reads the caller's profile
without re-applying the profile policy (one JWT parse instead of two). Definer rights
bypass RLS inside it, so these tests pin down that it still returns nothing but the
caller's own profile id, whoever calls it.
"""

from __future__ import annotations

import psycopg
from psycopg.rows import DictRow

from hyrox_schema.impersonation import acting_as, service_claims
from tests.rls.rows import Cast

Connection = psycopg.Connection[DictRow]

WHO = "select private.current_athlete_id() as id"


def test_returns_the_callers_own_profile(factories_bound: Connection, cast: Cast):
    """Each athlete gets their own profile id, never another's."""
    for person in (cast.victim, cast.other):
        with acting_as(factories_bound, person.claims) as conn:
            assert conn.execute(WHO).fetchone() == {"id": person.athlete_id}


def test_is_null_without_a_profile(factories_bound: Connection, cast: Cast):
    """A signed-in user with no profile yet gets NULL, not somebody's id."""
    with acting_as(factories_bound, cast.newcomer.claims) as conn:
        assert conn.execute(WHO).fetchone() == {"id": None}


def test_is_null_for_the_service_key(factories_bound: Connection, cast: Cast):
    """The service role (no sub claim) is nobody's athlete: definer rights add no profile."""
    with acting_as(factories_bound, service_claims()) as conn:
        assert conn.execute(WHO).fetchone() == {"id": None}


def test_definer_rights_are_the_profile_tables_owner(factories_bound: Connection):
    """The helper runs as the owner of athlete_profiles: no rights beyond that table's owner."""
    row = factories_bound.execute(
        "select p.proowner = c.relowner as same_owner, p.prosecdef as definer"
        " from pg_proc as p, pg_class as c"
        " where p.oid = 'private.current_athlete_id()'::regprocedure"
        " and c.oid = 'public.athlete_profiles'::regclass"
    ).fetchone()
    assert row == {"same_owner": True, "definer": True}
