-- =============================================================================
-- Hyrox AI Coach — migration 001: the complete Phase 2 schema
-- =============================================================================
-- Target: Supabase (PostgreSQL 15 or newer, pgvector). Runs as `postgres`.
--
-- Guarantees
-- * Atomic: the whole file is one transaction. Any error leaves nothing behind.
-- * Run once: a second run stops at the guard below with a clear error and
--   changes nothing.
-- * Leaves the existing `public.knowledge_chunks` table (rows, RLS state) and
--   the RPCs `hybrid_search_chunks` / `match_chunks` untouched.
--
-- Ownership model (see docs/design_decisions.md)
-- * Every athlete-owned row carries `athlete_id`, children included. A child
--   references its parent through a composite foreign key
--   `(parent_id, athlete_id) -> parent (id, athlete_id)`, so a row can only
--   point at rows of the same athlete — a foreign key is not a door into
--   another tenant.
-- * Every policy is the same one-hop test
--   `athlete_id = (select private.current_athlete_id())`: one InitPlan per
--   statement plus an index scan, however deep the table sits in the chain.
-- =============================================================================

begin;

-- =============================================================================
-- Section: guard — refuse to run twice
-- =============================================================================

do $$
begin
  if to_regclass('public.athlete_profiles') is not null
     or to_regnamespace('private') is not null then
    raise exception 'migration 001_complete_schema has already been applied'
      using errcode = 'duplicate_object',
            hint = 'public.athlete_profiles or schema private exists; nothing was changed.';
  end if;
end
$$;

-- =============================================================================
-- Section: extensions
-- =============================================================================

create schema if not exists extensions;
create extension if not exists vector with schema extensions;

-- =============================================================================
-- Section: reference tables (public read, service-role write)
-- =============================================================================

-- The eight Hyrox workout stations, in race order. Seeded in Phase 3.
create table public.hyrox_stations (
  id uuid primary key default gen_random_uuid(),
  station_number smallint not null,
  station_name text not null,
  exercise_type text not null,
  distance_or_reps text not null,
  weight_open_men_kg numeric(5, 1),
  weight_open_women_kg numeric(5, 1),
  weight_pro_men_kg numeric(5, 1),
  weight_pro_women_kg numeric(5, 1),
  description text,
  tips jsonb not null default '[]'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint hyrox_stations_station_number_key unique (station_number),
  constraint hyrox_stations_id_station_number_key unique (id, station_number),
  constraint hyrox_stations_station_name_key unique (station_name),
  constraint hyrox_stations_station_number_check check (station_number between 1 and 8),
  constraint hyrox_stations_station_name_check check (station_name ~ '[^[:space:]]'),
  constraint hyrox_stations_exercise_type_check
    check (exercise_type in ('erg', 'sled', 'bodyweight', 'carry', 'lunge', 'throw')),
  constraint hyrox_stations_distance_or_reps_check check (distance_or_reps ~ '[^[:space:]]'),
  constraint hyrox_stations_weights_check check (
    coalesce(weight_open_men_kg, 0) >= 0 and coalesce(weight_open_women_kg, 0) >= 0
    and coalesce(weight_pro_men_kg, 0) >= 0 and coalesce(weight_pro_women_kg, 0) >= 0
  ),
  constraint hyrox_stations_tips_check check (jsonb_typeof(tips) = 'array')
);

comment on table public.hyrox_stations is
  'Reference: the 8 Hyrox stations in race order (1 SkiErg … 8 Wall Balls). Public read; written only by the service role (seed file in Phase 3).';
comment on column public.hyrox_stations.distance_or_reps is
  'Human-readable work of the station as raced, e.g. ''1000m'', ''50m'', ''100 reps''.';
comment on column public.hyrox_stations.weight_open_men_kg is
  'Load in kg for Open men; sled loads include the sled; Farmers Carry is per hand; NULL where the station has no load (SkiErg, Burpee Broad Jumps, Rowing).';
comment on column public.hyrox_stations.tips is
  'JSON array of technique tips (strings).';

-- Exercise definitions used by plans, logs and personal records. Seeded in Phase 3.
create table public.exercise_library (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  category text not null,
  description text,
  muscle_groups text[] not null default '{}',
  equipment_needed text[] not null default '{}',
  hyrox_station_id uuid,
  difficulty text not null default 'intermediate',
  video_url text,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint exercise_library_name_key unique (name),
  constraint exercise_library_hyrox_station_id_fkey foreign key (hyrox_station_id)
    references public.hyrox_stations (id) on delete restrict,
  constraint exercise_library_name_check check (name ~ '[^[:space:]]'),
  constraint exercise_library_category_check check (
    category in ('run', 'strength', 'conditioning', 'station_specific', 'recovery', 'mobility')
  ),
  constraint exercise_library_station_specific_check
    check (category <> 'station_specific' or hyrox_station_id is not null),
  constraint exercise_library_difficulty_check
    check (difficulty in ('beginner', 'intermediate', 'advanced')),
  constraint exercise_library_video_url_check check (video_url ~ '^https://')
);

comment on table public.exercise_library is
  'Reference: exercise definitions used across plans, workout logs and personal records. Public read; written only by the service role. Retire an exercise with is_active = false: rows in use cannot be deleted.';
comment on column public.exercise_library.hyrox_station_id is
  'The station a station_specific exercise trains; required for that category, optional otherwise.';
comment on column public.exercise_library.is_active is
  'False hides an exercise from pickers while history that references it stays intact.';

-- Achievement catalogue with machine-readable unlock criteria.
create table public.achievement_definitions (
  id uuid primary key default gen_random_uuid(),
  code text not null,
  name text not null,
  description text not null,
  icon_name text,
  category text not null,
  criteria jsonb not null default '{}'::jsonb,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint achievement_definitions_code_key unique (code),
  constraint achievement_definitions_name_key unique (name),
  constraint achievement_definitions_code_check check (code ~ '^[a-z0-9]+(_[a-z0-9]+)*$'),
  constraint achievement_definitions_name_check check (name ~ '[^[:space:]]'),
  constraint achievement_definitions_category_check check (
    category in ('race', 'training', 'consistency', 'benchmark', 'coaching', 'milestone')
  ),
  constraint achievement_definitions_criteria_check check (jsonb_typeof(criteria) = 'object')
);

comment on table public.achievement_definitions is
  'Reference: achievements an athlete can earn ("First Race Logged", "Sub-90 Minute Hyrox", ...). Public read; written only by the service role.';
comment on column public.achievement_definitions.code is
  'Stable snake_case key the awarding service uses, e.g. ''first_race_logged''; names may be reworded, codes never change.';
comment on column public.achievement_definitions.criteria is
  'Machine-readable unlock conditions, e.g. {"metric": "race_total_seconds", "lt": 5400}.';

-- =============================================================================
-- Section: athlete profiles (the root of all athlete-owned data)
-- =============================================================================

create table public.athlete_profiles (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  display_name text,
  avatar_url text,
  date_of_birth date,
  sex text,
  weight_kg numeric(5, 2),
  height_cm numeric(5, 1),
  units_preference text not null default 'metric',
  hyrox_division text,
  hyrox_format text,
  hyrox_race_count integer not null default 0,
  training_history jsonb not null default '{}'::jsonb,
  current_phase text,
  race_date date,
  goal_time_minutes numeric(6, 2),
  weekly_availability_hours numeric(4, 1),
  equipment_available text[] not null default '{}',
  injuries_limitations text[] not null default '{}',
  preferences jsonb not null default '{}'::jsonb,
  profile_complete boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint athlete_profiles_user_id_key unique (user_id),
  constraint athlete_profiles_user_id_fkey foreign key (user_id)
    references auth.users (id) on delete cascade,
  constraint athlete_profiles_display_name_check
    check (char_length(display_name) between 1 and 100),
  constraint athlete_profiles_avatar_url_check check (avatar_url ~ '^https://'),
  constraint athlete_profiles_date_of_birth_check check (date_of_birth >= date '1900-01-01'),
  constraint athlete_profiles_sex_check check (sex in ('male', 'female', 'other')),
  constraint athlete_profiles_weight_kg_check check (weight_kg > 0 and weight_kg < 400),
  constraint athlete_profiles_height_cm_check check (height_cm between 50 and 280),
  constraint athlete_profiles_units_preference_check
    check (units_preference in ('metric', 'imperial')),
  constraint athlete_profiles_hyrox_division_check
    check (hyrox_division in ('open', 'pro', 'adaptive', 'elite_15')),
  constraint athlete_profiles_hyrox_format_check
    check (hyrox_format in ('singles', 'doubles', 'relay')),
  constraint athlete_profiles_hyrox_division_format_check check (
    hyrox_division = 'open' or hyrox_format = 'singles'
    or (hyrox_division = 'pro' and hyrox_format = 'doubles')
  ),
  constraint athlete_profiles_hyrox_race_count_check check (hyrox_race_count >= 0),
  constraint athlete_profiles_training_history_check
    check (jsonb_typeof(training_history) = 'object'),
  constraint athlete_profiles_current_phase_check check (
    current_phase in ('general_prep', 'specific_prep', 'competition_prep', 'taper')
  ),
  constraint athlete_profiles_goal_time_minutes_check
    check (goal_time_minutes > 0 and goal_time_minutes < 360),
  constraint athlete_profiles_weekly_availability_hours_check
    check (weekly_availability_hours between 0 and 168),
  constraint athlete_profiles_preferences_check check (jsonb_typeof(preferences) = 'object')
);

