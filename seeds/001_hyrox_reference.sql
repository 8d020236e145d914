-- =============================================================================
-- Hyrox AI Coach — seed 001: reference data (Phase 3)
-- =============================================================================
-- The 8 official stations with their race work and loads, a starter exercise
-- library (at least one station_specific exercise per station) and the
-- achievement catalogue of the brief. Runs after migration 001.
--
-- Idempotent: every insert is `on conflict (<natural key>) do update ... where
-- <something differs>`, so a second run inserts nothing and updates nothing
-- (updated_at and the row versions stay as they are), while a corrected value
-- in this file is applied on the next run.
--
-- No begin/commit of its own: run it as one transaction (`psql -1 -f`, or one
-- execute of the whole file, which is how the test harness loads it).
--
-- Loads (kg) from the official rulebook, valid since season 2022/23: sled
-- loads include the sled; Farmers Carry is per hand (two kettlebells); Wall
-- Balls target height is in the description. NULL where a station has no load.
-- =============================================================================

-- =============================================================================
-- Section: hyrox_stations (natural key: station_number)
-- =============================================================================

insert into public.hyrox_stations as s (
  station_number, station_name, exercise_type, distance_or_reps,
  weight_open_men_kg, weight_open_women_kg, weight_pro_men_kg, weight_pro_women_kg,
  description, tips
)
values
  (1, 'SkiErg', 'erg', '1000m', null, null, null, null,
   '1000 m on the SkiErg.',
   '["Drive with the hips and lats, not just the arms.", "Settle into a pace you can hold; the sled push comes next."]'),
  (2, 'Sled Push', 'sled', '50m', 152, 102, 202, 152,
   '50 m sled push (4 x 12.5 m). Loads include the sled.',
   '["Low body angle, arms locked, short fast steps.", "Keep the sled moving: restarting costs more than slowing."]'),
  (3, 'Sled Pull', 'sled', '50m', 103, 78, 153, 103,
   '50 m sled pull (4 x 12.5 m), hand over hand with a rope from a standing box. Loads include the sled.',
   '["Sit back into the rope and use the legs.", "Lay the rope down tidily so it does not tangle."]'),
  (4, 'Burpee Broad Jumps', 'bodyweight', '80m',
   null, null, null, null,
   '80 m of burpee broad jumps: chest to the floor, jump forward with both feet.',
   '["Step up out of the burpee if the jump is costing your breathing.", "Find a steady rhythm early and hold it."]'),
  (5, 'Rowing', 'erg', '1000m', null, null, null, null,
   '1000 m on the rowing ergometer.',
   '["Legs, body, arms on the drive; reverse on the recovery.", "A damper of 5 to 7 suits most athletes."]'),
  (6, 'Farmers Carry', 'carry', '200m', 24, 16, 32, 24,
   '200 m farmers carry with two kettlebells; the load is per hand.',
   '["Shoulders packed, short quick steps.", "Do not set the bells down if you can avoid it."]'),
  (7, 'Sandbag Lunges', 'lunge', '100m', 20, 10, 30, 20,
   '100 m walking lunges with the sandbag on the shoulders; back knee touches the floor.',
   '["Keep the torso upright and the bag high on the shoulders.", "Breathe on every step; even strides."]'),
  (8, 'Wall Balls', 'throw', '100 reps', 6, 4, 9, 6,
   '100 wall balls: full squat, throw to the target. Target height 3.00 m for men (Open and Pro), 2.70 m for women (Open and Pro).',
   '["Break into planned sets before you have to.", "Catch high and ride the ball into the squat."]')
on conflict (station_number) do update
  set station_name = excluded.station_name,
      exercise_type = excluded.exercise_type,
      distance_or_reps = excluded.distance_or_reps,
      weight_open_men_kg = excluded.weight_open_men_kg,
      weight_open_women_kg = excluded.weight_open_women_kg,
      weight_pro_men_kg = excluded.weight_pro_men_kg,
      weight_pro_women_kg = excluded.weight_pro_women_kg,
      description = excluded.description,
      tips = excluded.tips
  where (s.station_name, s.exercise_type, s.distance_or_reps,
         s.weight_open_men_kg, s.weight_open_women_kg, s.weight_pro_men_kg, s.weight_pro_women_kg,
         s.description, s.tips)
        is distinct from
        (excluded.station_name, excluded.exercise_type, excluded.distance_or_reps,
         excluded.weight_open_men_kg, excluded.weight_open_women_kg,
         excluded.weight_pro_men_kg, excluded.weight_pro_women_kg,
         excluded.description, excluded.tips);

-- =============================================================================
-- Section: exercise_library (natural key: name)
-- =============================================================================

