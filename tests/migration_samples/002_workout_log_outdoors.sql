-- =============================================================================
-- Hyrox AI Coach — migration 002: was the session outdoors? (sample: well-formed)
-- =============================================================================
-- A gate sample (tests/test_migration_samples.py): an additive follow-up migration that
-- passes every check on its own. It adds a nullable column (no rewrite, no scan) with a
-- comment; every existing row keeps its values (null: not reported), so no data-change
-- declaration is needed. A column with a default or a CHECK is just as welcome, and brings
-- its expectation to the suite (EXPECTED_DEFAULTS, the CHECK cases), which asks for it.
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
  add column outdoors boolean;

comment on column public.workout_logs.outdoors is
  'The session was done outdoors (runs, sled pushes on grass): the coach adjusts paces for weather and terrain. Null when not reported, as on every log written before.';

commit;
