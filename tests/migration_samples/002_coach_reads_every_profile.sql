-- =============================================================================
-- Hyrox AI Coach — migration 002: coaches read every profile (sample: self-promotion)
-- =============================================================================
-- A gate sample (tests/test_migration_samples.py), the issue's coach feature as its author
-- wrote it: a flag on the profile, a definer helper that reads the caller's flag, and the
-- profile read policy widened to every profile for a coach. It passes the Advisor lints once
-- the two expectation lines the first red run asked for are in (the helper in
-- DESIGNED_DEFINER_FUNCTIONS, the default in EXPECTED_DEFAULTS). It is still wrong: 001 grants
-- authenticated UPDATE and INSERT on the whole of athlete_profiles, and the update policy lets
-- an athlete change any column of their own row, so `update athlete_profiles set is_coach =
-- true` promotes anyone to reading everyone. Verdict: rejected by the access-deciding-columns
-- rule (tests/rls/test_access_deciding_columns.py), naming athlete_profiles.is_coach and the
-- policy. The right design: 002_coach_reads_every_profile_granted.sql.
-- =============================================================================

begin;

-- =============================================================================
-- Section: guard — refuse to run twice
-- =============================================================================

do $$
begin
  if exists (
    select from pg_attribute
    where attrelid = 'public.athlete_profiles'::regclass
      and attname = 'is_coach' and not attisdropped
  ) then
    raise exception 'migration 002_coach_reads_every_profile has already been applied'
      using errcode = 'duplicate_object',
            hint = 'public.athlete_profiles.is_coach exists; nothing was changed.';
  end if;
end
$$;

-- Give up rather than queue behind a long transaction holding athlete_profiles.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- =============================================================================
-- Section: athlete profiles — the coach flag
-- =============================================================================

alter table public.athlete_profiles
  add column is_coach boolean not null default false;

comment on column public.athlete_profiles.is_coach is
  'The athlete is a coach: reads every athlete profile.';

-- The caller's coach flag, false without a profile. Definer rights, like
-- private.current_athlete_id(): a policy on athlete_profiles cannot read
-- athlete_profiles as the invoker (infinite recursion).
create function private.current_athlete_is_coach()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(
    (select p.is_coach
     from public.athlete_profiles as p
     where p.user_id = (select auth.uid())),
    false
  )
$$;

comment on function private.current_athlete_is_coach() is
  'Whether the requesting user''s profile is a coach''s. Security definer (search_path pinned, EXECUTE for authenticated and service_role only), in policies as (select private.current_athlete_is_coach()).';

revoke all on function private.current_athlete_is_coach() from public;
grant execute on function private.current_athlete_is_coach() to authenticated, service_role;

-- =============================================================================
-- Section: row level security — coaches read every profile
-- The one select policy widened (a second permissive policy would trip the Advisor's
-- multiple_permissive_policies); its name stays what the access matrix knows.
-- =============================================================================

alter policy "athletes can read their own profile" on public.athlete_profiles
  using (user_id = (select auth.uid()) or (select private.current_athlete_is_coach()));

commit;
