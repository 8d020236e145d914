"""A column that decides access is not writable by the ones it decides for (issue 18, item 2).

For every policy of an exposed schema, each clause (USING, WITH CHECK) that is not bounded by
the owner test reaches rows of other owners; every column it reads, directly, in a subquery or
through a function it calls, is *access-deciding* (owner keys and primary keys aside:
tests/support/policy_reads.py). No role that policy serves (its ``to`` roles, PUBLIC meaning
anon and authenticated; a BYPASSRLS role is served by no policy) may write such a column:

* not through a grant: INSERT or UPDATE on the table or the column (``has_column_privilege``);
* not through a ``security definer`` function it may execute (any schema; what it calls is
  followed) whose body writes the column: ``update``/``insert into``/``merge into`` the table
  and the column named (a conservative textual rule; an insert without a column list writes
  every column). A security invoker function writes with the caller's grants: the first path;
* not through a trigger on a table it may write: a BEFORE trigger of the column's table that
  assigns ``new.<column>`` (column grants do not cover what a trigger sets), or a definer
  trigger function that writes the column as above;

unless tests/support/access_deciding.py declares who writes it and why. The rule is proved on
the migrated schema (nothing to report) and on deliberate designs created in the rolled-back
test transaction (each violation caught, each correct design accepted). The issue's coach
feature is a migration sample judged by the gate (tests/test_migration_samples.py):
002_coach_reads_every_profile.sql is rejected (self-promotion) even with the two expectation
lines its first red run asked for; 002_coach_reads_every_profile_granted.sql is accepted.
"""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import DictRow

from hyrox_schema import catalog
from tests.support import access_deciding, policy_reads
from tests.support.access_deciding_checks import (
    DECLARATIONS,
    decisions,
    stale_declarations,
    widening_clauses,
    writable_access_deciding_columns,
)
from tests.support.access_matrix import TABLES, Kind
from tests.support.api_surface import EXPOSED_SCHEMAS
from tests.support.policy_reads import Column

Connection = psycopg.Connection[DictRow]


def test_no_access_deciding_column_is_writable_by_the_roles_it_decides_for(conn: Connection):
    """Migration 001 (and every later one): nothing to report."""
    assert writable_access_deciding_columns(conn) == []


OWNER_ID = "( SELECT private.current_athlete_id() AS current_athlete_id)"
USER_ID = "( SELECT auth.uid() AS uid)"
# expression as pg_policies prints it, on public.goals -> bounded by the owner test?
REACH: dict[str, bool] = {
    f"(athlete_id = {OWNER_ID})": True,  # 001, every athlete table
    f"(user_id = {USER_ID})": True,  # 001, athlete_profiles
    f"((athlete_id = {OWNER_ID}) AND (role = 'user'::text))": True,  # 001, messages insert
    f"((athlete_id = {OWNER_ID}) AND (deleted_at IS NULL))": True,  # soft delete narrows
    f"({OWNER_ID} = goals.athlete_id)": True,  # either side, qualified by its own table
    "(user_id = auth.uid())": True,  # bare call: the Advisor's initplan lint, not this rule
    "true": False,  # reference tables: everyone reads
    f"((athlete_id = {OWNER_ID}) OR is_public)": False,
    f"((athlete_id = {OWNER_ID}) OR ( SELECT private.is_coach() AS is_coach))": False,
    f"(athlete_id = {USER_ID})": False,  # a profile id is not a user id
    f"(athlete_id <> {OWNER_ID})": False,
    f"(other.athlete_id = {OWNER_ID})": False,  # another relation's key
    "(athlete_id = ( SELECT p.id FROM public.athlete_profiles p WHERE p.is_coach))": False,
    "(deleted_at IS NULL)": False,
}


@pytest.mark.parametrize("expression", REACH, ids=str)
def test_a_clause_is_bounded_only_by_the_owner_test(expression: str):
    """Only a top-level conjunct ``<owner key> = <its identity function>`` keeps a clause to the
    owner's rows (design 5.1); anything else reaches other owners' rows."""
    assert policy_reads.owner_bounded(expression, "goals") is REACH[expression]


def test_the_reference_read_policies_reach_beyond_the_owner(conn: Connection):
    """Everyone reads the reference tables (the access matrix): their read policies are found
    reaching beyond the owner, and read no column (``true``), so decide through none."""
    widening = {(policy.table, policy.name) for _, policy, _, _ in widening_clauses(conn)}
    reference = {
        (table.name, policy.name)
        for table in TABLES
        if table.kind is Kind.REFERENCE
        for policy in table.policies
    }
    assert widening >= reference
    schema = policy_reads.load_schema(conn)
    assert [
        d for d in decisions(conn, schema) if (d.policy.table, d.policy.name) in reference
    ] == []


