-- =============================================================================
-- Design alternative measured by the RLS benchmark (variant "inline", a3):
-- the identity lookup written into every policy instead of a function call.
--
-- Installed on a COPY of the benchmark dataset (same tables, rows, ids,
-- indexes, grants, triggers and column defaults), so the policies are the
-- only difference from ours. Every athlete-table policy's
--   athlete_id = (select private.current_athlete_id())
-- becomes
--   athlete_id = (select p.id from public.athlete_profiles as p
--                 where p.user_id = (select auth.uid()))
-- with no function call and no search_path save/restore; the inner read of
-- athlete_profiles still goes through that table's own policy
-- `user_id = (select auth.uid())`. The athlete_id defaults keep calling
-- private.current_athlete_id() (a default cannot hold a subquery).
-- =============================================================================

do $$
declare
  policy record;
  -- the helper's InitPlan as pg_policies deparses it
  helper constant text := '\( SELECT private\.current_athlete_id\(\) AS current_athlete_id\)';
  inlined constant text :=
    '(select p.id from public.athlete_profiles as p where p.user_id = (select auth.uid()))';
begin
  for policy in
    select p.policyname, p.tablename, p.qual, p.with_check
    from pg_catalog.pg_policies as p
    where p.schemaname = 'public'
      and (p.qual ~ helper or p.with_check ~ helper)
  loop
    if policy.qual is not null then
      execute pg_catalog.format('alter policy %I on public.%I using (%s)',
        policy.policyname, policy.tablename,
        pg_catalog.regexp_replace(policy.qual, helper, inlined, 'g'));
    end if;
    if policy.with_check is not null then
      execute pg_catalog.format('alter policy %I on public.%I with check (%s)',
        policy.policyname, policy.tablename,
        pg_catalog.regexp_replace(policy.with_check, helper, inlined, 'g'));
    end if;
  end loop;

  if exists (
    select from pg_catalog.pg_policies as p
    where p.schemaname = 'public'
      and (p.qual like '%current_athlete_id%' or p.with_check like '%current_athlete_id%')
  ) then
    raise exception 'inline_policies.sql: a policy still calls private.current_athlete_id()';
  end if;
end
$$;
