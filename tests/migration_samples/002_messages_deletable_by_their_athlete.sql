-- =============================================================================
-- Hyrox AI Coach — migration 002: athletes may delete their own messages (sample: new policy)
-- =============================================================================
-- A gate sample and the recipe for a new policy (README "Kinds of change"): an athlete may
-- delete a message of their own conversations (a message sent by mistake). A client command
-- needs two things, and this file adds both: the GRANT (the role may try at all) and the
-- policy (which rows): the wall is RLS, the grant only lets the request reach it. The policy
-- is written as every policy of 001: `to authenticated`, named as the sentence it allows, the
-- identity in a once-per-statement InitPlan `(select private.current_athlete_id())`, nothing
-- read but the owner key, so it reaches no row of another athlete. The access matrix changes
-- with it: messages x delete becomes "own rows" for the owner (the table's declaration), and
-- the PR summary shows the cell as ~~no grant~~ **own rows**.
-- =============================================================================

begin;

-- =============================================================================
-- Section: guard — refuse to run twice
-- =============================================================================

do $$
begin
  if exists (
    select from pg_catalog.pg_policies
    where schemaname = 'public' and tablename = 'messages'
      and policyname = 'athletes can delete messages of their own conversations'
  ) then
    raise exception 'migration 002_messages_deletable_by_their_athlete has already been applied'
      using errcode = 'duplicate_object',
            hint = 'the delete policy on public.messages exists; nothing was changed.';
  end if;
end
$$;

-- Give up rather than queue behind a long transaction holding messages.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- =============================================================================
-- Section: messages — an athlete deletes their own
-- =============================================================================

grant delete on table public.messages to authenticated;

create policy "athletes can delete messages of their own conversations"
  on public.messages
  for delete
  to authenticated
  using (athlete_id = (select private.current_athlete_id()));

commit;
