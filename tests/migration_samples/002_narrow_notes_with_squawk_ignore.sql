-- Sample (tests/test_migration_samples.py): issue 18's narrowing made green by a linter hatch.
-- notes goes from text to varchar(100), and an ignore comment with a reason silences squawk; the
-- upgrade data's notes are short, so every row survives. Verdict: rejected by the static
-- narrowing gate (tests/test_weakenings.py), naming public.workout_logs.notes and text ->
-- character varying(100); the PR summary lists the hatch and the narrowing.
begin;

do $$
begin
  if exists (
    select from pg_attribute
    where attrelid = 'public.workout_logs'::regclass and attname = 'notes'
      and atttypid = 'character varying'::regtype and not attisdropped
  ) then
    raise exception 'migration 002_narrow_notes_with_squawk_ignore has already been applied'
      using errcode = 'duplicate_object';
  end if;
end
$$;

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- squawk-ignore changing-column-type, prefer-text-field -- the app never sends more than 100
alter table public.workout_logs alter column notes type varchar(100);

commit;