def test_policy_reads_cover_every_column_postgresql_records(conn: Connection):
    """For each policy, the parser resolves at least the columns PostgreSQL records in pg_depend
    for its expressions (so it cannot miss a column the policy reads), and pg_depend records
    some (so the comparison is not empty)."""
    schema = policy_reads.load_schema(conn)
    recorded: dict[tuple[str, str], set[Column]] = {}
    for row in conn.execute(
        """
        select pc.relname as table, pol.polname as policy,
               rn.nspname as ref_schema, rc.relname as ref_table, a.attname as ref_column
        from pg_depend as d
        join pg_policy as pol on pol.oid = d.objid
        join pg_class as pc on pc.oid = pol.polrelid
        join pg_namespace as pn on pn.oid = pc.relnamespace
        join pg_class as rc on rc.oid = d.refobjid
        join pg_namespace as rn on rn.oid = rc.relnamespace
        join pg_attribute as a on a.attrelid = rc.oid and a.attnum = d.refobjsubid
        where d.classid = 'pg_policy'::regclass and d.refclassid = 'pg_class'::regclass
          and d.refobjsubid > 0 and pn.nspname = any(%s)
        """,
        (list(EXPOSED_SCHEMAS),),
    ):
        recorded.setdefault((row["table"], row["policy"]), set()).add(
            (row["ref_schema"], row["ref_table"], row["ref_column"])
        )
    assert len(recorded) >= 40
    missed = {}
    for name in EXPOSED_SCHEMAS:
        for policy in catalog.policies(conn, schema=name):
            trees = [
                policy_reads.parse_expression(e) for e in (policy.qual, policy.with_check) if e
            ]
            parsed = policy_reads.reads_of(trees, schema, scope=[(name, policy.table)]).columns
            if recorded.get((policy.table, policy.name), set()) - parsed:
                missed[policy.name] = recorded[(policy.table, policy.name)] - parsed
    assert missed == {}


def test_every_declaration_names_an_access_deciding_column(conn: Connection):
    """No stale entry in the declarations (a renamed or dropped column, a narrowed policy)."""
    assert stale_declarations(conn, access_deciding.DECLARED_WRITERS) == []


# --- the rule can fail: deliberate violations, rolled back -----------------------------------

COACH_FLAG = """
    alter table public.athlete_profiles add column probe_coach boolean not null default false;
    create function private.probe_is_coach() returns boolean
      language sql stable security definer set search_path = '' as $$
        select coalesce((select p.probe_coach from public.athlete_profiles as p
                         where p.user_id = (select auth.uid())), false) $$;
    revoke all on function private.probe_is_coach() from public;
    grant execute on function private.probe_is_coach() to authenticated;
    alter policy "athletes can read their own profile" on public.athlete_profiles
      using (user_id = (select auth.uid()) or (select private.probe_is_coach()));
"""
OPEN_COACH_FLAG = "grant insert, update on public.athlete_profiles to authenticated;"
"""001's grants, stated: the probes must not depend on what a later migration grants."""
OPEN_GOALS = "grant insert, update on public.goals to authenticated;"
CLOSE_COACH_FLAG = """
    revoke insert, update on public.athlete_profiles from authenticated;
    grant insert (user_id, display_name), update (display_name)
      on public.athlete_profiles to authenticated;
"""
READ_POLICY = '"athletes can read their own profile" on public.athlete_profiles'

