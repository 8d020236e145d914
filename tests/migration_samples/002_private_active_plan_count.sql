-- =============================================================================
-- Hyrox AI Coach — migration 002: an athlete's active plans, for the backend (sample: well-formed)
-- =============================================================================
-- A gate sample (tests/test_migration_samples.py): a private helper with a named argument,
-- written the way 001 writes its helpers: in schema private, security definer with
-- search_path pinned to '', a comment, EXECUTE revoked from public and granted to the
-- service role only. It touches no row. The gate once crashed on it: the private-helper check
-- (tests/test_schema_structure.py) cast the helper's argument list, names included
-- (`p_athlete uuid`), to regprocedure.
-- =============================================================================

begin;

-- =============================================================================
-- Section: guard — refuse to run twice
-- =============================================================================

do $$
begin
  if to_regprocedure('private.active_plan_count(uuid)') is not null then
    raise exception 'migration 002_private_active_plan_count has already been applied'
      using errcode = 'duplicate_object',
            hint = 'private.active_plan_count(uuid) exists; nothing was changed.';
  end if;
end
$$;

-- Creating a function locks no table; the timeouts keep the file honest all the same.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- =============================================================================
-- Section: private helpers — active plans of one athlete
-- =============================================================================

create function private.active_plan_count(p_athlete uuid)
returns integer
language sql
stable
security definer
set search_path = ''
as $$
  select count(*)::integer
  from public.training_plans as tp
  where tp.athlete_id = p_athlete
    and tp.deleted_at is null
$$;

comment on function private.active_plan_count(uuid) is
  'Plans of one athlete that are not soft-deleted, for backend jobs (the service role). Security definer with search_path pinned; EXECUTE for service_role only: no client may count another athlete''s plans.';

revoke all on function private.active_plan_count(uuid) from public;
grant execute on function private.active_plan_count(uuid) to service_role;

commit;
