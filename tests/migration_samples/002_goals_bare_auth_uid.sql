-- Sample (tests/test_migration_samples.py): a policy rewritten with a bare auth.uid(), which
-- Postgres evaluates once per row instead of once per statement. Verdict: rejected by the
-- Database Advisor check auth_rls_initplan, naming the policy.
begin;

do $$
begin
  if exists (
    select from pg_policies
    where schemaname = 'public' and tablename = 'goals'
      and policyname = 'athletes can read their own goals' and qual like '%auth.uid()%'
  ) then
    raise exception 'migration 002_goals_bare_auth_uid has already been applied'
      using errcode = 'duplicate_object';
  end if;
end
$$;

set local lock_timeout = '5s';
set local statement_timeout = '60s';

drop policy "athletes can read their own goals" on public.goals;

create policy "athletes can read their own goals"
  on public.goals for select to authenticated
  using (
    athlete_id in (
      select p.id from public.athlete_profiles as p
      where p.user_id = auth.uid()
    )
  );

commit;
