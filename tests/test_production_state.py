"""The pre-001 production state: knowledge_chunks and its two search RPCs."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import DictRow

from hyrox_schema import catalog

Connection = psycopg.Connection[DictRow]

FIRST_CHUNK = (
    "select id, content, embedding from public.knowledge_chunks order by created_at limit 1"
)


@pytest.fixture
def first_chunk(db_before: Connection) -> DictRow:
    """The first ingested chunk ("row 1"): id, content and embedding (as text)."""
    row = db_before.execute(FIRST_CHUNK).fetchone()
    assert row is not None
    return row


def test_knowledge_chunks_has_239_rows(db_before: Connection):
    """The live table holds 239 chunks."""
    assert db_before.execute("select count(*) as n from public.knowledge_chunks").fetchone() == {
        "n": 239
    }


def test_knowledge_chunks_has_rls_disabled(db_before: Connection):
    """RLS is off on knowledge_chunks, intentionally (public read)."""
    (table,) = [t for t in catalog.tables(db_before) if t.name == "knowledge_chunks"]
    assert (table.rls_enabled, table.rls_forced) == (False, False)


def test_knowledge_chunks_has_the_expected_columns(db_before: Connection):
    """Columns and types are those of the brief's "What Already Exists"."""
    columns = [(c.name, c.data_type) for c in catalog.columns(db_before, "knowledge_chunks")]
    assert columns == [
        ("id", "text"),
        ("source_doc", "text"),
        ("source_name", "text"),
        ("section", "text"),
        ("content", "text"),
        ("topic_tags", "text[]"),
        ("chunk_index", "integer"),
        ("word_count", "integer"),
        ("est_tokens", "integer"),
        ("fts", "tsvector"),
        ("embedding", "extensions.vector(1536)"),
        ("created_at", "timestamp with time zone"),
    ]


@pytest.mark.usefixtures("requires_pgvector")
def test_knowledge_chunks_embeddings_are_unit_vectors(db_before: Connection):
    """Every chunk has a normalised 1536-dimension embedding and an fts vector."""
    row = db_before.execute(
        "select min(extensions.vector_norm(embedding)) as lo,"
        " max(extensions.vector_norm(embedding)) as hi,"
        " count(*) filter (where fts is null or extensions.vector_dims(embedding) <> 1536) as bad"
        " from public.knowledge_chunks"
    ).fetchone()
    assert row is not None
    assert row["bad"] == 0
    assert row["lo"] == pytest.approx(1.0, abs=1e-5)
    assert row["hi"] == pytest.approx(1.0, abs=1e-5)


def test_search_rpcs_have_the_expected_signatures(db_before: Connection):
    """hybrid_search_chunks and match_chunks exist with the live signatures."""
    functions = {f.name: f for f in catalog.functions(db_before)}
    hybrid = functions["hybrid_search_chunks"]
    match = functions["match_chunks"]
    assert hybrid.arguments == (
        "query_text text, query_embedding extensions.vector, match_count integer,"
        " full_text_weight double precision, semantic_weight double precision, rrf_k integer"
    )
    assert hybrid.result == "SETOF public.knowledge_chunks"
    assert match.arguments == (
        "query_embedding extensions.vector, match_threshold double precision, match_count integer"
    )
    assert match.result == "TABLE(id text, content text, similarity double precision)"


@pytest.mark.usefixtures("requires_pgvector")
def test_hybrid_search_ranks_the_query_chunk_first(db_before: Connection, first_chunk: DictRow):
    """Searching with row 1's text and embedding returns row 1 first."""
    only_match = db_before.execute(
        "select count(*) as n from public.knowledge_chunks"
        " where fts @@ websearch_to_tsquery('english', %s)",
        (first_chunk["content"],),
    ).fetchone()
    assert only_match == {"n": 1}
    rows = db_before.execute(
        "select id from public.hybrid_search_chunks(%s, %s::extensions.vector, 5)",
        (first_chunk["content"], first_chunk["embedding"]),
    ).fetchall()
    assert len(rows) == 5
    assert rows[0]["id"] == first_chunk["id"]


@pytest.mark.usefixtures("requires_pgvector")
def test_match_chunks_ranks_the_query_chunk_first(db_before: Connection, first_chunk: DictRow):
    """Matching row 1's embedding returns row 1 first, with similarity 1."""
    rows = db_before.execute(
        "select id, similarity from public.match_chunks(%s::extensions.vector, 0.1, 3)",
        (first_chunk["embedding"],),
    ).fetchall()
    assert rows[0]["id"] == first_chunk["id"]
    assert rows[0]["similarity"] == pytest.approx(1.0, abs=1e-5)
    assert all(r["similarity"] < 0.99 for r in rows[1:])
