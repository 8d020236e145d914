-- =============================================================================
-- Hyrox AI Coach — migration 002: coaches read every profile (sample: well-formed)
-- =============================================================================
-- A gate sample (tests/test_migration_samples.py): the coach feature of
-- 002_coach_reads_every_profile.sql, designed so that the flag which decides access is not
-- writable by the athletes it decides for: authenticated loses its table-wide INSERT and
-- UPDATE on athlete_profiles and gets them back on every column but is_coach; only the
-- service role (the backend, which appoints coaches) writes it. With the two expectation
-- lines the suite asks for (DESIGNED_DEFINER_FUNCTIONS, EXPECTED_DEFAULTS) it passes the gate,
-- the access-deciding-columns rule included (tests/rls/test_access_deciding_columns.py).
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
    raise exception 'migration 002_coach_reads_every_profile_granted has already been applied'
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
  'The athlete is a coach: reads every athlete profile. Written by the service role only (appointed by the backend): it decides access, so athletes have no INSERT or UPDATE on it.';

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
-- Section: privileges — the coach flag is the backend's
-- A column that decides access is not writable by the ones it decides for
-- (docs/design_decisions.md, 5.3): athletes insert and update every column of
-- their profile but is_coach; the service role keeps all.
-- =============================================================================

revoke insert, update on table public.athlete_profiles from authenticated;

grant insert (
  id, user_id, display_name, avatar_url, date_of_birth, sex, weight_kg, height_cm,
  units_preference, hyrox_division, hyrox_format, hyrox_race_count, training_history,
  current_phase, race_date, goal_time_minutes, weekly_availability_hours,
  equipment_available, injuries_limitations, preferences, profile_complete, created_at,
  updated_at
) on table public.athlete_profiles to authenticated;

grant update (
  id, user_id, display_name, avatar_url, date_of_birth, sex, weight_kg, height_cm,
  units_preference, hyrox_division, hyrox_format, hyrox_race_count, training_history,
  current_phase, race_date, goal_time_minutes, weekly_availability_hours,
  equipment_available, injuries_limitations, preferences, profile_complete, created_at,
  updated_at
) on table public.athlete_profiles to authenticated;

-- =============================================================================
-- Section: row level security — coaches read every profile
-- The one select policy widened (a second permissive policy would trip the Advisor's
-- multiple_permissive_policies); its name stays what the access matrix knows.
-- =============================================================================

alter policy "athletes can read their own profile" on public.athlete_profiles
  using (user_id = (select auth.uid()) or (select private.current_athlete_is_coach()));

commit;
