-- =============================================================================
-- Variant (c) of the RLS benchmark: the brief's draft policy style.
--
-- Installed on a COPY of the benchmark dataset (same tables, rows, indexes,
-- grants and triggers), so the policies are the only difference from ours:
-- * athlete_profiles: `auth.uid() = user_id` with a bare auth.uid();
-- * one-hop tables: `athlete_id in (select id from athlete_profiles where user_id = auth.uid())`;
-- * children: the nested ownership chain through their parents' ids, as the
--   draft had no owner column on children. The tables named inside a policy
--   apply their own (draft) policies too, so the chains nest.
-- Literal draft: one `for all` policy per table, no `to` role (the policies
-- apply to every role; authenticated is what the benchmark measures).
-- The reference tables keep their policies.
-- =============================================================================

do $$
declare
  policy record;
begin
  for policy in
    select p.policyname, p.tablename
    from pg_catalog.pg_policies as p
    where p.schemaname = 'public'
      and p.tablename not in ('hyrox_stations', 'exercise_library', 'achievement_definitions')
  loop
    execute pg_catalog.format('drop policy %I on public.%I', policy.policyname, policy.tablename);
  end loop;
end
$$;

create policy "draft: own profile" on public.athlete_profiles
  for all
  using (auth.uid() = user_id)
  with check (auth.uid() = user_id);

create policy "draft: own conversations" on public.conversations
  for all
  using (athlete_id in (select id from public.athlete_profiles where user_id = auth.uid()))
  with check (athlete_id in (select id from public.athlete_profiles where user_id = auth.uid()));

create policy "draft: messages of own conversations" on public.messages
  for all
  using (conversation_id in (
    select id from public.conversations
    where athlete_id in (select id from public.athlete_profiles where user_id = auth.uid())))
  with check (conversation_id in (
    select id from public.conversations
    where athlete_id in (select id from public.athlete_profiles where user_id = auth.uid())));

create policy "draft: own training plans" on public.training_plans
  for all
  using (athlete_id in (select id from public.athlete_profiles where user_id = auth.uid()))
  with check (athlete_id in (select id from public.athlete_profiles where user_id = auth.uid()));

create policy "draft: weeks of own training plans" on public.training_plan_weeks
  for all
  using (training_plan_id in (
    select id from public.training_plans
    where athlete_id in (select id from public.athlete_profiles where user_id = auth.uid())))
  with check (training_plan_id in (
    select id from public.training_plans
    where athlete_id in (select id from public.athlete_profiles where user_id = auth.uid())));

create policy "draft: days of own training plans" on public.training_plan_days
  for all
  using (training_plan_week_id in (
    select id from public.training_plan_weeks
    where training_plan_id in (
      select id from public.training_plans
      where athlete_id in (select id from public.athlete_profiles where user_id = auth.uid()))))
  with check (training_plan_week_id in (
    select id from public.training_plan_weeks
    where training_plan_id in (
      select id from public.training_plans
      where athlete_id in (select id from public.athlete_profiles where user_id = auth.uid()))));

create policy "draft: own workout logs" on public.workout_logs
  for all
  using (athlete_id in (select id from public.athlete_profiles where user_id = auth.uid()))
  with check (athlete_id in (select id from public.athlete_profiles where user_id = auth.uid()));

create policy "draft: own benchmark tests" on public.benchmark_tests
  for all
  using (athlete_id in (select id from public.athlete_profiles where user_id = auth.uid()))
  with check (athlete_id in (select id from public.athlete_profiles where user_id = auth.uid()));

create policy "draft: own race results" on public.race_results
  for all
  using (athlete_id in (select id from public.athlete_profiles where user_id = auth.uid()))
  with check (athlete_id in (select id from public.athlete_profiles where user_id = auth.uid()));

create policy "draft: splits of own races" on public.race_splits
  for all
  using (race_result_id in (
    select id from public.race_results
    where athlete_id in (select id from public.athlete_profiles where user_id = auth.uid())))
  with check (race_result_id in (
    select id from public.race_results
    where athlete_id in (select id from public.athlete_profiles where user_id = auth.uid())));

create policy "draft: own personal records" on public.personal_records
  for all
  using (athlete_id in (select id from public.athlete_profiles where user_id = auth.uid()))
  with check (athlete_id in (select id from public.athlete_profiles where user_id = auth.uid()));

create policy "draft: own goals" on public.goals
  for all
  using (athlete_id in (select id from public.athlete_profiles where user_id = auth.uid()))
  with check (athlete_id in (select id from public.athlete_profiles where user_id = auth.uid()));

create policy "draft: own achievements" on public.athlete_achievements
  for all
  using (athlete_id in (select id from public.athlete_profiles where user_id = auth.uid()))
  with check (athlete_id in (select id from public.athlete_profiles where user_id = auth.uid()));
