-- =====================================================================
-- The live project's state before migration 001, part 2: the HNSW index of
-- knowledge_chunks.embedding. Split from 10_production_state.sql because it
-- needs pgvector's access method: it is loaded only on engines with the
-- real pgvector (hyrox_schema/loaders.py), never over the stand-in of
-- 05_pgvector_stand_in.sql.
-- =====================================================================

create index knowledge_chunks_embedding_idx on public.knowledge_chunks
  using hnsw (embedding extensions.vector_cosine_ops);
comment on index public.knowledge_chunks_embedding_idx is 'Semantic leg of search (cosine, HNSW).';