comment on table public.athlete_profiles is
  'Persistent athlete state, one row per auth user. Deleting the auth user deletes the profile and, by cascade, every row the athlete owns.';
comment on column public.athlete_profiles.user_id is
  'The owning auth.users id; unique (one profile per user) and immutable.';
comment on column public.athlete_profiles.date_of_birth is
  'Replaces the draft''s age: age changes every year, the birth date does not. Age (and the Hyrox age group on race day) is computed when needed.';
comment on column public.athlete_profiles.hyrox_division is
  'Division usually raced: open | pro | adaptive | elite_15. Doubles and relay are formats, see hyrox_format.';
comment on column public.athlete_profiles.hyrox_format is
  'Format usually raced: singles | doubles | relay. Combined with hyrox_division as on race_results (no pro relay, adaptive and elite_15 singles only).';
comment on column public.athlete_profiles.hyrox_race_count is
  'Number of Hyrox races completed before and outside this app; an experience indicator.';
comment on column public.athlete_profiles.training_history is
  'JSON object, e.g. {"run_mpw": 40, "strength_days": 4, "experience": "intermediate"}.';
comment on column public.athlete_profiles.current_phase is
  'Periodisation phase: general_prep | specific_prep | competition_prep | taper.';
comment on column public.athlete_profiles.goal_time_minutes is
  'Target finish time for the next race, in minutes.';
comment on column public.athlete_profiles.preferences is
  'JSON object of coaching preferences, e.g. {"coach_tone": "direct", "long_run_day": 6}.';
comment on column public.athlete_profiles.profile_complete is
  'Set by the app when onboarding has collected everything the coach needs.';

-- =============================================================================
-- Section: private helpers (not exposed through the API)
-- =============================================================================

create schema private;

comment on schema private is
  'Helpers for policies, defaults and triggers. Not exposed by PostgREST; EXECUTE is granted function by function.';

revoke all on schema private from public;
grant usage on schema private to authenticated, service_role;

-- The caller's athlete profile id, or NULL. Definer rights (owner: the
-- migration's role, which owns athlete_profiles): it reads the one profile
-- whose user_id is auth.uid() without applying that table's own policy on
-- top. As an invoker, that policy made its body a row-security-dependent
-- plan, rebuilt per call site and per role, with a second parse of the JWT
-- claims; every athlete-table policy calls it once per statement
-- (docs/design_decisions.md, section 6.3). It returns nothing the caller
-- could not read through the profile policy.
create function private.current_athlete_id()
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select p.id
  from public.athlete_profiles as p
  where p.user_id = (select auth.uid())
$$;

comment on function private.current_athlete_id() is
  'Athlete profile id of the requesting user (auth.uid()), NULL when there is none. Security definer (search_path pinned, EXECUTE for authenticated and service_role only): reads only the caller''s own profile, without re-applying its policy. In every athlete-data policy as (select private.current_athlete_id()), which PostgreSQL evaluates once per statement. As the athlete_id default it runs once per inserted row: bulk inserts (a whole plan) should send athlete_id.';

revoke all on function private.current_athlete_id() from public;
grant execute on function private.current_athlete_id() to authenticated, service_role;

-- =============================================================================
-- Section: feature tables — chat
-- =============================================================================

create table public.conversations (
  id uuid primary key default gen_random_uuid(),
  athlete_id uuid not null default private.current_athlete_id(),
  title text,
  title_source text,
  topic text,
  started_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint conversations_id_athlete_id_key unique (id, athlete_id),
  constraint conversations_athlete_id_fkey foreign key (athlete_id)
    references public.athlete_profiles (id) on delete cascade,
  constraint conversations_title_check check (char_length(title) between 1 and 200),
  constraint conversations_title_source_check check (title_source in ('auto', 'user')),
  constraint conversations_title_source_required_check
    check ((title is null) = (title_source is null)),
  constraint conversations_topic_check check (
    topic in ('training', 'racing', 'technique', 'nutrition', 'recovery', 'general')
  )
);

comment on table public.conversations is
  'AI coaching chat threads of one athlete. Deleting a conversation deletes its messages; workout logs and plans that came from it are kept (their link is cleared).';
comment on column public.conversations.title_source is
  'Who set the title: auto (generated by the coach) or user (renamed by the athlete); NULL exactly when there is no title.';
comment on column public.conversations.topic is
  'Coarse topic used for filtering: training | racing | technique | nutrition | recovery | general.';
comment on column public.conversations.started_at is
  'When the chat began (may predate created_at for imported chats).';

create table public.messages (
  id uuid primary key default gen_random_uuid(),
  conversation_id uuid not null,
  athlete_id uuid not null default private.current_athlete_id(),
  role text not null default 'user',
  content text not null,
  rag_chunks_used text[],
  suggested_actions jsonb,
  tokens_in integer,
  tokens_out integer,
  latency_ms integer,
  pinned boolean not null default false,
  feedback text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint messages_conversation_id_fkey foreign key (conversation_id, athlete_id)
    references public.conversations (id, athlete_id) on delete cascade,
  constraint messages_role_check check (role in ('user', 'assistant')),
  constraint messages_content_check check (content ~ '[^[:space:]]'),
  constraint messages_suggested_actions_check check (jsonb_typeof(suggested_actions) = 'array'),
  constraint messages_assistant_only_fields_check check (
    role = 'assistant'
    or (rag_chunks_used is null and suggested_actions is null and tokens_in is null
        and tokens_out is null and latency_ms is null and feedback is null)
  ),
  constraint messages_tokens_in_check check (tokens_in >= 0),
  constraint messages_tokens_out_check check (tokens_out >= 0),
  constraint messages_latency_ms_check check (latency_ms >= 0),
  constraint messages_feedback_check check (feedback in ('thumbs_up', 'thumbs_down'))
);

comment on table public.messages is
  'Chat messages; also the training-data collection for the coach model. Athletes insert their own user messages and may change only pinned and feedback; assistant messages and their metrics are written by the backend (service role).';
comment on column public.messages.athlete_id is
  'Owner, denormalised from the conversation and kept equal to it by the composite foreign key.';
comment on column public.messages.rag_chunks_used is
  'knowledge_chunks.id values retrieved for this answer (no foreign key: knowledge_chunks is managed outside this schema).';
comment on column public.messages.suggested_actions is
  'JSON array of AI-suggested actions, e.g. [{"type": "log_workout", "label": "Log this workout"}].';
comment on column public.messages.feedback is
  'Athlete rating of an assistant message: thumbs_up | thumbs_down; only assistant messages can carry it.';

-- =============================================================================
-- Section: feature tables — training plans
-- =============================================================================

