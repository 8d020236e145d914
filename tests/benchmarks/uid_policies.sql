-- =============================================================================
-- Design alternative measured by the RLS benchmark (variant "uid", a2):
-- the athlete profile's id IS the auth user's id, so no lookup is needed.
--
-- Installed on a copy of a dataset generated with bench.profile_is_user = on
-- (athlete_profiles.id = user_id for every athlete). Every policy keeps its
-- shape and its InitPlan, but compares with `(select auth.uid())` instead of
-- `(select private.current_athlete_id())`, and every athlete_id default
-- becomes `auth.uid()` (an inlinable expression, not a per-row query).
-- Everything else (tables, rows, indexes, grants, triggers) is unchanged.
-- =============================================================================

do $$
declare
  policy record;
  column_default record;
  helper constant text := 'private.current_athlete_id()';
begin
  for policy in
    select p.policyname, p.tablename, p.qual, p.with_check
    from pg_catalog.pg_policies as p
    where p.schemaname = 'public'
      and (p.qual like '%' || helper || '%' or p.with_check like '%' || helper || '%')
  loop
    if policy.qual is not null then
      execute pg_catalog.format('alter policy %I on public.%I using (%s)',
        policy.policyname, policy.tablename, replace(policy.qual, helper, 'auth.uid()'));
    end if;
    if policy.with_check is not null then
      execute pg_catalog.format('alter policy %I on public.%I with check (%s)',
        policy.policyname, policy.tablename, replace(policy.with_check, helper, 'auth.uid()'));
    end if;
  end loop;

  for column_default in
    select c.relname
    from pg_catalog.pg_attrdef as d
    join pg_catalog.pg_attribute as a on a.attrelid = d.adrelid and a.attnum = d.adnum
    join pg_catalog.pg_class as c on c.oid = d.adrelid
    where c.relnamespace = 'public'::regnamespace and a.attname = 'athlete_id'
      and pg_catalog.pg_get_expr(d.adbin, d.adrelid) = helper
  loop
    execute pg_catalog.format(
      'alter table public.%I alter column athlete_id set default auth.uid()', column_default.relname);
  end loop;
end
$$;
