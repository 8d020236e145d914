-- =============================================================================
-- Hyrox AI Coach — migration 002: the RAG corpus is read-only for the API roles
-- =============================================================================
-- Target: Supabase (PostgreSQL 15 or newer). Runs as `postgres`, the owner of
-- public.knowledge_chunks.
--
-- Why
-- * public.knowledge_chunks pre-dates 001. It was created under Supabase's
--   default privileges (ALL to anon, authenticated and service_role) with RLS
--   off on purpose (public read), so anyone holding the anon key can insert,
--   update, delete or truncate the corpus the coach answers from
--   (docs/design_decisions.md 6.2; tests/rls/test_anon.py).
-- * Writes to the corpus are the backend's (the ingestion job, as service_role).
--
-- What changes
-- * anon and authenticated keep SELECT on public.knowledge_chunks and nothing
--   else. service_role, postgres and the owner keep what they hold.
-- * Unchanged: the rows, the columns, RLS (still off: public read), the
--   indexes, and the RPCs hybrid_search_chunks / match_chunks, which stay
--   executable by every API role and, being security invoker, read the table
--   with the SELECT that stays.
-- * No row is read or written: grants are catalog entries.
--
-- The gate checks this change to an object 001 does not own against its
-- declaration in hyrox_schema/chain.py (EXTERNAL_CHANGES); contract/external.txt
-- records it.
-- =============================================================================

begin;

-- =============================================================================
-- Section: guard — refuse to run twice
-- =============================================================================

-- Applied means: neither API client role may write the corpus any more.
do $$
begin
  if not pg_catalog.has_table_privilege(
       'anon', 'public.knowledge_chunks', 'insert, update, delete, truncate, references, trigger')
     and not pg_catalog.has_table_privilege(
       'authenticated', 'public.knowledge_chunks',
       'insert, update, delete, truncate, references, trigger') then
    raise exception 'migration 002_knowledge_chunks_read_only has already been applied'
      using errcode = 'duplicate_object',
            hint = 'anon and authenticated cannot write public.knowledge_chunks; nothing changed.';
  end if;
end
$$;

-- The corpus serves every coach request: give up rather than queue behind a
-- long transaction on it (and keep requests from queuing behind us).
set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- =============================================================================
-- Section: knowledge_chunks — read-only for anon and authenticated
-- =============================================================================

-- Everything goes, not a list of write privileges: ALL is arwdDxt on 15 and
-- also MAINTAIN (vacuum, analyze, reindex, lock table) from 17, which a
-- revoke naming it would fail on 15. Column privileges go with it.
revoke all on table public.knowledge_chunks from anon, authenticated;

-- ... and reading comes back: the corpus stays public (RLS off, the brief).
-- In the same transaction, so no request ever sees the table unreadable.
grant select on table public.knowledge_chunks to anon, authenticated;

-- A revoke by a role that is neither the owner nor holds the grant option
-- only warns and changes nothing: check the result instead of trusting it.
do $$
begin
  if pg_catalog.has_table_privilege(
       'anon', 'public.knowledge_chunks', 'insert, update, delete, truncate, references, trigger')
     or pg_catalog.has_table_privilege(
       'authenticated', 'public.knowledge_chunks',
       'insert, update, delete, truncate, references, trigger')
     or not pg_catalog.has_table_privilege('anon', 'public.knowledge_chunks', 'select')
     or not pg_catalog.has_table_privilege('authenticated', 'public.knowledge_chunks', 'select')
     or not pg_catalog.has_table_privilege(
       'service_role', 'public.knowledge_chunks', 'select, insert, update, delete') then
    raise exception 'migration 002_knowledge_chunks_read_only: the grants are not as intended'
      using errcode = 'insufficient_privilege',
            hint = 'Run it as the owner of public.knowledge_chunks (postgres on Supabase).';
  end if;
end
$$;

commit;