create table public.training_plans (
  id uuid primary key default gen_random_uuid(),
  athlete_id uuid not null default private.current_athlete_id(),
  plan_name text not null,
  duration_weeks smallint not null,
  goal text,
  difficulty text not null default 'intermediate',
  is_ai_generated boolean not null default false,
  status text not null default 'draft',
  start_date date,
  end_date date,
  source_conversation_id uuid,
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint training_plans_id_athlete_id_key unique (id, athlete_id),
  constraint training_plans_athlete_id_fkey foreign key (athlete_id)
    references public.athlete_profiles (id) on delete cascade,
  constraint training_plans_source_conversation_id_fkey
    foreign key (source_conversation_id, athlete_id)
    references public.conversations (id, athlete_id) on delete set null (source_conversation_id),
  constraint training_plans_plan_name_check check (plan_name ~ '[^[:space:]]'),
  constraint training_plans_duration_weeks_check check (duration_weeks between 1 and 52),
  constraint training_plans_difficulty_check
    check (difficulty in ('beginner', 'intermediate', 'advanced', 'custom')),
  constraint training_plans_status_check check (status in ('active', 'archived', 'draft')),
  constraint training_plans_date_range_check check (end_date >= start_date)
);

comment on table public.training_plans is
  'Training plan metadata. Soft-deleted via deleted_at (restorable); a hard delete removes weeks and days but never workout logs.';
comment on column public.training_plans.source_conversation_id is
  'The chat the plan was generated from, if any; must belong to the same athlete; cleared if that conversation is deleted.';
comment on column public.training_plans.deleted_at is
  'Soft delete: set to hide the plan in the app, clear to restore. The row stays visible to its owner so undo is possible.';

create table public.training_plan_weeks (
  id uuid primary key default gen_random_uuid(),
  training_plan_id uuid not null,
  athlete_id uuid not null default private.current_athlete_id(),
  week_number smallint not null,
  focus text,
  target_volume_hours numeric(4, 1),
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint training_plan_weeks_id_athlete_id_key unique (id, athlete_id),
  constraint training_plan_weeks_week_number_key
    unique (training_plan_id, athlete_id, week_number),
  constraint training_plan_weeks_training_plan_id_fkey foreign key (training_plan_id, athlete_id)
    references public.training_plans (id, athlete_id) on delete cascade,
  constraint training_plan_weeks_week_number_check check (week_number between 1 and 52),
  constraint training_plan_weeks_target_volume_hours_check
    check (target_volume_hours between 0 and 168)
);

comment on table public.training_plan_weeks is
  'Weekly structure of a training plan (week_number 1..duration).';
comment on column public.training_plan_weeks.athlete_id is
  'Owner, denormalised from the plan and kept equal to it by the composite foreign key.';
comment on column public.training_plan_weeks.focus is
  'Free text theme of the week, e.g. ''Base Building'', ''Station Technique'', ''Race Simulation''.';

create table public.training_plan_days (
  id uuid primary key default gen_random_uuid(),
  training_plan_week_id uuid not null,
  athlete_id uuid not null default private.current_athlete_id(),
  day_of_week smallint not null,
  session_order smallint not null default 1,
  scheduled_date date,
  workout_title text,
  workout_description text,
  workout_details jsonb not null default '{}'::jsonb,
  session_type text not null,
  estimated_duration_minutes integer,
  is_rest_day boolean not null default false,
  is_completed boolean not null default false,
  linked_workout_log_id uuid,
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint training_plan_days_id_athlete_id_key unique (id, athlete_id),
  constraint training_plan_days_session_key
    unique (training_plan_week_id, athlete_id, day_of_week, session_order),
  constraint training_plan_days_training_plan_week_id_fkey
    foreign key (training_plan_week_id, athlete_id)
    references public.training_plan_weeks (id, athlete_id) on delete cascade,
  constraint training_plan_days_day_of_week_check check (day_of_week between 1 and 7),
  constraint training_plan_days_session_order_check check (session_order between 1 and 3),
  constraint training_plan_days_workout_details_check
    check (jsonb_typeof(workout_details) = 'object'),
  constraint training_plan_days_session_type_check check (
    session_type in ('run', 'hiit', 'strength', 'simulation', 'recovery', 'rest')
  ),
  constraint training_plan_days_rest_day_check check (is_rest_day = (session_type = 'rest')),
  constraint training_plan_days_estimated_duration_minutes_check
    check (estimated_duration_minutes between 0 and 600),
  constraint training_plan_days_completed_check
    check (not is_completed or linked_workout_log_id is not null)
);

comment on table public.training_plan_days is
  'Prescribed sessions of a plan week. A day is completed by linking a workout log to it.';
comment on column public.training_plan_days.athlete_id is
  'Owner, denormalised from the week and kept equal to it by the composite foreign key; the RLS policy needs no join.';
comment on column public.training_plan_days.day_of_week is
  'ISO day: 1 = Monday … 7 = Sunday.';
comment on column public.training_plan_days.session_order is
  'Order of the session within the day (1..3), for double days.';
comment on column public.training_plan_days.scheduled_date is
  'Derived, never written directly: the plan''s start_date + (week_number - 1) * 7 + (day_of_week - 1), kept by triggers when the plan''s start date or the week''s number moves; NULL while the plan has no start date. Serves "today''s session" through an index.';
comment on column public.training_plan_days.workout_details is
  'JSON object with the prescription: exercises, sets, reps, distances, targets.';
comment on column public.training_plan_days.is_completed is
  'Derived, never written directly: true while the linked workout log is completed or partial and not soft-deleted.';
comment on column public.training_plan_days.linked_workout_log_id is
  'Mirror of workout_logs.training_plan_day_id, kept in sync by triggers from either side; the last link written wins.';

-- =============================================================================
-- Section: feature tables — workout history
-- =============================================================================

create table public.workout_logs (
  id uuid primary key default gen_random_uuid(),
  athlete_id uuid not null default private.current_athlete_id(),
  date date not null,
  session_type text not null,
  completion_status text not null default 'completed',
  prescribed_workout jsonb,
  completed_workout jsonb,
  rpe_pre smallint,
  rpe_post smallint,
  duration_minutes integer,
  heart_rate_avg smallint,
  calories_estimated integer,
  notes text,
  training_plan_day_id uuid,
  conversation_id uuid,
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint workout_logs_id_athlete_id_key unique (id, athlete_id),
  constraint workout_logs_training_plan_day_key unique (training_plan_day_id, athlete_id)
    deferrable initially deferred,
  constraint workout_logs_athlete_id_fkey foreign key (athlete_id)
    references public.athlete_profiles (id) on delete cascade,
  constraint workout_logs_training_plan_day_id_fkey foreign key (training_plan_day_id, athlete_id)
    references public.training_plan_days (id, athlete_id) on delete set null (training_plan_day_id),
  constraint workout_logs_conversation_id_fkey foreign key (conversation_id, athlete_id)
    references public.conversations (id, athlete_id) on delete set null (conversation_id),
  constraint workout_logs_session_type_check check (session_type in (
    'run', 'hiit', 'strength', 'simulation', 'recovery', 'race', 'benchmark', 'other'
  )),
  constraint workout_logs_completion_status_check
    check (completion_status in ('completed', 'partial', 'skipped')),
  constraint workout_logs_prescribed_workout_check
    check (jsonb_typeof(prescribed_workout) = 'object'),
  constraint workout_logs_completed_workout_check
    check (jsonb_typeof(completed_workout) = 'object'),
  constraint workout_logs_rpe_pre_check check (rpe_pre between 1 and 10),
  constraint workout_logs_rpe_post_check check (rpe_post between 1 and 10),
  constraint workout_logs_duration_minutes_check check (duration_minutes between 0 and 1440),
  constraint workout_logs_heart_rate_avg_check check (heart_rate_avg between 30 and 250),
  constraint workout_logs_calories_estimated_check check (calories_estimated between 0 and 20000)
);

-- The plan-day link has two columns (one per side) that must agree: declare
-- the mirror foreign key now that workout_logs exists.
alter table public.training_plan_days
  add constraint training_plan_days_linked_workout_log_key
    unique (linked_workout_log_id, athlete_id) deferrable initially deferred,
  add constraint training_plan_days_linked_workout_log_id_fkey
    foreign key (linked_workout_log_id, athlete_id)
    references public.workout_logs (id, athlete_id) on delete set null (linked_workout_log_id);

comment on table public.workout_logs is
  'Training history: what the athlete actually did. Never deleted by deleting a plan or a conversation (those links are cleared instead). Soft-deleted via deleted_at (restorable).';
comment on column public.workout_logs.date is
  'Calendar date the session was done (athlete''s local date).';
comment on column public.workout_logs.prescribed_workout is
  'JSON object: the session as planned (copied from the plan day or suggested by the coach).';
