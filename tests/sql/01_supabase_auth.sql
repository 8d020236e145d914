-- =====================================================================
-- Supabase stand-in, part 1: the auth schema (GoTrue's tables and helpers).
--
-- Loaded ONLY when the target database has no `auth` schema
-- (hyrox_schema/loaders.py checks to_regnamespace('auth')); on a real
-- Supabase database the genuine schema is used instead.
-- The comment on schema auth starts with 'Supabase stand-in' — the harness
-- reads it to report which flavour a run used.
-- =====================================================================

create schema auth;
comment on schema auth is
  'Supabase stand-in: a faithful subset of GoTrue''s auth schema for tests '
  '(auth.users and the JWT helper functions).';

-- ---------------------------------------------------------------------
-- auth.users: column names, types and defaults as GoTrue creates them.
-- No default on id: GoTrue always supplies it.
-- ---------------------------------------------------------------------
create table auth.users (
  instance_id uuid,
  id uuid not null,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  confirmation_sent_at timestamptz,
  recovery_token varchar(255),
  recovery_sent_at timestamptz,
  email_change_token_new varchar(255),
  email_change varchar(255),
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text default null,
  phone_confirmed_at timestamptz,
  phone_change text default '',
  phone_change_token varchar(255) default '',
  phone_change_sent_at timestamptz,
  confirmed_at timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
  email_change_token_current varchar(255) default '',
  email_change_confirm_status smallint default 0,
  banned_until timestamptz,
  reauthentication_token varchar(255) default '',
  reauthentication_sent_at timestamptz,
  is_sso_user boolean not null default false,
  deleted_at timestamptz,
  is_anonymous boolean not null default false,
  constraint users_pkey primary key (id),
  constraint users_phone_key unique (phone),
  constraint users_email_change_confirm_status_check
    check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2)
);
alter table auth.users enable row level security;

comment on table auth.users is
  'Auth: stores user login data within a secure schema. (Stand-in for GoTrue''s table; '
  'RLS enabled with no policies and no grants to anon/authenticated.)';
comment on column auth.users.id is 'User id; the `sub` claim of the user''s JWT.';
comment on column auth.users.instance_id is 'Legacy GoTrue instance id (null on Supabase).';
comment on column auth.users.aud is 'JWT audience, normally ''authenticated''.';
comment on column auth.users.role is 'JWT role claim, normally ''authenticated''.';
comment on column auth.users.email is 'Email address; unique among non-SSO users.';
comment on column auth.users.encrypted_password is 'bcrypt hash of the password.';
comment on column auth.users.email_confirmed_at is 'When the email address was confirmed.';
comment on column auth.users.invited_at is 'When the user was invited.';
comment on column auth.users.confirmation_token is 'Pending email confirmation token.';
comment on column auth.users.confirmation_sent_at is 'When the confirmation email was sent.';
comment on column auth.users.recovery_token is 'Pending password recovery token.';
comment on column auth.users.recovery_sent_at is 'When the recovery email was sent.';
comment on column auth.users.email_change_token_new is 'Token sent to the new address.';
comment on column auth.users.email_change is 'Pending new email address.';
comment on column auth.users.email_change_sent_at is 'When the email change was requested.';
comment on column auth.users.last_sign_in_at is 'Last successful sign-in.';
comment on column auth.users.raw_app_meta_data is
  'app_metadata claim (provider, providers): server-controlled, safe to authorise on.';
comment on column auth.users.raw_user_meta_data is
  'user_metadata claim: user-editable, never authorise on it.';
