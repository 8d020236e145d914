"""Every object an API role can reach is judged: views, materialized views, functions,
extensions, and tables outside ``public``.

Reachable means in a schema PostgREST serves (tests/support/api_surface.EXPOSED_SCHEMAS) or
one anon or authenticated has USAGE on (``private`` here), Supabase's own schemas aside. Each
judgement is a function returning its findings, each naming the object and the fix; each runs
on the migrated schema (expect none) and on a deliberately bad object created in the test's
rolled-back transaction (expect it named), and the migration gate runs them on every sample
(tests/test_migration_samples.py). They carry on the Database Advisor's lints 0010
security_definer_view, 0016 materialized_view_in_api, 0014 extension_in_public and 0028/0029
security_definer_function_executable (tests/rls/test_advisor.py has the others):

* a view clients can read must be ``security_invoker`` (else it reads as its owner: no RLS);
* no materialized view clients can read (it has no RLS at all);
* a function clients may execute is declared in tests/support/api_surface.API_FUNCTIONS;
  a ``security definer`` one pins ``search_path``, names its owner filter there, and, called
  as each of several athletes with generated arguments, returns none of another's rows;
* no extension in an exposed schema;
* a table clients can reach outside ``public`` has RLS on (``public``'s: the access matrix).
"""

from __future__ import annotations

import pytest

from hyrox_schema.upgrade import Owner
from tests.rls.rows import lean_graph, new_person
from tests.support.api_reachability import (
    CHECKS,
    Conn,
    client_functions,
    definer_functions_returning_others_rows,
    definer_row_proofs,
    reachable_schemas,
    safe_search_path,
    views_without_security_invoker,
)
from tests.support.api_surface import API_FUNCTIONS

VIOLATIONS: dict[str, tuple[str, str]] = {
    "view security invoker": (
        "create view public.probe_logs as select id, athlete_id from public.workout_logs",
        "public.probe_logs",
    ),
    "materialized view readable": (
        "create materialized view public.probe_totals as"
        " select athlete_id, count(*) as n from public.workout_logs group by 1",
        "public.probe_totals",
    ),
    "extension in exposed schema": (
        "create extension pg_trgm with schema public",
        "extension pg_trgm in public",
    ),
    "table without rls outside public": (
        """
        create schema probe_api;
        grant usage on schema probe_api to authenticated;
        create table probe_api.notes (id int primary key, note text);
        grant select on probe_api.notes to authenticated;
        """,
        "probe_api.notes",
    ),
    "function execute declared": (
        "create function public.probe_rpc() returns int language sql as 'select 1'",
        "public.probe_rpc()",
    ),
    "definer search_path pinned": (
        """
        create function private.probe_rpc() returns int language sql security definer
          set search_path = public, pg_temp as 'select 1';
        grant execute on function private.probe_rpc() to authenticated;
        """,
        "private.probe_rpc()",
    ),
    "definer owner filter declared": (
        """
        create function public.probe_rpc() returns int language sql security definer
          set search_path = '' as 'select 1';
        """,
        "public.probe_rpc()",
    ),
}


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_api_reachable_objects_pass(conn: Conn, check: str):
    """The migrated schema has nothing this judgement reports."""
    assert CHECKS[check](conn) == []


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_judgement_names_a_bad_object(conn: Conn, check: str):
    """A deliberately bad object is reported by name (so an empty report means something)."""
    ddl, name = VIOLATIONS[check]
    with conn.transaction(force_rollback=True):
        conn.execute(ddl)  # type: ignore[arg-type]  # fixed probe DDL, no input
        findings = CHECKS[check](conn)
    assert findings
    assert all(name in finding for finding in findings), findings


def test_the_judged_schemas_are_the_exposed_ones_and_private(conn: Conn):
    """public (served) and private (authenticated has USAGE, design 5.1) are judged; Supabase's
    own schemas are not (graphql_public is judged where the engine has it)."""
    assert [s for s in reachable_schemas(conn) if s != "graphql_public"] == ["private", "public"]


def test_a_definer_view_over_private_is_judged_too(conn: Conn):
    """A view in a schema clients only have USAGE on is judged like one in public."""
    with conn.transaction(force_rollback=True):
        conn.execute(
            "create view private.probe_logs as select id from public.workout_logs;"
            " grant select on private.probe_logs to authenticated"
        )
        findings = views_without_security_invoker(conn)
    assert [f.split(":")[0] for f in findings] == ["private.probe_logs"]