comment on column public.workout_logs.completed_workout is
  'JSON object: what was actually done — exercises, sets, reps, loads, distances, splits.';
comment on column public.workout_logs.completion_status is
  'completed | partial | skipped. A skipped log does not complete its plan day.';
comment on column public.workout_logs.training_plan_day_id is
  'The plan day this session fulfils, same athlete only. Source of the day''s linked_workout_log_id and is_completed; a day holds one log, the last one linked.';
comment on column public.workout_logs.conversation_id is
  'The chat that produced this log, if any; same athlete only; cleared if the conversation is deleted.';
comment on column public.workout_logs.deleted_at is
  'Soft delete: set to hide the log in the app, clear to restore. The row stays visible to its owner so undo is possible.';

create table public.benchmark_tests (
  id uuid primary key default gen_random_uuid(),
  athlete_id uuid not null default private.current_athlete_id(),
  test_date date not null,
  test_type text not null,
  station_id uuid,
  results jsonb not null default '{}'::jsonb,
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint benchmark_tests_athlete_id_fkey foreign key (athlete_id)
    references public.athlete_profiles (id) on delete cascade,
  constraint benchmark_tests_station_id_fkey foreign key (station_id)
    references public.hyrox_stations (id) on delete restrict,
  constraint benchmark_tests_test_type_check check (test_type in (
    'hyrox_pft', 'run_1k', 'run_1mile', 'run_5k', 'cooper_12min', 'skierg_1000m',
    'row_1000m', 'row_2000m', 'one_rep_max', 'station_test', 'simulation_full',
    'simulation_half', 'other'
  )),
  constraint benchmark_tests_station_test_check
    check (test_type <> 'station_test' or station_id is not null),
  constraint benchmark_tests_results_check check (jsonb_typeof(results) = 'object')
);

comment on table public.benchmark_tests is
  'Structured performance tests done on purpose (PFT, time trials, station tests, simulations). Kept separate from personal_records, which track best-ever values from any context.';
comment on column public.benchmark_tests.station_id is
  'Station tested, required for station_test.';
comment on column public.benchmark_tests.results is
  'JSON object of measured results, e.g. {"time_seconds": 215, "distance_m": 1000}.';

-- =============================================================================
-- Section: feature tables — races
-- =============================================================================

create table public.race_results (
  id uuid primary key default gen_random_uuid(),
  athlete_id uuid not null default private.current_athlete_id(),
  race_date date not null,
  race_name text not null,
  location text,
  season smallint,
  division text not null default 'open',
  format text not null default 'singles',
  race_category text,
  age_group text,
  status text not null default 'finished',
  total_time_seconds integer,
  penalty_seconds integer not null default 0,
  is_simulation boolean not null default false,
  conditions jsonb not null default '{}'::jsonb,
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint race_results_id_athlete_id_key unique (id, athlete_id),
  constraint race_results_athlete_id_fkey foreign key (athlete_id)
    references public.athlete_profiles (id) on delete cascade,
  constraint race_results_race_name_check check (race_name ~ '[^[:space:]]'),
  constraint race_results_season_check check (season between 1 and 50),
  constraint race_results_division_check
    check (division in ('open', 'pro', 'adaptive', 'elite_15')),
  constraint race_results_format_check check (format in ('singles', 'doubles', 'relay')),
  -- Published combinations: Open in every format, Pro singles and Pro Doubles, Adaptive and
  -- Elite 15 singles only (no Pro relay, no Adaptive or Elite 15 pairs).
  constraint race_results_division_format_check check (
    division = 'open' or format = 'singles' or (division = 'pro' and format = 'doubles')
  ),
  constraint race_results_race_category_check check (race_category in ('men', 'women', 'mixed')),
  constraint race_results_singles_race_category_check
    check (format <> 'singles' or race_category <> 'mixed'),
  -- Age groups differ by format; each rule tests only its own format, NULL (not published)
  -- passes every rule.
  constraint race_results_singles_age_group_check check (format <> 'singles' or age_group in (
    '16-24', '25-29', '30-34', '35-39', '40-44', '45-49', '50-54', '55-59',
    '60-64', '65-69', '70+', '70-74', '75-79', '80+'
  )),
  constraint race_results_doubles_age_group_check check (format <> 'doubles' or age_group in (
    '16-29', '30-39', '40-49', '50-59', '60-69', '60+', '60-70+', '70+'
  )),
  constraint race_results_relay_age_group_check
    check (format <> 'relay' or age_group in ('16-39', '40+')),
  constraint race_results_status_check check (status in ('finished', 'dnf', 'dsq')),
  constraint race_results_total_time_seconds_check
    check (total_time_seconds > 0 and total_time_seconds < 21600),
  constraint race_results_finished_total_check
    check (status <> 'finished' or total_time_seconds is not null),
  constraint race_results_penalty_seconds_check check (penalty_seconds between 0 and 3600),
  constraint race_results_conditions_check check (jsonb_typeof(conditions) = 'object')
);

comment on table public.race_results is
  'Official races and simulations. A result has a status (finished | dnf | dsq); only a finished result must have a total time.';
comment on column public.race_results.season is
  'Hyrox season number, e.g. 8 = 2025/26.';
comment on column public.race_results.division is
  'open | pro | adaptive | elite_15. Age group and format are separate columns (the draft mixed them). Pro Doubles = pro + doubles; adaptive and elite_15 are singles only; relay is open only.';
comment on column public.race_results.format is
  'singles | doubles | relay; decides which age groups and categories exist.';
comment on column public.race_results.race_category is
  'men | women | mixed (mixed only exists for doubles and relay). NULL when not published.';
comment on column public.race_results.age_group is
  'Official age group as published, per format: singles 16-24, 25-29 … 65-69, 70+ (or 70-74, 75-79, 80+); doubles 16-29, 30-39 … 60-69 (or 60+, 60-70+, 70+), by the pair''s average age; relay 16-39, 40+. NULL when the result has none.';
comment on column public.race_results.total_time_seconds is
  'Official total including roxzone and penalties; under 6 h. NULL allowed for DNF/DSQ.';
comment on column public.race_results.penalty_seconds is
  'Time penalties added to the total (15 s, 30 s or 2 min each since 2025/26).';
comment on column public.race_results.conditions is
  'JSON object of race conditions: weather, venue, temperature, surface notes.';

create table public.race_splits (
  id uuid primary key default gen_random_uuid(),
  race_result_id uuid not null,
  athlete_id uuid not null default private.current_athlete_id(),
  split_number smallint not null,
  split_type text not null,
  station_id uuid,
  station_number smallint generated always as (
    case when split_type = 'station' then split_number / 2 end
  ) stored,
  time_seconds integer,
  transition_time_seconds integer,
  heart_rate_avg smallint,
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint race_splits_split_number_key unique (race_result_id, athlete_id, split_number),
  constraint race_splits_race_result_id_fkey foreign key (race_result_id, athlete_id)
    references public.race_results (id, athlete_id) on delete cascade,
  constraint race_splits_station_id_fkey foreign key (station_id, station_number)
    references public.hyrox_stations (id, station_number) on delete restrict,
  constraint race_splits_split_number_check check (split_number between 1 and 16),
  constraint race_splits_split_type_check check (split_type in ('run', 'station')),
  constraint race_splits_sequence_check
    check ((split_type = 'run') = (split_number % 2 = 1)),
  constraint race_splits_station_id_check
    check ((split_type = 'station') = (station_id is not null)),
  constraint race_splits_time_seconds_check check (time_seconds > 0 and time_seconds < 21600),
  constraint race_splits_transition_time_seconds_check
    check (transition_time_seconds >= 0 and transition_time_seconds < 21600),
  constraint race_splits_heart_rate_avg_check check (heart_rate_avg between 30 and 250)
);

comment on table public.race_splits is
  'Per-segment times of a race: odd split_number = run (1 km), even = station; 16 at most. Deleting the race deletes its splits.';
comment on column public.race_splits.athlete_id is
  'Owner, denormalised from the race and kept equal to it by the composite foreign key.';
comment on column public.race_splits.split_number is
  'Race order 1..16: run 1, station 1, run 2, station 2, …, station 8.';
comment on column public.race_splits.station_id is
  'The station of a station split; NULL exactly for runs. Must be the station raced at that point: split 2k is station k (enforced with station_number).';