comment on column auth.users.is_super_admin is 'Legacy GoTrue flag.';
comment on column auth.users.created_at is 'Sign-up time (set by GoTrue).';
comment on column auth.users.updated_at is 'Last change (set by GoTrue).';
comment on column auth.users.phone is 'Phone number; unique.';
comment on column auth.users.phone_confirmed_at is 'When the phone number was confirmed.';
comment on column auth.users.phone_change is 'Pending new phone number.';
comment on column auth.users.phone_change_token is 'Token sent to the new phone number.';
comment on column auth.users.phone_change_sent_at is 'When the phone change was requested.';
comment on column auth.users.confirmed_at is 'Earliest of email and phone confirmation.';
comment on column auth.users.email_change_token_current is 'Token sent to the current address.';
comment on column auth.users.email_change_confirm_status is 'Double-confirm email change progress (0-2).';
comment on column auth.users.banned_until is 'Sign-in blocked until this time.';
comment on column auth.users.reauthentication_token is 'Pending reauthentication nonce.';
comment on column auth.users.reauthentication_sent_at is 'When the nonce was sent.';
comment on column auth.users.is_sso_user is 'Signed up through SSO; such users may share an email.';
comment on column auth.users.deleted_at is 'Soft-delete time (GoTrue soft delete).';
comment on column auth.users.is_anonymous is 'Anonymous sign-in (role authenticated, no email).';

create index users_instance_id_idx on auth.users (instance_id);
comment on index auth.users_instance_id_idx is 'GoTrue lookup by instance.';
create index users_instance_id_email_idx on auth.users (instance_id, lower(email));
comment on index auth.users_instance_id_email_idx is 'GoTrue case-insensitive email lookup.';
create unique index users_email_partial_key on auth.users (email) where (is_sso_user = false);
comment on index auth.users_email_partial_key is 'Email is unique among non-SSO users.';
create index users_is_anonymous_idx on auth.users (is_anonymous);
comment on index auth.users_is_anonymous_idx is 'GoTrue cleanup of anonymous users.';

-- ---------------------------------------------------------------------
-- JWT helpers: GoTrue's final versions (sql, stable, invoker, no
-- search_path). After a transaction the settings read '' rather than NULL,
-- hence the nullif.
-- ---------------------------------------------------------------------
create or replace function auth.uid() returns uuid language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid $$;
comment on function auth.uid() is
  'Deprecated. Use auth.jwt() -> ''sub'' instead. (The request''s user id; NULL for anon.)';

create or replace function auth.role() returns text language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'))::text $$;
comment on function auth.role() is
  'Deprecated. Use auth.jwt() -> ''role'' instead. (The request''s JWT role claim.)';

create or replace function auth.email() returns text language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email'))::text $$;
comment on function auth.email() is
  'Deprecated. Use auth.jwt() -> ''email'' instead. (The request''s email claim.)';

create or replace function auth.jwt() returns jsonb language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), ''))::jsonb $$;
comment on function auth.jwt() is 'The request''s JWT claims as jsonb (NULL outside a request).';

-- ---------------------------------------------------------------------
-- Privileges, as on Supabase: the API roles can reach the helpers but not
-- the tables; postgres may read, reference and trigger on auth.users
-- (migrations reference it and attach sign-up triggers to it).
-- ---------------------------------------------------------------------
grant usage on schema auth to anon, authenticated, service_role;
grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
  to anon, authenticated, service_role;

do $$
begin
  -- Hand the objects to supabase_auth_admin, as on Supabase, when we may
  -- (superuser, or member of that role); otherwise the loader user keeps them.
  if pg_catalog.to_regrole('supabase_auth_admin') is not null
     and pg_catalog.pg_has_role(current_user, 'supabase_auth_admin', 'MEMBER') then
    alter table auth.users owner to supabase_auth_admin;
    alter function auth.uid() owner to supabase_auth_admin;
    alter function auth.role() owner to supabase_auth_admin;
    alter function auth.email() owner to supabase_auth_admin;
    alter function auth.jwt() owner to supabase_auth_admin;
    grant usage, create on schema auth to supabase_auth_admin;
  end if;
  if pg_catalog.to_regrole('postgres') is not null then
    grant usage on schema auth to postgres;
    grant all on table auth.users to postgres;
  end if;
end
$$;
