-- =====================================================================
-- The live project's state before migration 001 (phase2-schema-brief,
-- "What Already Exists"): pgvector, public.knowledge_chunks with 239 RAG
-- chunks (RLS disabled, intentionally) and the two search RPCs.
--
-- The rows are deterministic: text from fixed vocabularies indexed by the
-- row number; embeddings from sin()/cos(): a direction per station, one per
-- session type and a row-specific window (offset by the row number) of one
-- pseudo-random sequence, normalised. Rows that share a station or a session
-- type have closer embeddings, so semantic search behaves plausibly; each
-- row is its own nearest neighbour.
-- =====================================================================

create extension if not exists vector with schema extensions;

-- ---------------------------------------------------------------------
-- knowledge_chunks
-- ---------------------------------------------------------------------
create table public.knowledge_chunks (
  id text primary key,
  source_doc text not null,
  source_name text,
  section text,
  content text not null,
  topic_tags text[],
  chunk_index int,
  word_count int,
  est_tokens int,
  fts tsvector,
  embedding extensions.vector(1536),
  created_at timestamptz
);

comment on table public.knowledge_chunks is
  'RAG corpus for the AI coach (239 chunks of Hyrox training documents). '
  'RLS disabled on purpose: public read. Pre-dates migration 001; not owned by it.';
comment on column public.knowledge_chunks.id is 'Chunk id: <source_doc>_chunk_<nnn>.';
comment on column public.knowledge_chunks.source_doc is 'Slug of the source document.';
comment on column public.knowledge_chunks.source_name is 'Human-readable title of the source document.';
comment on column public.knowledge_chunks.section is 'Section heading the chunk was cut from.';
comment on column public.knowledge_chunks.content is 'Chunk text sent to the model.';
comment on column public.knowledge_chunks.topic_tags is 'Topic tags (station, session type, theme).';
comment on column public.knowledge_chunks.chunk_index is 'Position of the chunk within its document, from 0.';
comment on column public.knowledge_chunks.word_count is 'Words in content.';
comment on column public.knowledge_chunks.est_tokens is 'Estimated model tokens (about 1.33 per word).';
comment on column public.knowledge_chunks.fts is 'to_tsvector(''english'', content), for hybrid search.';
comment on column public.knowledge_chunks.embedding is '1536-dimension embedding of content (cosine).';
comment on column public.knowledge_chunks.created_at is 'When the chunk was ingested.';

with
docs (n, slug, title, section_kind, theme) as (
  values
    (0, 'hyrox-rulebook-2025-26', 'HYROX Official Rulebook 2025/26', 'Rules and standards', 'rules'),
    (1, 'station-technique-guide', 'Station Technique Guide', 'Technique', 'technique'),
    (2, 'compromised-running-manual', 'Compromised Running Manual', 'Running off the station', 'running'),
    (3, 'periodisation-for-hyrox', 'Periodisation for Hyrox', 'Training blocks', 'periodisation'),
    (4, 'race-day-strategy', 'Race Day Strategy', 'Pacing', 'pacing'),
    (5, 'recovery-and-fuelling', 'Recovery and Fuelling', 'Recovery', 'recovery')
),
stations (n, tag, name, work, cue) as (
  values
    (0, 'skierg', 'SkiErg', '1000 m',
        'Drive the handles with a hip hinge, arms finish past the thighs, damper near five.'),
    (1, 'sled-push', 'Sled Push', '50 m in four lengths of 12.5 m',
        'Stay low with long arms and short fast steps; never let the sled stop.'),
    (2, 'sled-pull', 'Sled Pull', '50 m in four lengths of 12.5 m',
        'Sit back into the rope, walk it hand over hand and keep the rope out of the lane.'),
    (3, 'burpee-broad-jumps', 'Burpee Broad Jumps', '80 m',
        'Step back out of the burpee when tired and land the jump with both feet together.'),
    (4, 'rowing', 'Rowing', '1000 m',
        'Legs then body then arms; hold a steady split rather than sprinting the start.'),
    (5, 'farmers-carry', 'Farmers Carry', '200 m',
        'Shoulders packed, quick steps, set the kettlebells down only at a turn.'),
    (6, 'sandbag-lunges', 'Sandbag Lunges', '100 m',
        'Back knee touches the floor every rep; keep the bag high across the shoulders.'),
    (7, 'wall-balls', 'Wall Balls', '100 reps',
        'Catch in the squat, break the set early into planned chunks and breathe at the top.')
),
sessions (n, tag, name) as (
  values
    (0, 'zone-2', 'zone 2 long run'),
    (1, 'threshold', 'threshold run'),
    (2, 'vo2max', 'VO2max interval'),
    (3, 'compromised-running', 'compromised running'),
    (4, 'erg-intervals', 'erg interval'),
    (5, 'strength', 'heavy strength'),
    (6, 'simulation', 'race simulation')
),
chunk_rows as (
  select
    g.i,
    d.slug, d.title, d.section_kind, d.theme,
    s.tag as station_tag, s.name as station_name, s.work, s.cue,
    x.tag as session_tag, x.name as session_name,
    (g.i - 1) / 6 as chunk_index,
    format(
      '%s. %s covers %s. %s Pair it with a %s session in week %s of the block: '
      '%s rounds at RPE %s, and keep each roxzone transition under %s seconds.',
      d.section_kind, s.name, s.work, s.cue, x.name,
      (g.i - 1) % 12 + 1, (g.i - 1) % 5 + 3, (g.i - 1) % 4 + 6, 30 + ((g.i - 1) % 9) * 5
    ) as content
  from generate_series(1, 239) as g(i)
  join docs as d on d.n = (g.i - 1) % 6
  join stations as s on s.n = (g.i - 1) % 8
  join sessions as x on x.n = (g.i - 1) % 7
),
station_directions (n, v) as materialized (
  select s.n, array(
    select cos(j * 0.013 * (s.n + 1)) from generate_series(1, 1536) as j order by j
  )::extensions.vector(1536)
  from stations as s
),
session_directions (n, v) as materialized (
  select x.n, array(
    select 0.6 * sin(j * 0.029 * (x.n + 2)) from generate_series(1, 1536) as j order by j
  )::extensions.vector(1536)
  from sessions as x
),
noise (v) as materialized (
  -- One pseudo-random sequence; row i reads a window of it starting at i.
  select array(
    select 1.6 * ((sin(k * 12.9898) * 43758.5453) - floor(sin(k * 12.9898) * 43758.5453) - 0.5)
    from generate_series(1, 1536 + 239) as k
    order by k
  )
),
embeddings as (
  -- A station direction + a session direction + a row-specific direction, normalised.
  select
    r.i,
    extensions.l2_normalize(
      sd.v operator(extensions.+) xd.v
      operator(extensions.+) (noise.v[r.i:r.i + 1535])::extensions.vector(1536)
    ) as embedding
  from chunk_rows as r
  join station_directions as sd on sd.n = (r.i - 1) % 8
  join session_directions as xd on xd.n = (r.i - 1) % 7
  cross join noise
)
insert into public.knowledge_chunks (
  id, source_doc, source_name, section, content, topic_tags, chunk_index,
  word_count, est_tokens, fts, embedding, created_at
)
select
  format('%s_chunk_%s', r.slug, lpad(r.chunk_index::text, 3, '0')),
  r.slug,
  r.title,
  format('%s: %s', r.section_kind, r.station_name),
  r.content,
  array[r.station_tag, r.session_tag, r.theme],
  r.chunk_index,
  array_length(regexp_split_to_array(r.content, '\s+'), 1),
  ceil(array_length(regexp_split_to_array(r.content, '\s+'), 1) * 1.33)::int,
  to_tsvector('english', r.content),
  e.embedding,
  timestamptz '2025-09-15 08:00:00+00' + r.i * interval '1 minute'