comment on column public.race_splits.station_number is
  'Generated: the station number a station split must have (split_number / 2); the foreign key to hyrox_stations (id, station_number) ties station_id to race order.';
comment on column public.race_splits.time_seconds is
  'Segment time; NULL when missing (real DNF results have gaps), never zero.';
comment on column public.race_splits.transition_time_seconds is
  'Roxzone time after this segment, before the next one starts.';

-- =============================================================================
-- Section: feature tables — records, goals, achievements
-- =============================================================================

create table public.personal_records (
  id uuid primary key default gen_random_uuid(),
  athlete_id uuid not null default private.current_athlete_id(),
  record_type text not null,
  exercise_id uuid,
  exercise_name text,
  station_id uuid,
  value numeric(10, 2) not null,
  value_unit text not null,
  date_achieved date not null,
  context text not null,
  previous_value numeric(10, 2),
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint personal_records_athlete_id_fkey foreign key (athlete_id)
    references public.athlete_profiles (id) on delete cascade,
  constraint personal_records_exercise_id_fkey foreign key (exercise_id)
    references public.exercise_library (id) on delete restrict,
  constraint personal_records_station_id_fkey foreign key (station_id)
    references public.hyrox_stations (id) on delete restrict,
  constraint personal_records_record_type_check check (record_type in (
    'station_time', 'exercise_weight', 'exercise_reps', 'running_pace', 'race_time'
  )),
  constraint personal_records_station_required_check
    check (record_type <> 'station_time' or station_id is not null),
  constraint personal_records_exercise_required_check check (
    record_type not in ('exercise_weight', 'exercise_reps')
    or exercise_id is not null or exercise_name is not null
  ),
  constraint personal_records_exercise_name_check check (exercise_name ~ '[^[:space:]]'),
  constraint personal_records_value_check check (value > 0),
  constraint personal_records_previous_value_check check (previous_value > 0),
  constraint personal_records_value_unit_check
    check (value_unit in ('seconds', 'kg', 'lbs', 'min_per_km', 'reps', 'meters')),
  constraint personal_records_context_check check (context in ('training', 'race', 'benchmark'))
);

comment on table public.personal_records is
  'Every recorded performance (full history, not only the current best): the best is chosen at read time, which also gives progression charts.';
comment on column public.personal_records.exercise_id is
  'The library exercise, preferred; exercise_name covers exercises not (yet) in the library.';
comment on column public.personal_records.exercise_name is
  'Free-text exercise name when exercise_id is not set.';
comment on column public.personal_records.value is
  'The performance in value_unit: seconds for times, kg/lbs for loads, min_per_km for pace, reps.';
comment on column public.personal_records.previous_value is
  'The best value before this one, stored when recorded for the improvement delta.';

create table public.goals (
  id uuid primary key default gen_random_uuid(),
  athlete_id uuid not null default private.current_athlete_id(),
  goal_type text not null,
  title text not null,
  description text,
  target_value numeric(10, 2),
  target_unit text,
  current_value numeric(10, 2),
  target_date date,
  station_id uuid,
  status text not null default 'active',
  completed_at timestamptz,
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint goals_athlete_id_fkey foreign key (athlete_id)
    references public.athlete_profiles (id) on delete cascade,
  constraint goals_station_id_fkey foreign key (station_id)
    references public.hyrox_stations (id) on delete restrict,
  constraint goals_goal_type_check check (goal_type in (
    'race_time', 'station_time', 'running_pace', 'body_comp', 'consistency',
    'training_volume', 'custom'
  )),
  constraint goals_title_check check (title ~ '[^[:space:]]'),
  constraint goals_target_unit_check check (target_unit in (
    'seconds', 'minutes', 'kg', 'lbs', 'min_per_km', 'reps', 'sessions', 'hours',
    'km', 'percent'
  )),
  constraint goals_target_value_unit_check check ((target_value is null) = (target_unit is null)),
  constraint goals_station_required_check
    check (goal_type <> 'station_time' or station_id is not null),
  constraint goals_status_check check (status in ('active', 'completed', 'abandoned')),
  constraint goals_completed_at_check check ((status = 'completed') = (completed_at is not null))
);

comment on table public.goals is
  'Goals with targets and progress. Soft-deleted via deleted_at (restorable).';
comment on column public.goals.target_date is
  'Deadline; NULL for open-ended goals.';
comment on column public.goals.completed_at is
  'Set exactly when status = completed.';
comment on column public.goals.deleted_at is
  'Soft delete: set to hide the goal in the app, clear to restore. The row stays visible to its owner so undo is possible.';

create table public.athlete_achievements (
  id uuid primary key default gen_random_uuid(),
  athlete_id uuid not null,
  achievement_id uuid not null,
  earned_at timestamptz not null default now(),
  context jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint athlete_achievements_athlete_achievement_key unique (athlete_id, achievement_id),
  constraint athlete_achievements_athlete_id_fkey foreign key (athlete_id)
    references public.athlete_profiles (id) on delete cascade,
  constraint athlete_achievements_achievement_id_fkey foreign key (achievement_id)
    references public.achievement_definitions (id) on delete restrict,
  constraint athlete_achievements_context_check check (jsonb_typeof(context) = 'object')
);

comment on table public.athlete_achievements is
  'Achievements earned, one row per athlete and achievement. Awarded only by the backend (service role), which evaluates the criteria; athletes read their own.';
comment on column public.athlete_achievements.context is
  'What triggered the award, e.g. {"race_result_id": "…"} or {"workout_log_id": "…"}.';

-- =============================================================================
-- Section: indexes
-- Every foreign key and every policy column leads some index. Composite
-- unique keys above already cover (parent_id, athlete_id) lookups.
-- =============================================================================

create index exercise_library_hyrox_station_id_idx
  on public.exercise_library (hyrox_station_id) where hyrox_station_id is not null;
create index exercise_library_category_idx on public.exercise_library (category);

create index conversations_athlete_id_updated_at_idx
  on public.conversations (athlete_id, updated_at desc);

create index messages_conversation_id_created_at_idx
  on public.messages (conversation_id, athlete_id, created_at);
create index messages_athlete_id_created_at_idx on public.messages (athlete_id, created_at desc);

create index training_plans_athlete_id_start_date_idx
  on public.training_plans (athlete_id, start_date desc);
create index training_plans_source_conversation_id_idx
  on public.training_plans (source_conversation_id, athlete_id)
  where source_conversation_id is not null;
create unique index training_plans_one_active_per_athlete_key
  on public.training_plans (athlete_id) where status = 'active' and deleted_at is null;

create index training_plan_weeks_athlete_id_idx on public.training_plan_weeks (athlete_id);

-- the policy column's index, also serving "today's session" (athlete, date)
create index training_plan_days_athlete_id_scheduled_date_idx
  on public.training_plan_days (athlete_id, scheduled_date);

create index workout_logs_athlete_id_date_idx on public.workout_logs (athlete_id, date desc);
create index workout_logs_conversation_id_idx
  on public.workout_logs (conversation_id, athlete_id) where conversation_id is not null;

create index benchmark_tests_athlete_id_test_date_idx
  on public.benchmark_tests (athlete_id, test_date desc);
create index benchmark_tests_station_id_idx
  on public.benchmark_tests (station_id) where station_id is not null;

create index race_results_athlete_id_race_date_idx
  on public.race_results (athlete_id, race_date desc);

create index race_splits_athlete_id_station_id_idx on public.race_splits (athlete_id, station_id);
create index race_splits_station_id_idx
  on public.race_splits (station_id, station_number) where station_id is not null;

create index personal_records_athlete_id_record_type_idx
  on public.personal_records (athlete_id, record_type, date_achieved);
create index personal_records_athlete_id_station_id_idx
  on public.personal_records (athlete_id, station_id, date_achieved)
  where station_id is not null;
create index personal_records_exercise_id_idx
  on public.personal_records (exercise_id) where exercise_id is not null;
create index personal_records_station_id_idx
  on public.personal_records (station_id) where station_id is not null;

create index goals_athlete_id_status_idx on public.goals (athlete_id, status);
create index goals_station_id_idx on public.goals (station_id) where station_id is not null;

create index athlete_achievements_achievement_id_idx
  on public.athlete_achievements (achievement_id);

-- =============================================================================
-- Section: trigger functions and triggers
-- =============================================================================

