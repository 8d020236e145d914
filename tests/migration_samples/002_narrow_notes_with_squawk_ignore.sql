-- Sample (tests/test_migration_samples.py): issue 18's narrowing made green by a linter hatch.
-- notes goes from text to varchar(100), and an ignore comment with a reason silences squawk.
-- Verdict: the upgrade data holds a 10,000-character note (tests/support/edges.py), so the
-- migration does not apply ("value too long for type character varying(100)"); with the notes
-- cut first, the static narrowing gate (tests/test_weakenings.py) still names
-- public.workout_logs.notes and text -> character varying(100); the PR summary lists the hatch.
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
