-- =====================================================================
-- Supabase stand-in, part 5: what stands in for pgvector on an engine that
-- has none (PostgreSQL 15 and 17 here: no package registry reachable from
-- this project ships pgvector for them). Run by the cluster's superuser,
-- only when `vector` is not an available extension; never on PG 18.
--
-- Only public.knowledge_chunks.embedding and its two RPCs need pgvector, and
-- migration 001 needs `create extension if not exists vector` to be a no-op.
-- This file provides exactly that and nothing more:
--   * a row for `vector` in pg_extension (version 'stand-in'), so the
--     migration's `create extension if not exists vector` skips;
--   * a type extensions.vector that accepts `vector(1536)` and pgvector's
--     text form '[x,y,...]' (stored as text: LANGUAGE internal aliases of
--     textin/textout and varchar's typmod functions);
--   * casts from real[] / double precision[], the operators + and <=>
--     (cosine distance) and l2_normalize(), in plain SQL, so that
--     10_production_state.sql loads unchanged and the RPCs compile.
-- There is no HNSW index (11_production_vector_index.sql is not loaded) and
-- nothing about vectors is proven on such an engine: the tests that need
-- real vector semantics skip there, saying so (hyrox_schema/engines.py).
-- =====================================================================

do $$
begin
  if exists (select from pg_catalog.pg_available_extensions where name = 'vector')
     or exists (select from pg_catalog.pg_extension where extname = 'vector') then
    raise exception 'pgvector is available here: load the real extension, not the stand-in';
  end if;
end
$$;

-- ---------------------------------------------------------------------
-- the type: pgvector's text form, stored as text, with a length modifier
-- ---------------------------------------------------------------------
create type extensions.vector;

create function extensions.vector_in(cstring) returns extensions.vector
language internal immutable strict parallel safe as 'textin';
create function extensions.vector_out(extensions.vector) returns cstring
language internal immutable strict parallel safe as 'textout';
create function extensions.vector_typmod_in(cstring[]) returns integer
language internal immutable strict parallel safe as 'varchartypmodin';
create function extensions.vector_typmod_out(integer) returns cstring
language internal immutable strict parallel safe as 'varchartypmodout';

create type extensions.vector (
  input = extensions.vector_in,
  output = extensions.vector_out,
  typmod_in = extensions.vector_typmod_in,
  typmod_out = extensions.vector_typmod_out,
  internallength = variable,
  storage = extended,
  category = 'U'
);

comment on type extensions.vector is
  'STAND-IN for pgvector''s vector (tests/sql/05_pgvector_stand_in.sql): text in pgvector''s '
  'form, no vector semantics; this engine has no pgvector.';

create cast (extensions.vector as text) without function;
create cast (text as extensions.vector) without function;

-- ---------------------------------------------------------------------
-- arrays in and out
-- ---------------------------------------------------------------------
create function extensions.vector_from_array(double precision[]) returns extensions.vector
language sql immutable strict parallel safe
return ('[' operator(pg_catalog.||) pg_catalog.array_to_string($1, ',')
  operator(pg_catalog.||) ']')::text::extensions.vector;

create function extensions.vector_from_array(real[]) returns extensions.vector
language sql immutable strict parallel safe
return extensions.vector_from_array($1::double precision[]);

create function extensions.vector_elements(extensions.vector) returns double precision[]
language sql immutable strict parallel safe
return ('{' operator(pg_catalog.||) pg_catalog.btrim($1::text, '[]')
  operator(pg_catalog.||) '}')::double precision[];

create cast (double precision[] as extensions.vector)
  with function extensions.vector_from_array(double precision[]) as assignment;
create cast (real[] as extensions.vector)
  with function extensions.vector_from_array(real[]) as assignment;

-- ---------------------------------------------------------------------
-- what 10_production_state.sql and the two RPCs use: +, <=>, l2_normalize
-- ---------------------------------------------------------------------
create function extensions.vector_add(extensions.vector, extensions.vector)
returns extensions.vector
language sql immutable strict parallel safe
return extensions.vector_from_array(array(
  select a operator(pg_catalog.+) b
  from unnest(extensions.vector_elements($1), extensions.vector_elements($2))
    with ordinality as e (a, b, i)
  order by i
));

create function extensions.cosine_distance(extensions.vector, extensions.vector)
returns double precision
language sql immutable strict parallel safe
return (
  select 1 operator(pg_catalog.-) (pg_catalog.sum(a operator(pg_catalog.*) b)
    operator(pg_catalog./) nullif(
      pg_catalog.sqrt(pg_catalog.sum(a operator(pg_catalog.*) a))
      operator(pg_catalog.*) pg_catalog.sqrt(pg_catalog.sum(b operator(pg_catalog.*) b)), 0))
  from unnest(extensions.vector_elements($1), extensions.vector_elements($2))
    as e (a, b)
);

create function extensions.l2_normalize(extensions.vector) returns extensions.vector
language sql immutable strict parallel safe
return extensions.vector_from_array(array(
  select a operator(pg_catalog./) nullif(pg_catalog.sqrt(
    (select pg_catalog.sum(x operator(pg_catalog.*) x)
     from pg_catalog.unnest(extensions.vector_elements($1)) as x)), 0)
  from pg_catalog.unnest(extensions.vector_elements($1)) with ordinality as e (a, i)
  order by i
));

create operator extensions.+ (
  leftarg = extensions.vector,
  rightarg = extensions.vector,
  function = extensions.vector_add
);

create operator extensions.<=> (
  leftarg = extensions.vector,
  rightarg = extensions.vector,
  function = extensions.cosine_distance
);

-- ---------------------------------------------------------------------
-- the extension's name, so that `create extension if not exists vector`
-- (migration 001) is a no-op, as it is on Supabase where pgvector exists
-- ---------------------------------------------------------------------
insert into pg_catalog.pg_extension
  (oid, extname, extowner, extnamespace, extrelocatable, extversion, extconfig, extcondition)
values (
  pg_catalog.pg_nextoid('pg_catalog.pg_extension', 'oid', 'pg_catalog.pg_extension_oid_index'),
  'vector',
  (select oid from pg_catalog.pg_roles where rolname = current_user),
  'extensions'::regnamespace,
  false,
  'stand-in',
  null,
  null
);

comment on extension vector is
  'STAND-IN for pgvector (tests/sql/05_pgvector_stand_in.sql): this engine has no pgvector.';

grant usage on type extensions.vector to public;
