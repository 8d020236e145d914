-- Sample (tests/test_migration_samples.py): pg_trgm created in public, where its functions
-- and operators join the schema PostgREST serves (Database Advisor: extension_in_public).
-- Verdict: rejected, naming the extension (the fix: with schema extensions).
begin;

do $$
begin
  if exists (select from pg_catalog.pg_extension where extname = 'pg_trgm') then
    raise exception 'migration 002_trigram_extension has already been applied'
      using errcode = 'duplicate_object';
  end if;
end
$$;

set local lock_timeout = '5s';
set local statement_timeout = '60s';

create extension pg_trgm with schema public;

commit;