from chunk_rows as r
join embeddings as e using (i)
order by r.i;

create index knowledge_chunks_fts_idx on public.knowledge_chunks using gin (fts);
comment on index public.knowledge_chunks_fts_idx is 'Full-text leg of hybrid search.';

-- The HNSW index on embedding: 11_production_vector_index.sql (it needs pgvector itself).

-- ---------------------------------------------------------------------
-- RPCs. Shaped like Supabase's published hybrid-search and match-documents
-- recipes (language sql, invoker, no pinned search_path — as the live
-- project most likely has them), but with every name schema-qualified so
-- they answer under any search_path.
-- ---------------------------------------------------------------------
create function public.hybrid_search_chunks(
  query_text text,
  query_embedding extensions.vector(1536),
  match_count int,
  full_text_weight float default 1,
  semantic_weight float default 1,
  rrf_k int default 50
)
returns setof public.knowledge_chunks
language sql
stable
as $$
  with full_text as (
    select
      kc.id,
      row_number() over (
        order by ts_rank_cd(kc.fts, websearch_to_tsquery('english', query_text)) desc
      ) as rank_ix
    from public.knowledge_chunks as kc
    where kc.fts @@ websearch_to_tsquery('english', query_text)
    order by rank_ix
    limit least(match_count, 30) * 2
  ),
  semantic as (
    select
      kc.id,
      row_number() over (
        order by kc.embedding operator(extensions.<=>) query_embedding
      ) as rank_ix
    from public.knowledge_chunks as kc
    order by rank_ix
    limit least(match_count, 30) * 2
  )
  select kc.*
  from full_text
  full outer join semantic on full_text.id = semantic.id
  join public.knowledge_chunks as kc on coalesce(full_text.id, semantic.id) = kc.id
  order by
    coalesce(1.0 / (rrf_k + full_text.rank_ix), 0.0) * full_text_weight
    + coalesce(1.0 / (rrf_k + semantic.rank_ix), 0.0) * semantic_weight desc,
    kc.id
  limit least(match_count, 30)
$$;
comment on function public.hybrid_search_chunks(
  text, extensions.vector, int, float, float, int
) is
  'Hybrid RAG search: reciprocal rank fusion of full-text (ts_rank_cd) and '
  'cosine ranking. Returns at most least(match_count, 30) chunks.';

create function public.match_chunks(
  query_embedding extensions.vector(1536),
  match_threshold float,
  match_count int
)
returns table (id text, content text, similarity float)
language sql
stable
as $$
  select
    kc.id,
    kc.content,
    1 - (kc.embedding operator(extensions.<=>) query_embedding) as similarity
  from public.knowledge_chunks as kc
  where 1 - (kc.embedding operator(extensions.<=>) query_embedding) > match_threshold
  order by kc.embedding operator(extensions.<=>) query_embedding, kc.id
  limit match_count
$$;
comment on function public.match_chunks(extensions.vector, float, int) is
  'Semantic RAG search: chunks whose cosine similarity exceeds match_threshold, best first.';
