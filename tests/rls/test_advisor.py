"""Supabase Database Advisor (splinter) lints that apply to this schema, as catalog tests.

Each lint is a small function returning its offenders; each is run against the
migrated schema (expect none) and against a deliberately bad object created in
the rolled-back test transaction (expect it to be caught), so a lint that
silently matches nothing cannot pass for a clean schema.

The lints about what an API role can reach (0010 security_definer_view, 0016
materialized_view_in_api, 0014 extension_in_public, 0028/0029
security_definer_function_executable) are judged, in a stricter form and for every
reachable schema, with the other API-reachable objects in
tests/rls/test_api_reachable_objects.py (the exposed schemas: tests/support/api_surface.py).
"""

from __future__ import annotations

import pytest

from hyrox_schema import catalog
from tests.support.advisor import LINTS, Connection

# A violation of each lint, created inside the test's rolled-back transaction.
PROBE_TABLE = """
    create table public.advisor_probe (
      id uuid primary key,
      owner_id uuid references public.athlete_profiles (id),
      note text
    );
    alter table public.advisor_probe enable row level security;
"""
VIOLATIONS: dict[str, str] = {
    "auth_rls_initplan": PROBE_TABLE
    + """
        create policy probe_bare on public.advisor_probe for select to authenticated
          using (owner_id = private.current_athlete_id() or id = auth.uid());
        create index on public.advisor_probe (owner_id);
    """,
    "multiple_permissive_policies": PROBE_TABLE
    + """
        create policy probe_a on public.advisor_probe for select to authenticated
          using (id = (select auth.uid()));
        create policy probe_b on public.advisor_probe for all to authenticated
          using (owner_id = (select private.current_athlete_id()));
    """,
    "policy_exists_rls_disabled": """
        create policy probe_unenforced on public.knowledge_chunks for select to anon using (true);
    """,
    "rls_enabled_no_policy": PROBE_TABLE,
    "unindexed_foreign_keys": PROBE_TABLE
    + """
        create index on public.advisor_probe (note, owner_id);
        create index on public.advisor_probe (owner_id) where note is not null;
    """,
    "duplicate_index": """
        create index probe_copy_a on public.goals (athlete_id, status);
    """,
    "function_search_path_mutable": """
        create function private.probe() returns int language sql as 'select 1';
    """,
    "rls_policy_always_true": PROBE_TABLE
    + """
        create policy probe_open on public.advisor_probe for update to authenticated
          using (id = (select auth.uid())) with check (true);
    """,
    "rls_references_user_metadata": PROBE_TABLE
    + """
        create policy probe_meta on public.advisor_probe for select to authenticated
          using (((select auth.jwt()) -> 'user_metadata' ->> 'coach') = 'true');
    """,
    "policy_for_public_role": PROBE_TABLE
    + """
        create policy probe_everyone on public.advisor_probe for select
          using (id = (select auth.uid()));
    """,
}


@pytest.mark.parametrize("lint", LINTS, ids=str)
def test_schema_passes_advisor_lint(conn: Connection, lint: str):
    """Migration 001 raises nothing for this Database Advisor lint."""
    assert LINTS[lint](conn) == []


@pytest.mark.parametrize("lint", LINTS, ids=str)
def test_advisor_lint_catches_a_violation(conn: Connection, lint: str):
    """The lint reports a deliberately bad object (so an empty report means something)."""
    with conn.transaction(force_rollback=True):
        conn.execute(VIOLATIONS[lint])  # type: ignore[arg-type]  # fixed probe DDL, no input
        assert LINTS[lint](conn) != []


def test_search_path_exemptions_are_the_pre_existing_rpcs(conn: Connection):
    """The exemptions name only the RPCs that pre-date 001 (and they are still there)."""
    public = {f"{f.schema}.{f.name}" for f in catalog.functions(conn, schema="public")}
    assert public >= catalog.PRE_EXISTING_FUNCTIONS
