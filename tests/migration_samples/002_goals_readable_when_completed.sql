-- Sample (tests/test_migration_samples.py): issue 18's widened policy. A "celebrate completed
-- goals" feature lets every athlete read completed goals: `or status = 'completed'` on the
-- select policy of goals. Verdict: the RLS isolation check on the upgraded rows names
-- public.goals (an athlete sees other athletes' rows: the upgrade data holds completed goals of
-- every athlete, tests/support/edges.py), and the default suite's access matrix fails on
-- goals-select for the other athletes (its target rows cover every status,
-- tests/rls/rows.py make_status_variants); the PR summary shows the changed policy.
begin;

do $$
begin
  if exists (
    select from pg_policies
    where schemaname = 'public' and tablename = 'goals'
      and policyname = 'athletes can read their own goals' and qual like '%completed%'
  ) then
    raise exception 'migration 002_goals_readable_when_completed has already been applied'
      using errcode = 'duplicate_object';
  end if;
end
$$;

set local lock_timeout = '5s';
set local statement_timeout = '60s';

alter policy "athletes can read their own goals" on public.goals
  using (
    athlete_id = (select private.current_athlete_id())
    or status = 'completed'
  );

commit;
