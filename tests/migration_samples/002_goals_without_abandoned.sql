-- =============================================================================
-- Hyrox AI Coach — migration 002: goals are active or completed (sample: narrowed vocabulary)
-- =============================================================================
-- A gate sample and the recipe for a narrowed vocabulary (README "Kinds of change"): the app
-- stops offering "abandoned" goals; an abandoned goal becomes a soft-deleted active one (the
-- athlete's history keeps it, the app no longer shows it). Narrowing changes rows, so it is
-- declared, each line with its reason, and every line shows under Weakenings in the PR
-- summary: `narrow` (the accepted input shrinks: the static narrowing gate,
-- tests/test_weakenings.py) and `rewrite` of each column whose stored values change (the
-- upgrade test compares every other column of every row). The old rows are rewritten BEFORE
-- the narrower CHECK is added, in the same transaction, so it validates on rows that pass it.
-- data-change: narrow public.goals.status -- the app no longer offers abandoned goals
-- data-change: rewrite public.goals.status -- abandoned goals become active ones, soft-deleted
-- data-change: rewrite public.goals.deleted_at -- abandoned goals are soft-deleted
-- data-change: rewrite public.goals.updated_at -- the trigger stamps every rewritten row
-- =============================================================================

begin;

-- =============================================================================
-- Section: guard — refuse to run twice
-- =============================================================================

do $$
begin
  if pg_catalog.pg_get_constraintdef(
       (select oid from pg_catalog.pg_constraint
        where conname = 'goals_status_check' and conrelid = 'public.goals'::regclass)
     ) not like '%abandoned%' then
    raise exception 'migration 002_goals_without_abandoned has already been applied'
      using errcode = 'duplicate_object',
            hint = 'goals.status no longer allows abandoned; nothing was changed.';
  end if;
end
$$;

-- Give up rather than queue behind a long transaction holding goals.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- =============================================================================
-- Section: goals — abandoned goals become soft-deleted active ones
-- =============================================================================

update public.goals
set status = 'active',
  deleted_at = coalesce(deleted_at, updated_at)
where status = 'abandoned';

-- squawk-ignore ban-drop-constraint -- replaced below by the same check with a narrower list
alter table public.goals drop constraint goals_status_check;

alter table public.goals
  add constraint goals_status_check check (status in ('active', 'completed')) not valid;

-- squawk-ignore constraint-missing-not-valid -- no row holds abandoned now; ms to scan
alter table public.goals validate constraint goals_status_check;

commit;