-- updated_at is the server's: it moves on every update and ignores the
-- client's value; created_at never changes after insert.
create function private.update_updated_at()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  new.updated_at := now();
  new.created_at := old.created_at;
  return new;
end
$$;

comment on function private.update_updated_at() is
  'BEFORE UPDATE trigger: sets updated_at = now() and keeps created_at as inserted, whatever the client sent.';

-- Ownership is fixed at insert: no update may hand a row to another owner.
-- Attached with a WHEN clause that compares the owner column; the argument
-- names that column for the message.
create function private.forbid_owner_change()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  raise exception '%.% cannot change: rows never move to another owner', tg_table_name, tg_argv[0]
    using errcode = 'insufficient_privilege';
end
$$;

comment on function private.forbid_owner_change() is
  'BEFORE UPDATE trigger (fired only when the owner column changes): rejects the update with SQLSTATE 42501.';

-- Plan-day <-> workout-log link, side 1: a log claims (or refreshes, or
-- releases) its plan day. The day then mirrors the link and derives
-- is_completed from the log.
--
-- Both link functions have definer rights. They run as AFTER triggers, and
-- up to PostgreSQL 17 an AFTER trigger queued by a referential action (the
-- `set null` of a deleted day or log) runs as the role of the outer
-- statement: when GoTrue deletes an account, that is `supabase_auth_admin`,
-- which has no grant on public, and an invoker trigger made the whole
-- deletion fail (design doc 5.3). As definer they write exactly what they
-- wrote before, and no more: only rows of the athlete the triggering row
-- belongs to (`athlete_id = new.athlete_id`; the composite foreign keys
-- already tie a link to one athlete), only the link column, and only
-- through conditions on the ids the triggering row holds.
create function private.sync_plan_day_from_workout_log()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE'
     and old.training_plan_day_id is not null
     and old.training_plan_day_id is distinct from new.training_plan_day_id then
    update public.training_plan_days
       set linked_workout_log_id = null
     where id = old.training_plan_day_id
       and athlete_id = new.athlete_id
       and linked_workout_log_id = old.id;
  end if;
  if new.training_plan_day_id is not null then
    -- also when the link is unchanged: the day re-derives is_completed
    update public.training_plan_days
       set linked_workout_log_id = new.id
     where id = new.training_plan_day_id
       and athlete_id = new.athlete_id;
  end if;
  return null;
end
$$;

comment on function private.sync_plan_day_from_workout_log() is
  'AFTER trigger on workout_logs: mirrors training_plan_day_id into training_plan_days.linked_workout_log_id (releasing the previous day). Definer rights, writing only days of the log''s athlete: it must also run when a referential action queued it under GoTrue''s role (PG 15/17).';

-- Side 2: a day is (re)pointed at a log. The log mirrors it; the log that held
-- the day before is released (last link wins). Definer rights, as side 1.
create function private.sync_workout_log_from_plan_day()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and old.linked_workout_log_id is not distinct from new.linked_workout_log_id then
    return null;
  end if;
  if tg_op = 'UPDATE' and old.linked_workout_log_id is not null then
    update public.workout_logs
       set training_plan_day_id = null
     where id = old.linked_workout_log_id
       and athlete_id = new.athlete_id
       and training_plan_day_id = new.id;
  end if;
  if new.linked_workout_log_id is not null then
    update public.workout_logs
       set training_plan_day_id = new.id
     where id = new.linked_workout_log_id
       and athlete_id = new.athlete_id
       and training_plan_day_id is distinct from new.id;
  end if;
  return null;
end
$$;

comment on function private.sync_workout_log_from_plan_day() is
  'AFTER trigger on training_plan_days: mirrors linked_workout_log_id into workout_logs.training_plan_day_id (releasing the previous log). Definer rights, writing only logs of the day''s athlete: it must also run when a referential action queued it under GoTrue''s role (PG 15/17).';

-- is_completed is derived from the linked log, never taken from the client.
create function private.derive_plan_day_completion()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  new.is_completed := new.linked_workout_log_id is not null and exists (
    select 1
    from public.workout_logs as l
    where l.id = new.linked_workout_log_id
      and l.completion_status in ('completed', 'partial')
      and l.deleted_at is null
  );
  return new;
end
$$;

comment on function private.derive_plan_day_completion() is
  'BEFORE INSERT/UPDATE trigger on training_plan_days: is_completed := the linked log is completed or partial and not soft-deleted.';

-- One lock order for everything that can reach both sides of the link: a
-- request first locks the requesting athlete's profile row, before its first
-- row of a plan, week, day, log or conversation. Two requests of one athlete
-- then queue on that row instead of each holding one side of the link and
-- waiting for the other (a deadlock). NO KEY UPDATE does not conflict with the
-- KEY SHARE locks of foreign-key checks, so other writes are not slowed; an
-- account deletion locks the same row first (it deletes it). Nested statements
-- (link triggers, foreign-key actions) run inside a request that already holds
-- it: the triggers fire only at pg_trigger_depth() = 0. Invoker rights: the
-- athlete reads and locks their own profile through its select and update
-- policies. No requesting athlete (service role, auth admin): no lock.
create function private.lock_requesting_athlete()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  perform 1
  from public.athlete_profiles as p
  where p.user_id = (select auth.uid())
  for no key update of p;
  return null;
end
$$;

comment on function private.lock_requesting_athlete() is
  'BEFORE STATEMENT trigger (top-level statements only) on the tables the plan-day <-> workout-log link reaches: locks the requesting athlete''s profile row (FOR NO KEY UPDATE) so every request of one athlete takes its locks in one order, profile first. No-op without auth.uid().';

revoke all on function private.update_updated_at() from public;
revoke all on function private.forbid_owner_change() from public;
revoke all on function private.sync_plan_day_from_workout_log() from public;
revoke all on function private.sync_workout_log_from_plan_day() from public;
revoke all on function private.derive_plan_day_completion() from public;
revoke all on function private.lock_requesting_athlete() from public;

-- updated_at on every table
create trigger hyrox_stations_set_updated_at before update on public.hyrox_stations
  for each row execute function private.update_updated_at();
create trigger exercise_library_set_updated_at before update on public.exercise_library
  for each row execute function private.update_updated_at();
create trigger achievement_definitions_set_updated_at
  before update on public.achievement_definitions
  for each row execute function private.update_updated_at();
create trigger athlete_profiles_set_updated_at before update on public.athlete_profiles
  for each row execute function private.update_updated_at();
create trigger conversations_set_updated_at before update on public.conversations
  for each row execute function private.update_updated_at();
create trigger messages_set_updated_at before update on public.messages
  for each row execute function private.update_updated_at();
create trigger training_plans_set_updated_at before update on public.training_plans
  for each row execute function private.update_updated_at();
create trigger training_plan_weeks_set_updated_at before update on public.training_plan_weeks
  for each row execute function private.update_updated_at();
create trigger training_plan_days_set_updated_at before update on public.training_plan_days
  for each row execute function private.update_updated_at();
create trigger workout_logs_set_updated_at before update on public.workout_logs
  for each row execute function private.update_updated_at();
create trigger benchmark_tests_set_updated_at before update on public.benchmark_tests
  for each row execute function private.update_updated_at();
create trigger race_results_set_updated_at before update on public.race_results
  for each row execute function private.update_updated_at();
create trigger race_splits_set_updated_at before update on public.race_splits
  for each row execute function private.update_updated_at();
create trigger personal_records_set_updated_at before update on public.personal_records
  for each row execute function private.update_updated_at();
create trigger goals_set_updated_at before update on public.goals
  for each row execute function private.update_updated_at();
create trigger athlete_achievements_set_updated_at before update on public.athlete_achievements
  for each row execute function private.update_updated_at();

-- owners are immutable on every athlete-owned table
create trigger athlete_profiles_owner_immutable before update of user_id on public.athlete_profiles
  for each row when (old.user_id is distinct from new.user_id)
  execute function private.forbid_owner_change('user_id');
create trigger conversations_owner_immutable before update of athlete_id on public.conversations
  for each row when (old.athlete_id is distinct from new.athlete_id)
  execute function private.forbid_owner_change('athlete_id');
create trigger messages_owner_immutable before update of athlete_id on public.messages
  for each row when (old.athlete_id is distinct from new.athlete_id)
  execute function private.forbid_owner_change('athlete_id');
