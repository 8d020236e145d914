-- Sample (tests/test_migration_samples.py): a `security definer` RPC in public, with no pinned
-- search_path, that returns every athlete's recent logs (definer: no RLS; Supabase's default
-- privileges: anon and authenticated may execute it). Verdict: rejected, naming
-- public.recent_workout_logs: undeclared EXECUTE, mutable search_path, no owner filter, and
-- called as two athletes it returns the other's rows.
begin;

do $$
begin
  if pg_catalog.to_regprocedure('public.recent_workout_logs(integer)') is not null then
    raise exception 'migration 002_recent_logs_rpc has already been applied'
      using errcode = 'duplicate_object';
  end if;
end
$$;

set local lock_timeout = '5s';
set local statement_timeout = '60s';

create function public.recent_workout_logs(max_rows integer default 20)
returns setof public.workout_logs
language sql
stable
security definer
as $$
  select *
  from public.workout_logs as l
  where l.deleted_at is null
  order by l.date desc
  limit max_rows
$$;

comment on function public.recent_workout_logs(integer) is 'The latest workout logs.';

commit;
