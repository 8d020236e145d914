-- Sample (tests/test_migration_samples.py): a materialized view of every athlete's training
-- load in public. A materialized view has no RLS, and Supabase's default privileges let anon
-- and authenticated read it. Verdict: rejected, naming public.weekly_training_totals.
begin;

do $$
begin
  if pg_catalog.to_regclass('public.weekly_training_totals') is not null then
    raise exception 'migration 002_weekly_load_matview has already been applied'
      using errcode = 'duplicate_object';
  end if;
end
$$;

set local lock_timeout = '5s';
set local statement_timeout = '60s';

create materialized view public.weekly_training_totals as
select
  l.athlete_id,
  date_trunc('week', l.date)::date as week_start,
  count(*) as sessions
from public.workout_logs as l
where l.deleted_at is null
group by l.athlete_id, date_trunc('week', l.date);

comment on materialized view public.weekly_training_totals is 'Sessions per athlete and week.';

commit;
