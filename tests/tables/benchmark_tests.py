"""public.benchmark_tests: what the suite expects of it beyond the contract.

The fields are described in tests/tables/declaration.py.
"""

from __future__ import annotations

from factories.workouts import BenchmarkTestFactory
from tests.support.access_matrix import Command, Policy
from tests.support.index_requests import STATION, Request, fk_check
from tests.tables.checks import (
    jsonb_object,
    station_id,
)
from tests.tables.declaration import (
    Access,
    Check,
    ForeignKey,
    Link,
    Ownership,
    TableDeclaration,
)
from tests.tables.stories import owned, station_child

TABLE = TableDeclaration(
    name="benchmark_tests",
    ownership=Ownership.ATHLETE,
    access=Access(
        pattern="athlete_crud",
        policies=(
            Policy("athletes can read their own benchmark tests", Command.SELECT),
            Policy("athletes can create their own benchmark tests", Command.INSERT),
            Policy("athletes can update their own benchmark tests", Command.UPDATE),
            Policy("athletes can delete their own benchmark tests", Command.DELETE),
        ),
        update=("notes", "Edited"),
    ),
    make_row=lambda athlete: BenchmarkTestFactory(athlete=athlete),
    checks={
        "benchmark_tests_test_type_check": Check(
            (
                *(
                    {"test_type": t}
                    for t in (
                        "hyrox_pft",
                        "run_1k",
                        "run_1mile",
                        "run_5k",
                        "cooper_12min",
                        "skierg_1000m",
                        "row_1000m",
                        "row_2000m",
                        "one_rep_max",
                        "simulation_full",
                        "simulation_half",
                        "other",
                    )
                ),
                {"station_test": True},
            ),
            ({"test_type": "vo2max"}, {"test_type": "PFT"}),
        ),
        "benchmark_tests_station_test_check": Check(
            ({"station_test": True}, {"test_type": "run_1k", "station_id": station_id}),
            ({"test_type": "station_test", "station_id": None},),
        ),
        "benchmark_tests_results_check": jsonb_object("results"),
    },
    foreign_keys={
        "benchmark_tests_athlete_id_fkey": ForeignKey("cascade", owned("benchmark_tests")),
        "benchmark_tests_station_id_fkey": ForeignKey(
            "restrict",
            station_child(
                "benchmark_tests", lambda s: BenchmarkTestFactory(station_test=True, station=s)
            ),
        ),
    },
    links=(Link("benchmark_tests_athlete_id_fkey", "athlete_id", "athlete_profiles"),),
    defaults={
        "results": {},
    },
    index_requests={
        "benchmark_tests_athlete_id_test_date_idx": Request(
            "select id, test_type from public.benchmark_tests where athlete_id = %(athlete_id)s"
            " order by test_date desc",
            "the athlete's benchmark tests, newest first",
        ),
        "benchmark_tests_station_id_idx": Request(
            fk_check("benchmark_tests", "station_id", STATION),
            "deleting a station checks the benchmark tests of it",
        ),
    },
)
