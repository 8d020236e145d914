-- Sample (issue 18.4, tests/rls/test_undeclared_tables.py): a new athlete-owned table whose
-- read policy is `using (true)`, sent without its declaration (tests/tables/). Verdict: the
-- first failures of `pytest -x` are the security findings naming the table and the policy
-- (another athlete reads the owner's row), not the "declare this table" failure, which
-- comes after them. Try it: copy this file to migrations/003_open_measurements.sql,
-- `hyrox-contract write`, `pytest -x -q`.
begin;

do $$
begin
  if to_regclass('public.open_measurements') is not null then
    raise exception 'migration 002_open_measurements has already been applied'
      using errcode = 'duplicate_object';
  end if;
end
$$;

set local lock_timeout = '5s';
set local statement_timeout = '60s';

create table public.open_measurements (
  id uuid primary key default gen_random_uuid(),
  athlete_id uuid not null default private.current_athlete_id()
    references public.athlete_profiles (id) on delete cascade,
  measured_on date not null,
  weight_kg numeric(5, 2) check (weight_kg > 0 and weight_kg < 400),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table public.open_measurements is 'One athlete''s body measurements, per day.';

alter table public.open_measurements enable row level security;

grant select, insert, update, delete on public.open_measurements to authenticated;
revoke all on public.open_measurements from anon;

create policy "athletes can read body measurements"
  on public.open_measurements for select to authenticated
  using (true);

create policy "athletes can record their own body measurements"
  on public.open_measurements for insert to authenticated
  with check (athlete_id = (select private.current_athlete_id()));

commit;