# case -> (DDL run in the test's transaction, in order; what every finding names, empty: nothing
# reported)
CASES: dict[str, tuple[tuple[str, ...], list[str]]] = {
    "coach flag writable by the table grant": (
        (COACH_FLAG, OPEN_COACH_FLAG),
        ["public.athlete_profiles.probe_coach: ", READ_POLICY, "UPDATE grant to authenticated"],
    ),
    "coach flag writable by no client": ((COACH_FLAG, CLOSE_COACH_FLAG), []),
    "coach flag granted by column": (
        (
            COACH_FLAG,
            CLOSE_COACH_FLAG,
            "grant update (probe_coach) on public.athlete_profiles to authenticated;",
        ),
        ["public.athlete_profiles.probe_coach: ", "UPDATE grant to authenticated"],
    ),
    "coach flag set by a definer rpc": (
        (
            COACH_FLAG,
            CLOSE_COACH_FLAG,
            """
            create function public.probe_become_coach() returns void language sql
              security definer
              set search_path = '' as $$
                update public.athlete_profiles set probe_coach = true
                where user_id = (select auth.uid()) $$;
            revoke all on function public.probe_become_coach() from public;
            grant execute on function public.probe_become_coach() to authenticated;
            """,
        ),
        ["public.athlete_profiles.probe_coach: ", "public.probe_become_coach() executable"],
    ),
    "coach flag set by a rpc through a private helper": (
        (
            COACH_FLAG,
            CLOSE_COACH_FLAG,
            """
            create function private.probe_promote(target uuid) returns void language sql
              security invoker set search_path = '' as $$
                update public.athlete_profiles set probe_coach = true where id = target $$;
            create function public.probe_claim_coach() returns void language sql
              security definer set search_path = '' as $$
                select private.probe_promote(private.current_athlete_id()) $$;
            revoke all on function public.probe_claim_coach() from public;
            grant execute on function public.probe_claim_coach() to authenticated;
            """,
        ),
        ["public.athlete_profiles.probe_coach: ", "public.probe_claim_coach() executable"],
    ),
    "coach flag set by a before trigger": (
        (
            COACH_FLAG,
            CLOSE_COACH_FLAG,
            """
            create function private.probe_coach_by_name() returns trigger language plpgsql
              set search_path = '' as $$
              begin
                new.probe_coach := new.display_name like 'Coach %';
                return new;
              end $$;
            create trigger athlete_profiles_probe_coach_by_name
              before update on public.athlete_profiles
              for each row execute function private.probe_coach_by_name();
            """,
        ),
        ["public.athlete_profiles.probe_coach: ", "trigger athlete_profiles_probe_coach_by_name"],
    ),
    "coach flag read through a subquery of another table": (
        (
            """
            alter table public.athlete_profiles
              add column probe_coach boolean not null default false;
            alter policy "athletes can read their own goals" on public.goals
              using (athlete_id = (select private.current_athlete_id())
                     or exists (select from public.athlete_profiles as p
                                where p.user_id = (select auth.uid()) and p.probe_coach));
            """,
            OPEN_COACH_FLAG,
        ),
        ["public.athlete_profiles.probe_coach: ", '"athletes can read their own goals"'],
    ),
    "reference rows filtered by a flag only the service writes": (
        (
            """
            alter table public.hyrox_stations add column probe_active boolean not null default true;
            alter policy "everyone can read hyrox stations" on public.hyrox_stations
              using (probe_active);
            """,
        ),
        [],
    ),
    "reference rows filtered by a flag a client writes": (
        (
            """
            alter table public.hyrox_stations add column probe_active boolean not null default true;
            alter policy "everyone can read hyrox stations" on public.hyrox_stations
              using (probe_active);
            grant update (probe_active) on public.hyrox_stations to anon;
            """,
        ),
        ["public.hyrox_stations.probe_active: ", "UPDATE grant to anon"],
    ),
    "soft delete narrows the owner's rows": (
        (
            """
            alter policy "athletes can read their own goals" on public.goals
              using (athlete_id = (select private.current_athlete_id()) and deleted_at is null);
            """,
        ),
        [],
    ),
    "soft delete as the whole policy": (
        (
            """
            alter policy "athletes can read their own goals" on public.goals
              using (deleted_at is null);
            """,
            OPEN_GOALS,
        ),
        ["public.goals.deleted_at: ", "using: (deleted_at IS NULL)"],
    ),
    "a public profile flag in an update policy": (
        (
            """
            alter table public.athlete_profiles
              add column probe_public boolean not null default false;
            alter policy "athletes can update their own profile" on public.athlete_profiles
              using (user_id = (select auth.uid()) or probe_public)
              with check (user_id = (select auth.uid()));
            """,
            OPEN_COACH_FLAG,
        ),
        ["public.athlete_profiles.probe_public: ", '"athletes can update their own profile"'],
    ),
    "a status that lets an athlete file goals for others": (
        (
            """
            alter policy "athletes can create their own goals" on public.goals
              with check (athlete_id = (select private.current_athlete_id())
                          or status = 'abandoned');
            """,
            OPEN_GOALS,
        ),
        ["public.goals.status: ", "with check: ((athlete_id = "],
    ),
}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_rule_judges_a_deliberate_design(conn: Connection, case: str):
    """Each design is reported exactly when a role the policy serves can write the column,
    naming the column, the policy and the path (what the schema reported before aside)."""
    ddl, names = CASES[case]
    before = set(writable_access_deciding_columns(conn))
    with conn.transaction(force_rollback=True):
        for statement in ddl:
            conn.execute(statement)  # type: ignore[arg-type]  # fixed probe DDL, no input
        findings = [f for f in writable_access_deciding_columns(conn) if f not in before]
    if not names:
        assert findings == []
    else:  # the first name is the column: what a probe opens may expose a later migration's too
        about = [finding for finding in findings if finding.startswith(names[0])]
        assert about != [], findings
        for name in names:
            assert all(name in finding for finding in about), (name, about)


def test_a_declared_writer_is_accepted(conn: Connection):
    """The coach flag left writable passes once declared; the declaration is then not stale."""
    declared = {("public.athlete_profiles", "probe_coach"): "test: a probe of the declaration"}
    with conn.transaction(force_rollback=True):
        conn.execute(COACH_FLAG)  # type: ignore[arg-type]  # fixed probe DDL, no input
        conn.execute(OPEN_COACH_FLAG)
        reported = writable_access_deciding_columns(conn)
        assert any(f.startswith("public.athlete_profiles.probe_coach: ") for f in reported)
        accepted = writable_access_deciding_columns(
            conn, {**access_deciding.DECLARED_WRITERS, **declared}
        )
        assert not any(f.startswith("public.athlete_profiles.probe_coach: ") for f in accepted)
        assert stale_declarations(conn, declared) == []


def test_a_stale_declaration_is_refused(conn: Connection):
    """A declaration of a column that decides nothing names itself and says to remove it."""
    declared = {("public.goals", "probe_nothing"): "nothing reads it in a policy"}
    assert stale_declarations(conn, declared) == [
        f"{DECLARATIONS}: DECLARED_WRITERS[('public.goals', 'probe_nothing')] names no "
        "access-deciding column: remove it"
    ]
