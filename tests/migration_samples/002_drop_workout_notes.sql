-- Sample (tests/test_migration_samples.py): a dropped column whose values are lost, with no
-- `-- data-change:` declaration. Verdict: the upgrade check names public.workout_logs.notes
-- and the values lost; squawk's ban-drop-column names the statement.
begin;

do $$
begin
  if not exists (
    select from pg_attribute
    where attrelid = 'public.workout_logs'::regclass and attname = 'notes' and not attisdropped
  ) then
    raise exception 'migration 002_drop_workout_notes has already been applied'
      using errcode = 'duplicate_object';
  end if;
end
$$;

set local lock_timeout = '5s';
set local statement_timeout = '60s';

alter table public.workout_logs drop column notes;

commit;