insert into public.exercise_library as e (
  name, category, description, muscle_groups, equipment_needed, hyrox_station_id, difficulty
)
select v.name, v.category, v.description, v.muscle_groups, v.equipment_needed, st.id, v.difficulty
from (
  values
    ('SkiErg intervals', 'station_specific', 'Intervals on the SkiErg, e.g. 5 x 250 m at race pace.',
     array['lats', 'triceps', 'core', 'hips'], array['skierg'], 1, 'intermediate'),
    ('Sled push at race weight', 'station_specific', 'Sled push in 12.5 m lanes at race load.',
     array['quads', 'glutes', 'calves'], array['sled'], 2, 'intermediate'),
    ('Sled pull hand over hand', 'station_specific', 'Rope sled pull from a standing position.',
     array['back', 'biceps', 'grip', 'hamstrings'], array['sled', 'rope'], 3, 'intermediate'),
    ('Burpee broad jumps', 'station_specific', 'Burpee, then a two-footed broad jump.',
     array['full_body'], array[]::text[], 4, 'intermediate'),
    ('Rowing intervals', 'station_specific', 'Intervals on the rower, e.g. 4 x 500 m.',
     array['legs', 'back', 'arms'], array['rower'], 5, 'beginner'),
    ('Farmers carry', 'station_specific', 'Carry a kettlebell in each hand over distance.',
     array['grip', 'traps', 'core'], array['kettlebells'], 6, 'beginner'),
    ('Sandbag walking lunges', 'station_specific', 'Walking lunges with a sandbag on the shoulders.',
     array['quads', 'glutes'], array['sandbag'], 7, 'intermediate'),
    ('Wall balls', 'station_specific', 'Squat and throw a medicine ball to a target.',
     array['quads', 'glutes', 'shoulders'], array['wall_ball'], 8, 'beginner'),
    ('Compromised run', 'run', '1 km run straight after a station, at race pace.',
     array['legs'], array[]::text[], null, 'intermediate'),
    ('Zone 2 run', 'run', 'Easy aerobic run at conversational pace.',
     array['legs'], array[]::text[], null, 'beginner'),
    ('Threshold run intervals', 'run', 'Intervals at lactate threshold, e.g. 4 x 2 km.',
     array['legs'], array[]::text[], null, 'advanced'),
    ('Back squat', 'strength', 'Barbell back squat.',
     array['quads', 'glutes'], array['barbell'], null, 'intermediate'),
    ('Deadlift', 'strength', 'Conventional barbell deadlift.',
     array['hamstrings', 'glutes', 'back'], array['barbell'], null, 'intermediate'),
    ('Hip mobility flow', 'mobility', 'Hip openers and thoracic rotation.',
     array['hips'], array[]::text[], null, 'beginner'),
    ('Easy bike flush', 'recovery', '20 to 30 minutes of very easy cycling.',
     array['legs'], array['bike'], null, 'beginner')
) as v (name, category, description, muscle_groups, equipment_needed, station_number, difficulty)
left join public.hyrox_stations as st on st.station_number = v.station_number
on conflict (name) do update
  set category = excluded.category,
      description = excluded.description,
      muscle_groups = excluded.muscle_groups,
      equipment_needed = excluded.equipment_needed,
      hyrox_station_id = excluded.hyrox_station_id,
      difficulty = excluded.difficulty
  where (e.category, e.description, e.muscle_groups, e.equipment_needed, e.hyrox_station_id,
         e.difficulty)
        is distinct from
        (excluded.category, excluded.description, excluded.muscle_groups,
         excluded.equipment_needed, excluded.hyrox_station_id, excluded.difficulty);

-- =============================================================================
-- Section: achievement_definitions (natural key: code)
-- =============================================================================

insert into public.achievement_definitions as a (
  code, name, description, icon_name, category, criteria
)
values
  ('first_race_logged', 'First Race Logged', 'Log your first Hyrox race result.',
   'flag', 'race', '{"metric": "race_results_count", "gte": 1}'),
  ('sub_90_minute_hyrox', 'Sub-90 Minute Hyrox', 'Finish a Hyrox race in under 90 minutes.',
   'stopwatch', 'race',
   '{"metric": "race_total_seconds", "lt": 5400, "status": "finished", "is_simulation": false}'),
  ('training_streak_30_days', '30-Day Training Streak',
   'Log a completed workout on 30 consecutive days.',
   'flame', 'consistency', '{"metric": "consecutive_training_days", "gte": 30}'),
  ('all_stations_benchmarked', 'All Stations Benchmarked',
   'Record a station test for each of the 8 Hyrox stations.',
   'grid', 'benchmark', '{"metric": "distinct_stations_tested", "gte": 8}'),
  ('first_ai_coaching_session', 'First AI Coaching Session',
   'Start your first conversation with the AI coach.',
   'chat', 'coaching', '{"metric": "conversations_count", "gte": 1}')
on conflict (code) do update
  set name = excluded.name,
      description = excluded.description,
      icon_name = excluded.icon_name,
      category = excluded.category,
      criteria = excluded.criteria
  where (a.name, a.description, a.icon_name, a.category, a.criteria)
        is distinct from
        (excluded.name, excluded.description, excluded.icon_name, excluded.category,
         excluded.criteria);
