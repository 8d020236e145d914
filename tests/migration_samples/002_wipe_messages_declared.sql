-- Sample (tests/test_migration_samples.py): issue 18's "beta rows" clean-up that deletes every
-- chat message, declared with a reason. Verdict: the gate lets a declared data change through
-- (the declaration is the hatch, and code-owner review of migrations/ is the gate); it is loud:
-- the PR summary opens with the declaration, its reason and the rows it deletes in the upgrade
-- data set (every message).
-- data-change: delete public.messages -- beta rows removed before launch
begin;

do $$
begin
  if obj_description('public.messages'::regclass, 'pg_class') like '%(beta rows removed)%' then
    raise exception 'migration 002_wipe_messages_declared has already been applied'
      using errcode = 'duplicate_object';
  end if;
end
$$;

set local lock_timeout = '5s';
set local statement_timeout = '60s';

delete from public.messages;

comment on table public.messages is
  'Chat messages of a conversation (beta rows removed).';

commit;
