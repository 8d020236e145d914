-- =============================================================================
-- Hyrox AI Coach — migration 002: weekly training load (sample: well-formed)
-- =============================================================================
-- A gate sample (tests/test_migration_samples.py): the same view as
-- 002_weekly_load_view.sql, made safe. `security_invoker = true` makes it read
-- workout_logs as the caller, so RLS keeps each athlete to their own weeks;
-- only signed-in users may select from it (Supabase's default privileges
-- would also give anon every privilege on it). Verdict: passes every check.
-- =============================================================================

begin;

do $$
begin
  if pg_catalog.to_regclass('public.weekly_training_load') is not null then
    raise exception 'migration 002_weekly_load_invoker_view has already been applied'
      using errcode = 'duplicate_object';
  end if;
end
$$;

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- =============================================================================
-- Section: weekly training load, read with the caller's RLS
-- =============================================================================

create view public.weekly_training_load with (security_invoker = true) as
select
  l.athlete_id,
  date_trunc('week', l.date)::date as week_start,
  count(*) as sessions,
  sum(l.duration_minutes) as minutes
from public.workout_logs as l
where l.deleted_at is null
group by l.athlete_id, date_trunc('week', l.date);

comment on view public.weekly_training_load is
  'Sessions and minutes per athlete and week; security invoker: the caller''s RLS applies.';

revoke all on public.weekly_training_load from anon, authenticated;
grant select on public.weekly_training_load to authenticated;

commit;
