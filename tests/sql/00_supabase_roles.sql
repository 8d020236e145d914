-- =====================================================================
-- Supabase stand-in, part 0: the API roles.
--
-- Mirrors supabase/postgres init scripts and PostgREST's role model:
-- PostgREST logs in as `authenticator` and switches to `anon`,
-- `authenticated` or `service_role` per request (`set local role`).
--
-- Roles are cluster-wide. On an existing server (e.g. the real
-- supabase/postgres image) they already exist, so each role is created
-- and configured only when missing; nothing here alters an existing role.
-- Safe to run any number of times.
-- =====================================================================

do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
    alter role anon set statement_timeout = '3s';
    comment on role anon is
      'Supabase API role for requests without a user JWT (the anon key). RLS applies.';
  end if;

  if not exists (select from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
    alter role authenticated set statement_timeout = '8s';
    comment on role authenticated is
      'Supabase API role for signed-in users, including anonymous sign-ins '
      '(is_anonymous = true in the JWT). RLS applies.';
  end if;

  if not exists (select from pg_catalog.pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
    comment on role service_role is
      'Supabase API role for the service key: trusted back-end code. BYPASSRLS.';
  end if;

  if not exists (select from pg_catalog.pg_roles where rolname = 'authenticator') then
    -- nologin here (login on Supabase): the stand-in never logs in as it, and
    -- the embedded test cluster trusts every local connection.
    create role authenticator nologin noinherit;
    alter role authenticator set statement_timeout = '8s';
    grant anon, authenticated, service_role to authenticator;
    comment on role authenticator is
      'PostgREST''s login role: noinherit, switches to anon / authenticated / '
      'service_role per request.';
  end if;

  if not exists (select from pg_catalog.pg_roles where rolname = 'supabase_auth_admin') then
    -- nologin here (login on Supabase, where GoTrue connects as it).
    create role supabase_auth_admin nologin noinherit createrole;
    comment on role supabase_auth_admin is
      'Owner of the auth schema objects (GoTrue''s role on Supabase).';
  end if;
end
$$;

-- The connection user (postgres on Supabase, the embedded cluster's
-- superuser here) must be able to `set role` to each API role, as the SQL
-- editor and `supabase test db` do. Superusers can already; for others the
-- membership is granted when missing (PG 16+ checks the SET option, older
-- servers plain membership).
do $$
declare
  api_role text;
  privilege text := case
    when pg_catalog.current_setting('server_version_num')::int >= 160000 then 'SET'
    else 'MEMBER'
  end;
begin
  if (select rolsuper from pg_catalog.pg_roles where rolname = current_user) then
    return;
  end if;
  foreach api_role in array array['anon', 'authenticated', 'service_role'] loop
    if not pg_catalog.pg_has_role(current_user, api_role, privilege) then
      execute pg_catalog.format('grant %I to %I', api_role, current_user);
    end if;
  end loop;
end
$$;
