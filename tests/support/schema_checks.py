"""Catalog checks shared by the suite and the migration gate's samples (each returns its
offenders, empty when the schema is right): tests/rls/test_matrix_completeness.py and
tests/test_schema_structure.py run them on the migrated schema, tests/test_migration_samples.py
on every sample migration."""

from __future__ import annotations

from typing import Any

import psycopg

from hyrox_schema import catalog
from tests.support import access_matrix as spec

Conn = psycopg.Connection[Any]


def tables_without_spec_row(conn: Conn) -> list[str]:
    """Public tables (but knowledge_chunks) the access matrix says nothing about."""
    in_catalog = {t.name for t in catalog.tables(conn, exclude=spec.PUBLIC_WITHOUT_RLS)}
    return sorted(in_catalog - set(spec.TABLES_BY_NAME))


def tables_without_rls(conn: Conn) -> list[str]:
    """Public tables (but knowledge_chunks) with row level security off."""
    return [
        t.name
        for t in catalog.tables(conn)
        if not t.rls_enabled and t.name not in spec.PUBLIC_WITHOUT_RLS
    ]


def private_helper_problems(conn: Conn) -> list[str]:
    """Why a function of schema private is not a proper helper (empty: every one is): search_path
    pinned to '', a comment, EXECUTE neither PUBLIC's nor anon's."""
    problems = []
    for helper in catalog.functions(conn, schema="private"):
        label = f"private.{helper.name}({helper.arguments})"
        if 'search_path=""' not in helper.config:
            problems.append(f"{label}: search_path is not pinned (set search_path = '')")
        if not helper.comment:
            problems.append(f"{label}: no comment (comment on function ...)")
        # By name and identity arguments, not by casting the label to regprocedure: the label
        # carries argument names (`p_athlete uuid`), which regprocedure cannot read. A NULL acl
        # is the default one, in which PUBLIC may execute.
        grants = conn.execute(
            "select has_function_privilege('anon', p.oid, 'execute') as anon,"
            " exists (select from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner)))"
            "  as a where a.grantee = 0) as public"
            " from pg_proc as p"
            " where p.pronamespace = 'private'::regnamespace and p.proname = %(name)s"
            "  and pg_get_function_identity_arguments(p.oid) = %(arguments)s",
            {"name": helper.name, "arguments": helper.arguments},
        ).fetchone()
        if grants != {"anon": False, "public": False}:
            problems.append(f"{label}: executable by {grants} (revoke all ... from public)")
    return problems
