-- Sample (tests/test_migration_samples.py): a view over athlete data created without
-- security_invoker. It runs as its owner, past RLS, and Supabase's default privileges let anon
-- and authenticated read it: every athlete's training load for anyone with the anon key.
-- Verdict: rejected, naming public.weekly_training_load (the fix: with (security_invoker = true)).
begin;

do $$
begin
  if pg_catalog.to_regclass('public.weekly_training_load') is not null then
    raise exception 'migration 002_weekly_load_view has already been applied'
      using errcode = 'duplicate_object';
  end if;
end
$$;

set local lock_timeout = '5s';
set local statement_timeout = '60s';

create view public.weekly_training_load as
select
  l.athlete_id,
  date_trunc('week', l.date)::date as week_start,
  count(*) as sessions,
  sum(l.duration_minutes) as minutes
from public.workout_logs as l
where l.deleted_at is null
group by l.athlete_id, date_trunc('week', l.date);

comment on view public.weekly_training_load is 'Sessions and minutes per athlete and week.';

commit;
