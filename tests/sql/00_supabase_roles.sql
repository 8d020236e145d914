-- =====================================================================
-- Supabase stand-in, part 0: the platform's roles, as Supabase sets them
-- up today. Run by the cluster's superuser (`supabase_admin`, as on the
-- image), never by `postgres`.
--
-- Sources (supabase/postgres unless named):
--   migrations/db/init-scripts/00000000000000-initial-schema.sql
--     anon, authenticated, service_role, authenticator, supabase_auth_admin
--   migrations/db/migrations/20230529180330_alter_api_roles_for_inherit.sql
--     the API roles INHERIT since 2023 (they were NOINHERIT)
--   migrations/db/migrations/10000000000000_demote-postgres.sql
--     postgres is NOT a superuser: NOSUPERUSER CREATEDB CREATEROLE
--     REPLICATION BYPASSRLS, member of the API roles
--   migrations/db/migrations/20250421084701_revoke_admin_roles.sql (and the
--     pg_monitor / pg_read_all_data / pg_signal_backend grants of the init
--     scripts): postgres is no longer a member of supabase_auth_admin
--   supautils.privileged_role_allowed_configs: postgres may SET
--     session_replication_role (not deadlock_timeout); the stand-in grants
--     the same with GRANT SET ON PARAMETER (PostgreSQL 15+)
--   PostgREST: authenticator logs in, NOINHERIT, and `set local role`s to
--     anon / authenticated / service_role per request
--   GoTrue: logs in as supabase_auth_admin (LOGIN NOINHERIT; NOCREATEROLE
--     since 2026), owner of schema auth, no grants on public
--
-- Roles are cluster-wide. On an existing server (e.g. the real
-- supabase/postgres image) they already exist: each role is created only
-- when missing, and nothing here alters an existing role. Safe to run any
-- number of times.
-- =====================================================================

do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon nologin inherit;
    alter role anon set statement_timeout = '3s';
    comment on role anon is
      'Supabase API role for requests without a user JWT (the anon key). RLS applies.';
  end if;

  if not exists (select from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated nologin inherit;
    alter role authenticated set statement_timeout = '8s';
    comment on role authenticated is
      'Supabase API role for signed-in users, including anonymous sign-ins '
      '(is_anonymous = true in the JWT). RLS applies.';
  end if;

  if not exists (select from pg_catalog.pg_roles where rolname = 'service_role') then
    create role service_role nologin inherit bypassrls;
    comment on role service_role is
      'Supabase API role for the service key: trusted back-end code. BYPASSRLS.';
  end if;

  if not exists (select from pg_catalog.pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
    alter role authenticator set statement_timeout = '8s';
    alter role authenticator set lock_timeout = '8s';
    grant anon, authenticated, service_role to authenticator;
    comment on role authenticator is
      'PostgREST''s login role: noinherit, switches to anon / authenticated / '
      'service_role per request.';
  end if;

  if not exists (select from pg_catalog.pg_roles where rolname = 'supabase_auth_admin') then
    create role supabase_auth_admin login noinherit nocreaterole;
    alter role supabase_auth_admin set search_path = auth;
    comment on role supabase_auth_admin is
      'GoTrue''s own login: owner of the auth schema objects, no grants on public.';
  end if;

  if not exists (select from pg_catalog.pg_roles where rolname = 'postgres') then
    -- the role migrations, the SQL editor and the CLI run as: not a superuser
    create role postgres login nosuperuser createdb createrole replication bypassrls;
    grant anon, authenticated, service_role to postgres;
    grant pg_monitor, pg_read_all_data, pg_signal_backend to postgres;
    comment on role postgres is
      'Supabase''s migration and dashboard role: NOSUPERUSER CREATEDB CREATEROLE '
      'REPLICATION BYPASSRLS, member of the API roles.';
  end if;
end
$$;

-- supautils lets postgres SET session_replication_role (and only a short
-- list of superuser settings); PostgreSQL 15+ can grant exactly that.
do $$
begin
  if (select rolsuper from pg_catalog.pg_roles where rolname = current_user)
     and not pg_catalog.has_parameter_privilege('postgres', 'session_replication_role', 'SET') then
    grant set on parameter session_replication_role to postgres;
  end if;
end
$$;