create trigger training_plans_owner_immutable before update of athlete_id on public.training_plans
  for each row when (old.athlete_id is distinct from new.athlete_id)
  execute function private.forbid_owner_change('athlete_id');
create trigger training_plan_weeks_owner_immutable
  before update of athlete_id on public.training_plan_weeks
  for each row when (old.athlete_id is distinct from new.athlete_id)
  execute function private.forbid_owner_change('athlete_id');
create trigger training_plan_days_owner_immutable
  before update of athlete_id on public.training_plan_days
  for each row when (old.athlete_id is distinct from new.athlete_id)
  execute function private.forbid_owner_change('athlete_id');
create trigger workout_logs_owner_immutable before update of athlete_id on public.workout_logs
  for each row when (old.athlete_id is distinct from new.athlete_id)
  execute function private.forbid_owner_change('athlete_id');
create trigger benchmark_tests_owner_immutable before update of athlete_id on public.benchmark_tests
  for each row when (old.athlete_id is distinct from new.athlete_id)
  execute function private.forbid_owner_change('athlete_id');
create trigger race_results_owner_immutable before update of athlete_id on public.race_results
  for each row when (old.athlete_id is distinct from new.athlete_id)
  execute function private.forbid_owner_change('athlete_id');
create trigger race_splits_owner_immutable before update of athlete_id on public.race_splits
  for each row when (old.athlete_id is distinct from new.athlete_id)
  execute function private.forbid_owner_change('athlete_id');
create trigger personal_records_owner_immutable
  before update of athlete_id on public.personal_records
  for each row when (old.athlete_id is distinct from new.athlete_id)
  execute function private.forbid_owner_change('athlete_id');
create trigger goals_owner_immutable before update of athlete_id on public.goals
  for each row when (old.athlete_id is distinct from new.athlete_id)
  execute function private.forbid_owner_change('athlete_id');
create trigger athlete_achievements_owner_immutable
  before update of athlete_id on public.athlete_achievements
  for each row when (old.athlete_id is distinct from new.athlete_id)
  execute function private.forbid_owner_change('athlete_id');

-- the plan-day <-> workout-log link
create trigger workout_logs_sync_plan_day_link
  after insert or update of training_plan_day_id, completion_status, deleted_at
  on public.workout_logs
  for each row execute function private.sync_plan_day_from_workout_log();
create trigger training_plan_days_sync_workout_log_link
  after insert or update of linked_workout_log_id on public.training_plan_days
  for each row execute function private.sync_workout_log_from_plan_day();
create trigger training_plan_days_derive_completion
  before insert or update on public.training_plan_days
  for each row execute function private.derive_plan_day_completion();

-- the lock order of the link: the requesting athlete's profile row first, on
-- every table whose writes reach training_plan_days or workout_logs
create trigger conversations_lock_athlete_first
  before insert or update or delete on public.conversations
  for each statement when (pg_trigger_depth() = 0)
  execute function private.lock_requesting_athlete();
create trigger training_plans_lock_athlete_first
  before insert or update or delete on public.training_plans
  for each statement when (pg_trigger_depth() = 0)
  execute function private.lock_requesting_athlete();
create trigger training_plan_weeks_lock_athlete_first
  before insert or update or delete on public.training_plan_weeks
  for each statement when (pg_trigger_depth() = 0)
  execute function private.lock_requesting_athlete();
create trigger training_plan_days_lock_athlete_first
  before insert or update or delete on public.training_plan_days
  for each statement when (pg_trigger_depth() = 0)
  execute function private.lock_requesting_athlete();
create trigger workout_logs_lock_athlete_first
  before insert or update or delete on public.workout_logs
  for each statement when (pg_trigger_depth() = 0)
  execute function private.lock_requesting_athlete();

-- =============================================================================
-- Section: scheduled dates of plan days (derived, for "today's session")
-- training_plan_days.scheduled_date = the plan's start_date
-- + (week_number - 1) * 7 + (day_of_week - 1), or NULL while the plan has
-- no start date. A date computed per row in the query cannot be served by an
-- index; a stored one can. It is never taken from the client: a BEFORE
-- trigger on days computes it on insert and whenever the day's week, day of
-- week or the date itself is written, and AFTER triggers on plans and weeks
-- push a moved start date or week number down to the days. Propagation runs
-- plan -> week -> day, the order every other writer takes.
-- =============================================================================

-- Definer rights, so the per-row lookup of the day's week and plan does not
-- re-run two policies (two identity lookups) per inserted day. It reads only
-- the week and plan matching (training_plan_week_id, athlete_id) of the new
-- row, which the composite foreign key demands anyway, and writes only NEW.
create function private.derive_plan_day_scheduled_date()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.scheduled_date := (
    select p.start_date + (w.week_number - 1) * 7 + (new.day_of_week - 1)
    from public.training_plan_weeks as w
    join public.training_plans as p
      on p.id = w.training_plan_id and p.athlete_id = w.athlete_id
    where w.id = new.training_plan_week_id
      and w.athlete_id = new.athlete_id
  );
  return new;
end
$$;

comment on function private.derive_plan_day_scheduled_date() is
  'BEFORE INSERT/UPDATE trigger on training_plan_days: scheduled_date := plan start_date + (week_number - 1) * 7 + (day_of_week - 1), whatever the client sent (NULL without a start date).';

-- A plan's start date moved, or a week changed its number or its plan: the
-- days below move with it. Writing scheduled_date fires the days' BEFORE
-- trigger, which derives the new date; the value written here is discarded.
create function private.reschedule_plan_days()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  update public.training_plan_days as d
     set scheduled_date = null
    from public.training_plan_weeks as w
   where w.athlete_id = new.athlete_id
     and case tg_table_name
           when 'training_plans' then w.training_plan_id = new.id
           else w.id = new.id
         end
     and d.training_plan_week_id = w.id
     and d.athlete_id = w.athlete_id;
  return null;
end
$$;

comment on function private.reschedule_plan_days() is
  'AFTER UPDATE trigger on training_plans (start_date) and training_plan_weeks (week_number, training_plan_id): re-derives scheduled_date of the days below.';

revoke all on function private.derive_plan_day_scheduled_date() from public;
revoke all on function private.reschedule_plan_days() from public;

create trigger training_plans_reschedule_days
  after update of start_date on public.training_plans
  for each row when (old.start_date is distinct from new.start_date)
  execute function private.reschedule_plan_days();
create trigger training_plan_weeks_reschedule_days
  after update of week_number, training_plan_id on public.training_plan_weeks
  for each row when (
    old.week_number is distinct from new.week_number
    or old.training_plan_id is distinct from new.training_plan_id
  )
  execute function private.reschedule_plan_days();
create trigger training_plan_days_derive_scheduled_date
  before insert or update of training_plan_week_id, day_of_week, scheduled_date
  on public.training_plan_days
  for each row execute function private.derive_plan_day_scheduled_date();

-- =============================================================================
-- Section: privileges
-- Supabase grants anon and authenticated ALL on new public tables. Take that
-- back and grant each role what it needs: RLS is the wall, grants are the
-- moat (and TRUNCATE, which ignores RLS, is never granted to a client).
-- =============================================================================

revoke all on table
  public.hyrox_stations, public.exercise_library, public.achievement_definitions,
  public.athlete_profiles, public.conversations, public.messages, public.training_plans,
  public.training_plan_weeks, public.training_plan_days, public.workout_logs,
  public.benchmark_tests, public.race_results, public.race_splits, public.personal_records,
  public.goals, public.athlete_achievements
  from anon, authenticated;

grant all on table
  public.hyrox_stations, public.exercise_library, public.achievement_definitions,
  public.athlete_profiles, public.conversations, public.messages, public.training_plans,
  public.training_plan_weeks, public.training_plan_days, public.workout_logs,
  public.benchmark_tests, public.race_results, public.race_splits, public.personal_records,
  public.goals, public.athlete_achievements
  to service_role;

-- reference data: everyone reads
grant select on table
  public.hyrox_stations, public.exercise_library, public.achievement_definitions
  to anon, authenticated;

-- athlete data: signed-in users only, RLS decides which rows
grant select, insert, update, delete on table
  public.athlete_profiles, public.conversations, public.training_plans,
  public.training_plan_weeks, public.training_plan_days, public.workout_logs,
  public.benchmark_tests, public.race_results, public.race_splits, public.personal_records,
  public.goals
  to authenticated;

