-- =============================================================================
-- Hyrox AI Coach — migration 002: the length of a plan week, once (sample: well-formed)
-- =============================================================================
-- A gate sample (tests/test_migration_samples.py): a one-line helper whose body starts with
-- spaces (`$$  select 7 $$`), written the way 001 writes its helpers: in schema private,
-- search_path pinned to '', a comment, EXECUTE revoked from public. It touches no row. The gate
-- once failed it: the contract's text form (hyrox_schema/contract/model.py) wrote the body on its key's
-- line and read it back without the leading spaces, so the written contract did not round-trip.
-- =============================================================================

begin;

-- =============================================================================
-- Section: guard — refuse to run twice
-- =============================================================================

do $$
begin
  if to_regprocedure('private.days_per_week()') is not null then
    raise exception 'migration 002_private_days_per_week has already been applied'
      using errcode = 'duplicate_object',
            hint = 'private.days_per_week() exists; nothing was changed.';
  end if;
end
$$;

-- Creating a function locks no table; the timeouts keep the file honest all the same.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- =============================================================================
-- Section: private helpers — days in a plan week
-- =============================================================================

create function private.days_per_week()
returns integer
language sql
immutable
set search_path = ''
as $$  select 7 $$;

comment on function private.days_per_week() is
  'Days in a training plan week (day_of_week runs 1 to 7): one name for the constant the plan builder and the backend share.';

revoke all on function private.days_per_week() from public;
grant execute on function private.days_per_week() to service_role;

commit;