def test_a_security_invoker_view_is_accepted(conn: Conn):
    """The fix the message names passes: the same view with security_invoker."""
    with conn.transaction(force_rollback=True):
        conn.execute(
            "create view public.probe_logs with (security_invoker = on) as"
            " select id, athlete_id from public.workout_logs"
        )
        assert views_without_security_invoker(conn) == []


@pytest.mark.parametrize(
    ("search_path", "safe"),
    [
        ('search_path=""', True),
        ("search_path=extensions, pg_temp", True),
        ("search_path=extensions", False),
        ("search_path=pg_temp, extensions", False),
        ("search_path=public, pg_temp", False),
        ('search_path="$user", extensions, pg_temp', False),
    ],
)
def test_a_definer_search_path_is_safe_only_when_fixed(search_path: str, safe: bool):
    """'' or fixed schemas with pg_temp last; never public, "$user", or pg_temp first."""
    assert safe_search_path([search_path]) is safe


# --------------------------------------------------------------------------- the row proof


@pytest.fixture
def athletes(factories_bound: Conn) -> list[Owner]:
    """Two athletes, each with a row in every athlete table."""
    people = [new_person(), new_person()]
    for person in people:
        assert person.profile is not None
        lean_graph(person.profile)
    return [Owner(p.user["id"], p.athlete_id) for p in people]


def test_definer_functions_return_only_the_callers_rows(conn: Conn, athletes: list[Owner]):
    """Called as each of two athletes, every client-callable definer function returns none of
    the other's rows; the identity helper is among those proven."""
    proofs = definer_row_proofs(conn, athletes)
    assert proofs.get("private.current_athlete_id()") == []
    assert definer_functions_returning_others_rows(conn, athletes) == []


def test_a_definer_function_returning_every_athletes_rows_is_caught(
    conn: Conn, athletes: list[Owner]
):
    """A definer RPC over workout_logs with no owner filter is reported for each athlete and
    anon, naming the athlete whose rows came back."""
    with conn.transaction(force_rollback=True):
        conn.execute(
            "create function public.probe_all_logs(p_athlete uuid default null)"
            " returns setof public.workout_logs language sql stable security definer"
            " set search_path = '' as 'select * from public.workout_logs'"
        )
        findings = definer_functions_returning_others_rows(conn, athletes)
    a, b = (str(o.athlete_id) for o in athletes)
    pairs = {
        (f.split(" as ")[1].split(" it ")[0], f.split("rows of athlete ")[1].split(":")[0])
        for f in findings
    }
    assert pairs == {(f"athlete {a}", b), (f"athlete {b}", a), ("anon", a), ("anon", b)}
    assert all(f.startswith("public.probe_all_logs(uuid): as ") for f in findings)


def test_a_definer_function_reading_the_athlete_it_is_given_is_caught(
    conn: Conn, athletes: list[Owner]
):
    """The uuid argument is another athlete's id: a filter on the argument is a leak."""
    with conn.transaction(force_rollback=True):
        conn.execute(
            "create function public.probe_logs_of(p_athlete uuid)"
            " returns setof public.workout_logs language sql stable security definer"
            " set search_path = ''"
            " as 'select * from public.workout_logs where athlete_id = p_athlete'"
        )
        findings = definer_functions_returning_others_rows(conn, athletes)
    assert {f.split(":")[0] for f in findings} == {"public.probe_logs_of(uuid)"}


# --------------------------------------------------------------------------- the declaration


def test_every_declared_function_exists(conn: Conn):
    """Each declaration (Supabase's own aside) names a function the schema has."""
    present = {f["signature"] for f in client_functions(conn)}
    assert [
        f.signature for f in API_FUNCTIONS if not f.platform and f.signature not in present
    ] == []


def test_the_pre_existing_rpcs_are_declared_as_the_brief_has_them():
    """hybrid_search_chunks and match_chunks: invoker, over the public corpus, for clients."""
    rpcs = [f for f in API_FUNCTIONS if "_chunks(" in f.signature]
    assert len(rpcs) == 2
    for rpc in rpcs:
        assert (rpc.security, rpc.reads, rpc.roles) == (
            "invoker",
            "the public corpus",
            frozenset({"anon", "authenticated"}),
        )


def test_every_declared_definer_names_its_owner_filter():
    """A definer declaration without an owner filter would let any definer function through."""
    assert [
        f.signature for f in API_FUNCTIONS if f.security == "definer" and not f.owner_filter
    ] == []
