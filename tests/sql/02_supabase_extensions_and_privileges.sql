-- =====================================================================
-- Supabase stand-in, part 2: the extensions schema and the default
-- privileges on public.
--
-- On Supabase the wall is RLS, not GRANT: every table, function and
-- sequence created in public by the migration role is granted ALL to the
-- API roles by default privileges. They are set for objects created by
-- `postgres`, the role migrations run as (supabase/postgres init scripts:
-- `alter default privileges for role postgres in schema public ...`); this
-- file runs as the cluster's superuser.
--
-- Idempotent, and it skips what already exists (a real Supabase database
-- already has the schema and the grants). Roles missing from the cluster
-- are skipped rather than failing.
-- =====================================================================

do $$
declare
  api_role text;
  api_roles text[] := array(
    select r
    from pg_catalog.unnest(array['postgres', 'anon', 'authenticated', 'service_role']) as r
    where pg_catalog.to_regrole(r) is not null
  );
  grantees text;
begin
  if pg_catalog.to_regnamespace('extensions') is null then
    create schema extensions;
    comment on schema extensions is
      'Supabase''s home for extensions (pgvector lives here: extensions.vector).';
  end if;

  foreach api_role in array api_roles loop
    if not pg_catalog.has_schema_privilege(api_role, 'extensions', 'USAGE') then
      execute pg_catalog.format('grant usage on schema extensions to %I', api_role);
    end if;
    if not pg_catalog.has_schema_privilege(api_role, 'public', 'USAGE') then
      execute pg_catalog.format('grant usage on schema public to %I', api_role);
    end if;
  end loop;

  select pg_catalog.string_agg(pg_catalog.quote_ident(r), ', ') into grantees
  from pg_catalog.unnest(api_roles) as r;

  execute pg_catalog.format(
    'alter default privileges for role postgres in schema public grant all on tables to %s', grantees);
  execute pg_catalog.format(
    'alter default privileges for role postgres in schema public grant all on functions to %s', grantees);
  execute pg_catalog.format(
    'alter default privileges for role postgres in schema public grant all on sequences to %s', grantees);
end
$$;
