-- =============================================================================
-- Hyrox AI Coach — migration 002: weight goals in kilograms (sample: narrowed vocabulary)
-- =============================================================================
-- A gate sample and the recipe for a narrowed vocabulary (README "Kinds of change"): the app
-- stores weight targets in kilograms only; goals set in pounds are converted, so 'lbs' leaves
-- goals.target_unit. (A vocabulary the brief names, such as goals.status, cannot be narrowed:
-- tests/test_schema_structure.py holds every CHECK to the brief's values.) Narrowing changes
-- rows, so it is declared, each line with its reason, and every line shows under Weakenings in
-- the PR summary: `narrow` (the accepted input shrinks: the static narrowing gate,
-- tests/test_weakenings.py) and `rewrite` of each column whose stored values change (the
-- upgrade data holds every value of every vocabulary, so a forgotten row fails the CHECK and
-- an undeclared rewrite fails the row comparison). The old rows are rewritten BEFORE the
-- narrower CHECK is added, in the same transaction, so it validates on rows that pass it.
-- data-change: narrow public.goals.target_unit -- the app stores weight targets in kg only
-- data-change: rewrite public.goals.target_unit -- goals in lbs now say kg
-- data-change: rewrite public.goals.target_value -- converted from lbs to kg
-- data-change: rewrite public.goals.current_value -- converted from lbs to kg
-- data-change: rewrite public.goals.updated_at -- the trigger stamps every converted row
-- =============================================================================

begin;

-- =============================================================================
-- Section: guard — refuse to run twice
-- =============================================================================

do $$
begin
  if pg_catalog.pg_get_constraintdef(
       (select oid from pg_catalog.pg_constraint
        where conname = 'goals_target_unit_check' and conrelid = 'public.goals'::regclass)
     ) not like '%lbs%' then
    raise exception 'migration 002_goal_targets_in_kg has already been applied'
      using errcode = 'duplicate_object',
            hint = 'goals.target_unit no longer allows lbs; nothing was changed.';
  end if;
end
$$;

-- Give up rather than queue behind a long transaction holding goals.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- =============================================================================
-- Section: goals — weight targets in kilograms
-- =============================================================================

update public.goals
set target_value = round(target_value * 0.45359237, 2),
  current_value = round(current_value * 0.45359237, 2),
  target_unit = 'kg'
where target_unit = 'lbs';

-- squawk-ignore ban-drop-constraint -- replaced below by the same check with a narrower list
alter table public.goals drop constraint goals_target_unit_check;

alter table public.goals
  add constraint goals_target_unit_check check (target_unit in (
    'seconds', 'minutes', 'kg', 'min_per_km', 'reps', 'sessions', 'hours', 'km', 'percent'
  )) not valid;

-- squawk-ignore constraint-missing-not-valid -- no row holds lbs now; ms to scan
alter table public.goals validate constraint goals_target_unit_check;

commit;
