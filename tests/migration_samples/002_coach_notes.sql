-- Sample (tests/test_migration_samples.py): the issue's new contributor's migration, a new
-- athlete table with no row level security. Verdict: rejected, naming public.coach_notes.
begin;

create table public.coach_notes (
  id uuid primary key default gen_random_uuid(),
  athlete_id uuid not null default private.current_athlete_id(),
  note text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint coach_notes_athlete_id_fkey foreign key (athlete_id)
    references public.athlete_profiles (id) on delete cascade
);

create index coach_notes_athlete_id_idx on public.coach_notes (athlete_id);

comment on table public.coach_notes is 'Notes the coach keeps about an athlete.';

commit;
