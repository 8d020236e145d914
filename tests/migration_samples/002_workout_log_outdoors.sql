-- =============================================================================
-- Hyrox AI Coach — migration 002: was the session outdoors? (sample: well-formed)
-- =============================================================================
-- A gate sample (tests/test_migration_samples.py): an additive follow-up migration that
-- passes every check. It adds a NOT NULL column with a constant default (no table rewrite
-- since PostgreSQL 11) and a comment; every existing row keeps its values and reads the
-- default, so no data-change declaration is needed.
-- =============================================================================

begin;

-- =============================================================================
-- Section: guard — refuse to run twice
-- =============================================================================

do $$
begin
  if exists (
    select from pg_attribute
    where attrelid = 'public.workout_logs'::regclass
      and attname = 'outdoors' and not attisdropped
  ) then
    raise exception 'migration 002_workout_log_outdoors has already been applied'
      using errcode = 'duplicate_object',
            hint = 'public.workout_logs.outdoors exists; nothing was changed.';
  end if;
end
$$;

-- Give up rather than queue behind a long transaction holding workout_logs.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- =============================================================================
-- Section: workout logs — indoors or outdoors
-- =============================================================================

alter table public.workout_logs
  add column outdoors boolean not null default false;

comment on column public.workout_logs.outdoors is
  'The session was done outdoors (runs, sled pushes on grass): the coach adjusts paces for weather and terrain. Existing logs read false.';

commit;
