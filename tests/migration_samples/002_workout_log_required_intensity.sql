-- Sample (tests/test_migration_samples.py): a NOT NULL column without a default added to a
-- table that already has rows. Verdict: squawk's adding-required-field, and on a filled
-- database the migration fails naming the column (it cannot run on the live project).
begin;

do $$
begin
  if exists (
    select from pg_attribute
    where attrelid = 'public.workout_logs'::regclass
      and attname = 'intensity' and not attisdropped
  ) then
    raise exception 'migration 002_workout_log_required_intensity has already been applied'
      using errcode = 'duplicate_object';
  end if;
end
$$;

set local lock_timeout = '5s';
set local statement_timeout = '60s';

alter table public.workout_logs
  add column intensity smallint not null
  constraint workout_logs_intensity_check check (intensity between 1 and 5);

comment on column public.workout_logs.intensity is 'Session intensity, 1 (easy) to 5 (max).';

commit;
