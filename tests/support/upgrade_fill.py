"""The upgrade data set: several athletes' data in every table, built with the factories.

Test data, so it lives in tests/; the upgrade machinery (:mod:`hyrox_schema.upgrade`) takes it as
a parameter, and the tools that need it (the layers with ``--upgrade-from``, ``hyrox-contract
summary --rows``) load this file by path (:func:`hyrox_schema.upgrade.repo_filler`). A table or
column a later migration adds is skipped here by itself: the database is filled at N-1.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from psycopg import sql

import factories.base as data_factories
from factories.athletes import AthleteFactory, AuthUserFactory
from factories.chat import MessageFactory
from factories.graphs import POPULATED_TABLES, race_with_splits
from factories.plans import TrainingPlanFactory
from factories.records import GoalFactory, PersonalRecordFactory
from factories.reference import AchievementDefinitionFactory, ExerciseFactory
from factories.workouts import WorkoutLogFactory
from hyrox_schema import race_import
from hyrox_schema.upgrade import FILLER_ATHLETES, FILLER_DOMAIN, Conn, Owner, data_tables, rows_of
from tests.support import edges
from tests.support.athlete_data import populated_athlete
from tests.tables import athlete_id_tables

log = logging.getLogger(__name__)

REAL_RESULTS_SAMPLE = 12
"""How many real published results the filled database carries (plus the ones with gaps)."""


# Optional columns the graph builders leave empty, filled on one row of each athlete's data,
# so that dropping or rewriting any column of the schema visibly loses values.
OPTIONAL_VALUES = {
    ("athlete_profiles", "avatar_url"): "https://example.com/avatars/upgrade.png",
    ("benchmark_tests", "notes"): "Tested after an easy week.",
    ("race_results", "notes"): "Hot venue, slow sleds.",
    ("race_splits", "notes"): "Dropped the wall balls twice.",
    ("training_plan_days", "notes"): "Keep the heart rate under 150.",
    ("training_plan_weeks", "notes"): "Deload week.",
    ("workout_logs", "notes"): "Felt strong on the sled push.",
    ("personal_records", "notes"): "Fresh legs.",
}


def fill(conn: Conn, seed: int) -> list[Owner]:
    """Factory data for several athletes in every table: linked plan days and logs, chats,
    races with splits (one DNF, one DSQ), soft-deleted logs, plans and goals, records,
    benchmarks, achievements, every optional column used somewhere, inactive reference rows
    nobody uses; plus an athlete with no data. Then every column's edges (tests/support/edges.py,
    read from the catalog of this database: NULL, every vocabulary value, the range ends, long
    texts; every status and a soft-deleted row of each filler athlete). Tables and columns this
    database does not have (yet) are skipped. Returns the owners (the no-data athlete last)."""
    started = time.perf_counter()
    rows_before = _row_count(conn)
    reference = [s.table for s in edges.shapes_of_catalog(conn) if s.owner_column is None]
    seeded = {table: _ids(conn, table) for table in reference}
    data_factories.reseed(seed)
    owners = []
    with data_factories.bind(conn):
        for number in range(FILLER_ATHLETES):
            user = AuthUserFactory(email=f"athlete{number}@{FILLER_DOMAIN}")
            graph = populated_athlete(AthleteFactory(user=user, onboarded=True))
            athlete = graph.athlete
            WorkoutLogFactory(athlete=athlete, soft_deleted=True)
            TrainingPlanFactory(athlete=athlete, soft_deleted=True)
            GoalFactory(athlete=athlete, soft_deleted=True)
            GoalFactory(athlete=athlete, station_time=True)
            PersonalRecordFactory(athlete=athlete, free_text_exercise=True, improved=True)
            MessageFactory(conversation=graph.chat.conversation, rated=True)
            race_with_splits(athlete, **({"dnf": True} if number % 2 == 0 else {"dsq": True}))
            for table in athlete_id_tables():  # added since 001: a second row, from its
                if table.name not in POPULATED_TABLES:  # declaration, so each edge (NULL,
                    table.make_row(athlete)  # soft-deleted, range ends) has a row to carry it
            owners.append(Owner(user["id"], athlete["id"]))
        ExerciseFactory(video_url="https://example.com/videos/upgrade.mp4")
        # Reference rows retired and used by nobody: what a clean-up migration might delete.
        ExerciseFactory(retired=True)
        AchievementDefinitionFactory(is_active=False)
        real_results_sample(conn, owners)
        stranger = AuthUserFactory(email=f"stranger@{FILLER_DOMAIN}")
        owners.append(Owner(stranger["id"], AthleteFactory(user=stranger)["id"]))
    for (table, column), value in OPTIONAL_VALUES.items():
        if not column_exists(conn, table, column):
            log.info("upgrade fill: public.%s.%s does not exist here, skipped", table, column)
            continue  # not there yet at N-1 (a later migration adds it)
        conn.execute(
            sql.SQL(
                "update public.{t} set {c} = %s where id in"
                " (select distinct on ({o}) id from public.{t} order by {o}, id)"
            ).format(
                t=sql.Identifier(table),
                c=sql.Identifier(column),
                o=sql.Identifier("id" if table == "athlete_profiles" else "athlete_id"),
            ),
            (value,),
        )
    made = edges.fill(
        conn,
        owners=[o.athlete_id for o in owners],
        athletes=[o.athlete_id for o in owners[:FILLER_ATHLETES]],
        created={table: _ids(conn, table) - ids for table, ids in seeded.items()},
    )
    log.info(
        "upgrade fill: %d rows added in %.2f s; edges: %d present, %d made, %d unreachable",
        _row_count(conn) - rows_before,
        time.perf_counter() - started,
        made.present,
        made.made,
        len(made.unreachable),
    )
    return owners


def _ids(conn: Conn, table: str) -> set[Any]:
    """The ids of a table's rows."""
    schema, name = table.split(".")
    query = sql.SQL("select id from {}").format(sql.Identifier(schema, name))
    return {row[0] for row in rows_of(conn, query.as_string(conn))}


def _row_count(conn: Conn) -> int:
    """Rows in the data tables (public and auth.users)."""
    query = sql.SQL(" + ").join(
        sql.SQL("(select count(*) from {})").format(sql.Identifier(*table.split(".")))
        for table in data_tables(conn)
    )
    return int(rows_of(conn, sql.SQL("select {}").format(query).as_string(conn))[0][0])


def real_results_sample(conn: Conn, owners: Sequence[Owner]) -> int:
    """Real published results (tests/data/hyrox-results/) imported as ``owners[0]``, through
    RLS as the app imports them: a spread of Open and Doubles results from both events, gaps
    (unrecorded splits) and the longest age group included. Returns the rows added (a result
    and its 16 splits each)."""
    results = race_import.fixture_results()
    gaps = [r for r in results if any(s is None for s in r.runs + r.stations)][:2]
    step = len(results) // REAL_RESULTS_SAMPLE
    # the longest text real data holds (age groups: the events' names are in every sample)
    longest = max(results, key=lambda r: len(r.age_group or ""))
    sample = list(dict.fromkeys([*results[::step][:REAL_RESULTS_SAMPLE], *gaps, longest]))
    report = race_import.import_results(conn, owners[0].user_id, sample, race_import.read_events())
    if report.refused:
        raise AssertionError(f"real results refused while filling: {report.refused}")
    return len(report.race_ids) * 17


def column_exists(conn: Conn, table: str, column: str) -> bool:
    """``public.<table>.<column>`` exists (it may not yet, at N-1): the factories' own catalog
    read, fresh."""
    return column in (data_factories.table_columns(conn, f"public.{table}", refresh=True) or ())