-- messages: read, post, and change only pinned and feedback
grant select, insert on table public.messages to authenticated;
grant update (pinned, feedback) on table public.messages to authenticated;

-- achievements: read only; awarding is the backend's job
grant select on table public.athlete_achievements to authenticated;

-- =============================================================================
-- Section: row level security
-- Policies: one per role and command, `to` a role, auth.uid() only inside
-- (select ...) so it is evaluated once per statement.
-- =============================================================================

alter table public.hyrox_stations enable row level security;
alter table public.exercise_library enable row level security;
alter table public.achievement_definitions enable row level security;
alter table public.athlete_profiles enable row level security;
alter table public.conversations enable row level security;
alter table public.messages enable row level security;
alter table public.training_plans enable row level security;
alter table public.training_plan_weeks enable row level security;
alter table public.training_plan_days enable row level security;
alter table public.workout_logs enable row level security;
alter table public.benchmark_tests enable row level security;
alter table public.race_results enable row level security;
alter table public.race_splits enable row level security;
alter table public.personal_records enable row level security;
alter table public.goals enable row level security;
alter table public.athlete_achievements enable row level security;

-- reference tables ------------------------------------------------------------

create policy "everyone can read hyrox stations"
  on public.hyrox_stations for select to anon, authenticated using (true);

create policy "everyone can read the exercise library"
  on public.exercise_library for select to anon, authenticated using (true);

create policy "everyone can read achievement definitions"
  on public.achievement_definitions for select to anon, authenticated using (true);

-- athlete_profiles ------------------------------------------------------------

create policy "athletes can read their own profile"
  on public.athlete_profiles for select to authenticated
  using (user_id = (select auth.uid()));
create policy "athletes can create their own profile"
  on public.athlete_profiles for insert to authenticated
  with check (user_id = (select auth.uid()));
create policy "athletes can update their own profile"
  on public.athlete_profiles for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
create policy "athletes can delete their own profile"
  on public.athlete_profiles for delete to authenticated
  using (user_id = (select auth.uid()));

-- conversations ---------------------------------------------------------------

create policy "athletes can read their own conversations"
  on public.conversations for select to authenticated
  using (athlete_id = (select private.current_athlete_id()));
create policy "athletes can create their own conversations"
  on public.conversations for insert to authenticated
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can update their own conversations"
  on public.conversations for update to authenticated
  using (athlete_id = (select private.current_athlete_id()))
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can delete their own conversations"
  on public.conversations for delete to authenticated
  using (athlete_id = (select private.current_athlete_id()));

-- messages --------------------------------------------------------------------

create policy "athletes can read messages of their own conversations"
  on public.messages for select to authenticated
  using (athlete_id = (select private.current_athlete_id()));
create policy "athletes can post user messages in their own conversations"
  on public.messages for insert to authenticated
  -- role = 'user' also keeps model metadata off: messages_assistant_only_fields_check
  with check (athlete_id = (select private.current_athlete_id()) and role = 'user');
create policy "athletes can pin and rate messages of their own conversations"
  on public.messages for update to authenticated
  using (athlete_id = (select private.current_athlete_id()))
  with check (athlete_id = (select private.current_athlete_id()));

-- training_plans --------------------------------------------------------------

create policy "athletes can read their own training plans"
  on public.training_plans for select to authenticated
  using (athlete_id = (select private.current_athlete_id()));
create policy "athletes can create their own training plans"
  on public.training_plans for insert to authenticated
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can update their own training plans"
  on public.training_plans for update to authenticated
  using (athlete_id = (select private.current_athlete_id()))
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can delete their own training plans"
  on public.training_plans for delete to authenticated
  using (athlete_id = (select private.current_athlete_id()));

-- training_plan_weeks ---------------------------------------------------------

create policy "athletes can read weeks of their own training plans"
  on public.training_plan_weeks for select to authenticated
  using (athlete_id = (select private.current_athlete_id()));
create policy "athletes can add weeks to their own training plans"
  on public.training_plan_weeks for insert to authenticated
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can update weeks of their own training plans"
  on public.training_plan_weeks for update to authenticated
  using (athlete_id = (select private.current_athlete_id()))
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can delete weeks of their own training plans"
  on public.training_plan_weeks for delete to authenticated
  using (athlete_id = (select private.current_athlete_id()));

-- training_plan_days ----------------------------------------------------------

create policy "athletes can read days of their own training plans"
  on public.training_plan_days for select to authenticated
  using (athlete_id = (select private.current_athlete_id()));
create policy "athletes can add days to their own training plans"
  on public.training_plan_days for insert to authenticated
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can update days of their own training plans"
  on public.training_plan_days for update to authenticated
  using (athlete_id = (select private.current_athlete_id()))
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can delete days of their own training plans"
  on public.training_plan_days for delete to authenticated
  using (athlete_id = (select private.current_athlete_id()));

-- workout_logs ----------------------------------------------------------------

create policy "athletes can read their own workout logs"
  on public.workout_logs for select to authenticated
  using (athlete_id = (select private.current_athlete_id()));
create policy "athletes can create their own workout logs"
  on public.workout_logs for insert to authenticated
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can update their own workout logs"
  on public.workout_logs for update to authenticated
  using (athlete_id = (select private.current_athlete_id()))
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can delete their own workout logs"
  on public.workout_logs for delete to authenticated
  using (athlete_id = (select private.current_athlete_id()));

-- benchmark_tests -------------------------------------------------------------

create policy "athletes can read their own benchmark tests"
  on public.benchmark_tests for select to authenticated
  using (athlete_id = (select private.current_athlete_id()));
create policy "athletes can create their own benchmark tests"
  on public.benchmark_tests for insert to authenticated
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can update their own benchmark tests"
  on public.benchmark_tests for update to authenticated
  using (athlete_id = (select private.current_athlete_id()))
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can delete their own benchmark tests"
  on public.benchmark_tests for delete to authenticated
  using (athlete_id = (select private.current_athlete_id()));

-- race_results ----------------------------------------------------------------

create policy "athletes can read their own race results"
  on public.race_results for select to authenticated
  using (athlete_id = (select private.current_athlete_id()));
create policy "athletes can create their own race results"
  on public.race_results for insert to authenticated
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can update their own race results"
  on public.race_results for update to authenticated
  using (athlete_id = (select private.current_athlete_id()))
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can delete their own race results"
  on public.race_results for delete to authenticated
  using (athlete_id = (select private.current_athlete_id()));

-- race_splits -----------------------------------------------------------------

create policy "athletes can read splits of their own races"
  on public.race_splits for select to authenticated
  using (athlete_id = (select private.current_athlete_id()));
create policy "athletes can add splits to their own races"
  on public.race_splits for insert to authenticated
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can update splits of their own races"
  on public.race_splits for update to authenticated
  using (athlete_id = (select private.current_athlete_id()))
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can delete splits of their own races"
  on public.race_splits for delete to authenticated
  using (athlete_id = (select private.current_athlete_id()));

-- personal_records ------------------------------------------------------------

create policy "athletes can read their own personal records"
  on public.personal_records for select to authenticated
  using (athlete_id = (select private.current_athlete_id()));
create policy "athletes can create their own personal records"
  on public.personal_records for insert to authenticated
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can update their own personal records"
  on public.personal_records for update to authenticated
  using (athlete_id = (select private.current_athlete_id()))
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can delete their own personal records"
  on public.personal_records for delete to authenticated
  using (athlete_id = (select private.current_athlete_id()));

-- goals -----------------------------------------------------------------------

create policy "athletes can read their own goals"
  on public.goals for select to authenticated
  using (athlete_id = (select private.current_athlete_id()));
create policy "athletes can create their own goals"
  on public.goals for insert to authenticated
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can update their own goals"
  on public.goals for update to authenticated
  using (athlete_id = (select private.current_athlete_id()))
  with check (athlete_id = (select private.current_athlete_id()));
create policy "athletes can delete their own goals"
  on public.goals for delete to authenticated
  using (athlete_id = (select private.current_athlete_id()));

-- athlete_achievements --------------------------------------------------------

create policy "athletes can read their own achievements"
  on public.athlete_achievements for select to authenticated
  using (athlete_id = (select private.current_athlete_id()));

commit;
