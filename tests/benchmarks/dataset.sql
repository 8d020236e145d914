-- =============================================================================
-- RLS benchmark dataset: deterministic, set-based, N athletes.
--
-- Run by tests/benchmarks/datasets.py as the superuser on a database migrated
-- with 001, in one transaction after `set_config('bench.athletes', '<N>', true)`; with
-- `bench.profile_is_user` = 'on', every profile's id is its auth user's id
-- (the data of the "uid" design alternative), else an id of its own.
-- Each athlete (i = 1..N) gets:
--   1 auth user + profile, 1 active 16-week plan (16 weeks, 112 days),
--   20 workout logs (12 linked to the plan's first two weeks, 1 soft-deleted),
--   2 benchmark tests, 3 races with 16 splits each, 2 conversations of
--   30 messages, 24 personal records (3 per station), 3 goals, 2 achievements.
-- Ids are md5-derived uuids of a (kind, number) pair: random-looking like
-- gen_random_uuid(), yet the same on every run. Rows written over time
-- (logs, messages, records) are inserted in time order, interleaving athletes
-- as production would, so an athlete's rows are spread over the heap.
--
-- Triggers (foreign-key triggers included) are off while loading
-- (session_replication_role = replica): the generator writes both sides of
-- every link and the derived columns (is_completed, scheduled_date) itself, and
-- tests/benchmarks/datasets.py checks those invariants after loading.
-- =============================================================================

set session_replication_role = replica;

-- The benchmark id of row `n` of `kind` (e.g. bench_id('day', 17)).
create function pg_temp.bench_id(kind text, n bigint)
returns uuid
language sql
immutable
as $$ select md5(kind || ':' || n)::uuid $$;

-- Reference data (seeded in Phase 3; the benchmark brings its own) ------------

insert into public.hyrox_stations (
  id, station_number, station_name, exercise_type, distance_or_reps,
  weight_open_men_kg, weight_open_women_kg, weight_pro_men_kg, weight_pro_women_kg
)
select pg_temp.bench_id('station', s.n), s.n, s.name, s.kind, s.work, s.om, s.ow, s.pm, s.pw
from (values
  (1, 'SkiErg', 'erg', '1000m', null, null, null, null),
  (2, 'Sled Push', 'sled', '50m', 152.0, 102.0, 202.0, 152.0),
  (3, 'Sled Pull', 'sled', '50m', 103.0, 78.0, 153.0, 103.0),
  (4, 'Burpee Broad Jumps', 'bodyweight', '80m', null, null, null, null),
  (5, 'Rowing', 'erg', '1000m', null, null, null, null),
  (6, 'Farmers Carry', 'carry', '200m', 24.0, 16.0, 32.0, 24.0),
  (7, 'Sandbag Lunges', 'lunge', '100m', 20.0, 10.0, 30.0, 20.0),
  (8, 'Wall Balls', 'throw', '100 reps', 6.0, 4.0, 9.0, 6.0)
) as s (n, name, kind, work, om, ow, pm, pw)
on conflict do nothing;

-- Station ids by number (seeds/*.sql may have loaded the stations already).
create temporary table bench_station on commit drop as
select station_number as n, id from public.hyrox_stations;

insert into public.exercise_library (id, name, category, hyrox_station_id)
select pg_temp.bench_id('exercise', s.n), 'Bench station drill ' || s.n, 'station_specific', s.id
from bench_station as s
on conflict do nothing;

insert into public.achievement_definitions (id, code, name, description, category)
select pg_temp.bench_id('achievement', a.n), a.code, a.name, a.name, a.category
from (values
  (1, 'first_race_logged', 'First Race Logged', 'race'),
  (2, 'sub_90_minute_hyrox', 'Sub-90 Minute Hyrox', 'race'),
  (3, 'training_streak_30', '30-Day Training Streak', 'consistency'),
  (4, 'all_stations_benchmarked', 'All Stations Benchmarked', 'benchmark'),
  (5, 'first_ai_coaching_session', 'First AI Coaching Session', 'coaching')
) as a (n, code, name, category)
on conflict do nothing;

-- Athletes ------------------------------------------------------------------------

create temporary table bench_athlete on commit drop as
select i,
       pg_temp.bench_id('user', i) as user_id,
       case current_setting('bench.profile_is_user', true)
         when 'on' then pg_temp.bench_id('user', i)
         else pg_temp.bench_id('athlete', i)
       end as athlete_id,
       pg_temp.bench_id('plan', i) as plan_id,
       -- plans start on a Monday, eight start weeks so "today" hits every week
       date '2026-01-05' - (i % 8) * 7 as start_date
from generate_series(1, current_setting('bench.athletes')::int) as i;

insert into auth.users (id, aud, role, email, created_at, updated_at)
select user_id, 'authenticated', 'authenticated', 'athlete' || i || '@bench.test',
       timestamptz '2025-06-01' + i * interval '1 minute',
       timestamptz '2025-06-01' + i * interval '1 minute'
from bench_athlete;

insert into public.athlete_profiles (
  id, user_id, display_name, date_of_birth, sex, weight_kg, height_cm,
  hyrox_division, hyrox_format, hyrox_race_count, current_phase, race_date,
  goal_time_minutes, weekly_availability_hours, profile_complete, created_at, updated_at
)
select athlete_id, user_id, 'Athlete ' || i, date '1980-01-01' + (i % 7000),
       (array['male', 'female', 'other'])[1 + i % 3], 60 + i % 40, 160 + i % 35,
       (array['open', 'pro'])[1 + i % 2], 'singles', i % 6, 'specific_prep',
       start_date + 112, 75 + i % 30, 6 + i % 8, true,
       timestamptz '2025-06-01' + i * interval '1 minute',
       timestamptz '2025-06-01' + i * interval '1 minute'
from bench_athlete;

-- Chat: 2 conversations x 30 messages --------------------------------------------------

insert into public.conversations (
  id, athlete_id, title, title_source, topic, started_at, created_at, updated_at
)
select pg_temp.bench_id('conversation', a.i * 2 + c), a.athlete_id, 'Chat ' || c, 'auto',
       (array['training', 'racing'])[c], t, t, t + interval '30 minutes'
from bench_athlete as a
cross join generate_series(0, 1) as c
cross join lateral (
  select timestamptz '2026-01-01' + c * interval '20 days' + a.i * interval '1 second' as t
) as ts;

insert into public.messages (
  id, conversation_id, athlete_id, role, content, rag_chunks_used, tokens_in, tokens_out,
  latency_ms, created_at, updated_at
)
select pg_temp.bench_id('message', (a.i * 2 + c) * 30 + m), pg_temp.bench_id('conversation', a.i * 2 + c),
       a.athlete_id, r.role,
       case r.role when 'user' then 'Question ' || m else 'Answer ' || m || ': ' || repeat('pace ', 40) end,
       case r.role when 'assistant' then array['chunk-' || m] end,
       case r.role when 'assistant' then 900 + m end,
       case r.role when 'assistant' then 250 + m end,
       case r.role when 'assistant' then 1200 + m end,
       t, t
from bench_athlete as a
cross join generate_series(0, 1) as c
cross join generate_series(1, 30) as m
cross join lateral (
  select case when m % 2 = 1 then 'user' else 'assistant' end as role,
         timestamptz '2026-01-01' + c * interval '20 days' + m * interval '1 minute'
           + a.i * interval '1 second' as t
) as r
order by r.t;

-- Training plan: 1 active plan x 16 weeks x 7 days -------------------------------------

insert into public.training_plans (
  id, athlete_id, plan_name, duration_weeks, goal, difficulty, is_ai_generated, status,
  start_date, end_date, source_conversation_id, created_at, updated_at
)
select plan_id, athlete_id, '16-week Hyrox build', 16, 'Sub-90 finish', 'intermediate', true,
       'active', start_date, start_date + 111, pg_temp.bench_id('conversation', i * 2),
       start_date - interval '3 days', start_date - interval '3 days'
from bench_athlete;

insert into public.training_plan_weeks (
  id, training_plan_id, athlete_id, week_number, focus, target_volume_hours, created_at, updated_at
)
select pg_temp.bench_id('week', a.i * 16 + w), a.plan_id, a.athlete_id, w,
       (array['Base Building', 'Station Technique', 'Race Simulation', 'Taper'])[1 + (w - 1) / 4],
       6 + w % 4, a.start_date - interval '3 days', a.start_date - interval '3 days'
from bench_athlete as a
cross join generate_series(1, 16) as w;

-- Workout logs 1..12 complete the first twelve training days (weeks 1-2, Mon-Sat);
-- log 5 is skipped (its day stays open), log 20 is soft-deleted.
create temporary table bench_log on commit drop as
select a.i, a.athlete_id, n,
       pg_temp.bench_id('log', a.i * 20 + n) as log_id,
       case when n <= 12 then pg_temp.bench_id('day', (a.i * 16 + 1 + (n - 1) / 6) * 7 + 1 + (n - 1) % 6) end
         as day_id,
       case when n <= 12 then a.start_date + ((n - 1) / 6) * 7 + (n - 1) % 6
            else a.start_date + 14 + (n - 13) end as date,
       case when n = 5 then 'skipped' when n = 9 then 'partial' else 'completed' end
         as completion_status,
       case when n = 20 then timestamptz '2026-03-01' end as deleted_at
from bench_athlete as a
cross join generate_series(1, 20) as n;

insert into public.training_plan_days (
  id, training_plan_week_id, athlete_id, day_of_week, session_order, scheduled_date, workout_title,
  workout_details, session_type, estimated_duration_minutes, is_rest_day, is_completed,
  linked_workout_log_id, created_at, updated_at
)
select pg_temp.bench_id('day', (a.i * 16 + w) * 7 + d), pg_temp.bench_id('week', a.i * 16 + w),
       a.athlete_id, d, 1, a.start_date + (w - 1) * 7 + (d - 1), s.title,
       jsonb_build_object('blocks', jsonb_build_array(
         jsonb_build_object('exercise', s.title, 'sets', 4, 'reps', 10 + d))),
       s.session_type, case when d = 7 then 0 else 45 + 5 * d end, d = 7,
       l.log_id is not null and l.completion_status <> 'skipped' and l.deleted_at is null,
       l.log_id, a.start_date - interval '3 days', a.start_date - interval '3 days'
from bench_athlete as a
cross join generate_series(1, 16) as w
cross join generate_series(1, 7) as d
cross join lateral (
  select (array['run', 'strength', 'hiit', 'run', 'simulation', 'recovery', 'rest'])[d] as session_type,
         (array['Easy run', 'Strength', 'Intervals', 'Tempo run', 'Simulation', 'Mobility', 'Rest'])[d]
           as title
) as s
left join bench_log as l
  on l.day_id = pg_temp.bench_id('day', (a.i * 16 + w) * 7 + d);

insert into public.workout_logs (
  id, athlete_id, date, session_type, completion_status, completed_workout, rpe_pre, rpe_post,
  duration_minutes, heart_rate_avg, training_plan_day_id, deleted_at, created_at, updated_at
)
select l.log_id, l.athlete_id, l.date,
       (array['run', 'strength', 'hiit', 'run', 'simulation', 'recovery'])[1 + (l.n - 1) % 6],
       l.completion_status, jsonb_build_object('notes', 'felt good'), 4 + l.n % 4, 6 + l.n % 4,
       40 + l.n, 130 + l.n, l.day_id, l.deleted_at,
       l.date + time '19:00', l.date + time '19:00'
from bench_log as l
order by l.date, l.i;

insert into public.benchmark_tests (id, athlete_id, test_date, test_type, results, created_at, updated_at)
select pg_temp.bench_id('benchmark', a.i * 2 + b), a.athlete_id, a.start_date + 7 * b,
       (array['run_1k', 'row_1000m'])[b], jsonb_build_object('time_seconds', 200 + a.i % 60),
       a.start_date + 7 * b, a.start_date + 7 * b
from bench_athlete as a
cross join generate_series(1, 2) as b;

-- Races: 3 results x 16 splits (odd = 1 km run, even = station); age groups fit the format ---

insert into public.race_results (
  id, athlete_id, race_date, race_name, location, season, division, format, race_category,
  age_group, status, total_time_seconds, is_simulation, created_at, updated_at
)
select pg_temp.bench_id('race', a.i * 3 + r), a.athlete_id, date '2025-03-01' + r * 90 + a.i % 30,
       'Hyrox ' || (array['Berlin', 'London', 'Chicago'])[r], 'Venue ' || r, 7 + r / 3, 'open',
       (array['singles', 'singles', 'doubles'])[r], (array['men', 'women', 'mixed'])[r],
       (array['30-34', '35-39', '30-39'])[r], 'finished', 5000 + a.i % 900 - r * 60, r = 2,
       date '2025-03-01' + r * 90, date '2025-03-01' + r * 90
from bench_athlete as a
cross join generate_series(1, 3) as r;

insert into public.race_splits (
  id, race_result_id, athlete_id, split_number, split_type, station_id, time_seconds,
  transition_time_seconds, created_at, updated_at
)
select pg_temp.bench_id('split', (a.i * 3 + r) * 16 + s), pg_temp.bench_id('race', a.i * 3 + r),
       a.athlete_id, s, case when s % 2 = 1 then 'run' else 'station' end,
       st.id,
       case when s % 2 = 1 then 270 + (a.i + s) % 60 else 200 + (a.i * s) % 150 end,
       20 + s, date '2025-03-01' + r * 90, date '2025-03-01' + r * 90
from bench_athlete as a
cross join generate_series(1, 3) as r
cross join generate_series(1, 16) as s
left join bench_station as st on s % 2 = 0 and st.n = s / 2;

-- Records, goals, achievements -----------------------------------------------------------

insert into public.personal_records (
  id, athlete_id, record_type, station_id, value, value_unit, date_achieved, context,
  previous_value, created_at, updated_at
)
select pg_temp.bench_id('record', (a.i * 8 + s) * 3 + k), a.athlete_id, 'station_time',
       st.id, v.value, 'seconds', v.achieved,
       (array['training', 'race', 'benchmark'])[k],
       case when k > 1 then v.value + 5 end, v.achieved, v.achieved
from bench_athlete as a
cross join generate_series(1, 8) as s
join bench_station as st on st.n = s
cross join generate_series(1, 3) as k
cross join lateral (
  select 300 - 5 * k + (a.i + s) % 40 as value,
         date '2025-03-01' + k * 90 + a.i % 30 as achieved
) as v
order by v.achieved, a.i;

insert into public.goals (
  id, athlete_id, goal_type, title, target_value, target_unit, target_date, station_id, status,
  completed_at, created_at, updated_at
)
select pg_temp.bench_id('goal', a.i * 3 + g), a.athlete_id,
       (array['race_time', 'station_time', 'consistency'])[g],
       (array['Sub-90 finish', 'Faster sled push', 'Train 4x a week'])[g],
       (array[5400, 180, 4])[g], (array['seconds', 'seconds', 'sessions'])[g],
       a.start_date + 112, case when g = 2 then (select id from bench_station where n = 2) end,
       case when g = 3 then 'completed' else 'active' end,
       case when g = 3 then timestamptz '2026-02-01' end,
       a.start_date, a.start_date
from bench_athlete as a
cross join generate_series(1, 3) as g;

-- The first two definitions by code (whatever seeds/*.sql may have loaded).
insert into public.athlete_achievements (
  id, athlete_id, achievement_id, earned_at, context, created_at, updated_at
)
select pg_temp.bench_id('earned', a.i * 2 + d.k), a.athlete_id, d.id, t, '{}'::jsonb, t, t
from bench_athlete as a
cross join (
  select id, row_number() over (order by code) as k
  from public.achievement_definitions
  order by code
  limit 2
) as d
cross join lateral (select timestamptz '2025-06-01' + a.i * interval '1 minute' as t) as ts;

reset session_replication_role;
