"""What the API can reach: the schemas PostgREST serves, and the functions clients may call.

``EXPOSED_SCHEMAS`` is Supabase's default Data API configuration; a schema an
API role has USAGE on is reachable too (from a view, a policy or a function body),
so tests/rls/test_api_reachable_objects.py judges the objects of both.
``API_FUNCTIONS`` is the reviewed declaration of every function anon or
authenticated may EXECUTE in those schemas: Supabase's default privileges grant
EXECUTE on every new function in ``public`` to both roles, so a function the
clients can call is there on purpose only if it is listed here, with why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EXPOSED_SCHEMAS = ("public", "graphql_public")
"""PostgREST's ``db-schemas`` on Supabase: the CLI's ``supabase/config.toml`` template,
``[api] schemas = ["public", "graphql_public"]``, and a hosted project's Data API
settings ("Exposed schemas") default to these two; ``extra_search_path`` adds
``public, extensions`` to each request's search_path (hyrox_schema/impersonation.py)."""

PLATFORM_SCHEMAS = (
    "auth",
    "extensions",
    "graphql",
    "pgbouncer",
    "pgsodium",
    "realtime",
    "storage",
    "supabase_functions",
    "vault",
)
"""Schemas Supabase creates and fills itself (GoTrue's auth helpers, extension homes, ...):
API roles have USAGE on some, but their objects are the platform's, not this schema's.
A migration that puts an object there still shows in the contract (contract/)."""

CLIENT_ROLES = ("anon", "authenticated")
"""The roles a client's request runs as (service_role is the server's key and bypasses RLS)."""


@dataclass(frozen=True)
class ApiFunction:
    """A function anon or authenticated may execute, declared after review."""

    signature: str
    """As ``oid::regprocedure`` prints it under ``search_path = pg_catalog``."""
    security: Literal["invoker", "definer"]
    roles: frozenset[str]
    """The client roles that may execute it (exactly these)."""
    reads: str
    """Whose rows it returns: ``the public corpus``, ``the caller's rows``, ..."""
    why: str
    owner_filter: str | None = None
    """A ``security definer`` function bypasses RLS: the clause of its body that keeps it to
    the caller's rows (whitespace and case are ignored when it is looked for)."""
    platform: bool = False
    """Supabase's own (exists only on engines that have it, e.g. with pg_graphql)."""


API_FUNCTIONS: tuple[ApiFunction, ...] = (
    ApiFunction(
        signature="private.current_athlete_id()",
        security="definer",
        roles=frozenset({"authenticated"}),
        reads="the caller's rows",
        owner_filter="where p.user_id = (select auth.uid())",
        why="the identity helper every policy and athlete_id default calls (design 5.1): the"
        " caller's own profile id; definer so the lookup does not re-run the profile policy",
    ),
    ApiFunction(
        signature="public.hybrid_search_chunks(text,extensions.vector,integer,double precision,"
        "double precision,integer)",
        security="invoker",
        roles=frozenset({"anon", "authenticated"}),
        reads="the public corpus",
        why="pre-existing RAG search RPC (the brief: do not recreate); knowledge_chunks is a"
        " public read corpus without athlete data",
    ),
    ApiFunction(
        signature="public.match_chunks(extensions.vector,double precision,integer)",
        security="invoker",
        roles=frozenset({"anon", "authenticated"}),
        reads="the public corpus",
        why="pre-existing semantic search RPC (the brief: do not recreate); same corpus",
    ),
    ApiFunction(
        signature="graphql_public.graphql(text,text,jsonb,jsonb)",
        security="invoker",
        roles=frozenset({"anon", "authenticated"}),
        reads="what the caller's RLS allows",
        why="Supabase's GraphQL entry point (pg_graphql), present on its images only",
        platform=True,
    ),
)

DECLARED = {f.signature: f for f in API_FUNCTIONS}
DECLARATION_FILE = "tests/support/api_surface.py"
