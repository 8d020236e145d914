-- =============================================================================
-- Hyrox AI Coach — migration 002: sleep before a session (sample: well-formed)
-- =============================================================================
-- A gate sample (tests/test_migration_samples.py): an additive follow-up migration that
-- passes every check. It adds a nullable column with a named CHECK and a comment; every
-- existing row keeps its values (no data-change declaration needed).
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
      and attname = 'sleep_hours' and not attisdropped
  ) then
    raise exception 'migration 002_workout_log_sleep_hours has already been applied'
      using errcode = 'duplicate_object',
            hint = 'public.workout_logs.sleep_hours exists; nothing was changed.';
  end if;
end
$$;

-- Give up rather than queue behind a long transaction holding workout_logs.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- =============================================================================
-- Section: workout logs — sleep before the session
-- =============================================================================

alter table public.workout_logs
  add column sleep_hours numeric(3, 1)
  constraint workout_logs_sleep_hours_check check (sleep_hours between 0 and 24);

comment on column public.workout_logs.sleep_hours is
  'Hours slept the night before the session, as the athlete reports it (0 to 24, one decimal); null when not reported.';

commit;
