"""Fixtures of the behaviour tests: the real-results fixture, imported once per module."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.rows import DictRow, dict_row

from hyrox_schema import race_import
from hyrox_schema.databases import Layer, worker_dbname
from hyrox_schema.race_import import ImportReport, Result
from hyrox_schema.server import PgServer, cloned_database
from tests.behaviour.helpers import RealImport

Connection = psycopg.Connection[DictRow]


def _sign_up(conn: Connection, athletes: dict[uuid.UUID, list[Result]]) -> None:
    """The users and profiles GoTrue and onboarding would have made (setup, as postgres)."""
    users = list(athletes)
    first = [athletes[u][0] for u in users]
    sex = {"men": "male", "women": "female"}
    conn.execute(
        "insert into auth.users (id, aud, role, email)"
        " select u, 'authenticated', 'authenticated', 'real' || n || '@results.test'"
        " from unnest(%s::uuid[]) with ordinality as t (u, n)",
        (users,),
    )
    conn.execute(
        "insert into public.athlete_profiles (user_id, sex, hyrox_division, hyrox_format)"
        " select * from unnest(%s::uuid[], %s::text[], %s::text[], %s::text[])",
        (
            users,
            [sex.get(r.race_category or "") for r in first],
            [r.division for r in first],
            [r.format for r in first],
        ),
    )


@pytest.fixture(scope="module")
def real_import(pg_server: PgServer, layer_after_001: Layer) -> Iterator[RealImport]:
    """Every result of tests/data/hyrox-results, imported by its athletes through RLS."""
    events = race_import.read_events()
    dealt = race_import.athletes_of(race_import.fixture_results())
    athletes = {uuid.UUID(int=0x5EA1_0000_0000 + n): races for n, races in enumerate(dealt)}
    with (
        cloned_database(
            pg_server,
            template=layer_after_001.template_dbname,
            dbname=worker_dbname(f"{layer_after_001.template_dbname}_real"),
        ) as dsn,
        psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn,
    ):
        _sign_up(conn, athletes)
        report = ImportReport()
        started = time.perf_counter()
        for user_id, races in athletes.items():
            report.merge(race_import.import_results(conn, user_id, races, events))
        elapsed = time.perf_counter() - started
        conn.execute("analyze public.race_results, public.race_splits")
        yield RealImport(conn, athletes, report, elapsed)
