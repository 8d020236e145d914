-- Sample (tests/test_migration_samples.py): issue 18's dropped RPE CHECK, with a linter hatch
-- that gives no reason. Verdict: rejected by the hatch check, naming the file and line of the
-- ignore comment; the PR summary lists the hatch and the removed constraint.
begin;

do $$
begin
  if not exists (
    select from pg_constraint
    where conrelid = 'public.workout_logs'::regclass and conname = 'workout_logs_rpe_post_check'
  ) then
    raise exception 'migration 002_drop_rpe_check_unexplained has already been applied'
      using errcode = 'duplicate_object';
  end if;
end
$$;

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- squawk-ignore ban-drop-constraint
alter table public.workout_logs drop constraint workout_logs_rpe_post_check;

commit;
