-- Sample (tests/test_migration_samples.py): issue 18's undeclared clean-up. Retired exercises
-- are deleted without a `-- data-change: delete public.exercise_library -- <why>` line.
-- Verdict: the rows check names public.exercise_library and the rows deleted (the upgrade data
-- holds a retired exercise nobody uses, tests/support/edges.py and upgrade.py); the PR summary
-- lists nothing, which is why the declaration is required.
begin;

do $$
begin
  if not exists (select from public.exercise_library where not is_active) then
    raise exception 'migration 002_delete_inactive_exercises has already been applied'
      using errcode = 'duplicate_object',
            hint = 'no retired exercise is left; nothing was changed.';
  end if;
end
$$;

set local lock_timeout = '5s';
set local statement_timeout = '60s';

delete from public.exercise_library where is_active = false;

commit;
