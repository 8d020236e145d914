"""Fixtures of the RLS benchmark: dataset templates per scale, the draft copy, connections.

Layers (each built once per session, only when a test asks for its scale):

    layer_after_001     the migrated template (root conftest)
    bench_layer_s       + the S dataset (1,000 athletes), VACUUM ANALYZE, invariants checked
    bench_layer_l       + the L dataset (10,000 athletes); benchmarks only, on request
    bench_layer_xl      + the XL dataset (100,000 athletes); ours and owner only, on request
    bench_layer_*_uid   the same datasets with profile id = user id, for the "uid"
                        design alternative; benchmarks only

From a layer, :class:`BenchDatabases` clones ``ours`` (the migration as is)
and ``draft`` (the same data with the brief's draft policies), and for the
benchmarks ``uid`` from the uid layer. Connections only ever go to the
clones, never to a template.

The scales benchmarked come from ``--bench-scale`` (root conftest) or
``HYROX_BENCH_SCALE``: ``S`` (default), ``L``, ``XL`` or a list such as ``S,L,XL``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack

import pytest

from hyrox_schema.databases import Layer, template_layer, worker_dbname
from hyrox_schema.server import PgServer
from tests.benchmarks import datasets
from tests.benchmarks.databases import (
    DB_PREFIX,
    BenchCase,
    BenchDatabases,
    BenchSetup,
    resolve_scales,
)
from tests.benchmarks.queries import FAMILIES, variants_of


def _dataset_layer(
    pg_server: PgServer, after: Layer, name: str, scale: str, *, profile_is_user: bool = False
) -> AbstractContextManager[Layer]:
    """A template: ``after`` + the dataset of ``scale`` (hyrox_schema.databases)."""
    return template_layer(
        pg_server,
        dbname=worker_dbname(f"{DB_PREFIX}_{name}_tmpl"),
        template=after.template_dbname,
        loaders=[datasets.dataset_loader(datasets.SCALES[scale], profile_is_user=profile_is_user)],
    )


@pytest.fixture(scope="session")
def bench_layer_t(pg_server: PgServer, layer_after_001: Layer) -> Iterator[Layer]:
    """Template: after-001 + the T dataset (the default suite's structural tests)."""
    with _dataset_layer(pg_server, layer_after_001, "t", "T") as layer:
        yield layer


@pytest.fixture(scope="session")
def bench_layer_s(pg_server: PgServer, layer_after_001: Layer) -> Iterator[Layer]:
    """Template: after-001 + the S dataset."""
    with _dataset_layer(pg_server, layer_after_001, "s", "S") as layer:
        yield layer


@pytest.fixture(scope="session")
def bench_layer_l(pg_server: PgServer, layer_after_001: Layer) -> Iterator[Layer]:
    """Template: after-001 + the L dataset (built only when L is benchmarked)."""
    with _dataset_layer(pg_server, layer_after_001, "l", "L") as layer:
        yield layer


@pytest.fixture(scope="session")
def bench_layer_xl(pg_server: PgServer, layer_after_001: Layer) -> Iterator[Layer]:
    """Template: after-001 + the XL dataset (100,000 athletes, 11.2 M plan days; on request
    only)."""
    with _dataset_layer(pg_server, layer_after_001, "xl", "XL") as layer:
        yield layer


@pytest.fixture(scope="session")
def bench_layer_s_uid(pg_server: PgServer, layer_after_001: Layer) -> Iterator[Layer]:
    """Template: the S dataset with profile id = user id (the "uid" alternative; benchmarks
    only)."""
    with _dataset_layer(pg_server, layer_after_001, "s_uid", "S", profile_is_user=True) as layer:
        yield layer


@pytest.fixture(scope="session")
def bench_layer_l_uid(pg_server: PgServer, layer_after_001: Layer) -> Iterator[Layer]:
    """Template: the L dataset with profile id = user id (benchmarks at L only)."""
    with _dataset_layer(pg_server, layer_after_001, "l_uid", "L", profile_is_user=True) as layer:
        yield layer


STRUCTURAL_SCALE = "T"
"""The dataset the default suite's structural tests read (``bench_s``)."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise ``bench_case`` over scale x family x variant (scales from the option).

    ``throughput_scale`` runs at every chosen scale but the lean ones (XL).
    """
    scales = resolve_scales(metafunc.config.getoption("bench_scale"), os.environ)
    if "throughput_scale" in metafunc.fixturenames:
        chosen = [scale for scale in scales if scale not in datasets.LEAN_SCALES]
        metafunc.parametrize("throughput_scale", chosen)
    if "bench_case" not in metafunc.fixturenames:
        return
    cases = [
        BenchCase(scale, name, variant)
        for scale in scales
        for name, family in FAMILIES.items()
        for variant in variants_of(family, scale)
    ]
    metafunc.parametrize("bench_case", cases, ids=[case.id for case in cases])


@pytest.fixture(scope="session")
def bench_databases(pg_server: PgServer) -> Iterator[BenchDatabases]:
    """The benchmark databases of every scale, built lazily (see :class:`BenchDatabases`)."""
    with ExitStack() as stack:
        yield BenchDatabases(pg_server, stack)


@pytest.fixture
def bench_setup(
    bench_databases: BenchDatabases, bench_case: BenchCase, request: pytest.FixtureRequest
) -> BenchSetup:
    """The databases of the benchmark case's scale (built during setup, not in the timed test)."""
    return bench_databases.get(bench_case.scale, request, alternatives=True)


@pytest.fixture(scope="session")
def bench_s(bench_databases: BenchDatabases, request: pytest.FixtureRequest) -> BenchSetup:
    """The T databases (300 athletes): what the structural tests of the default suite read. The
    shapes they assert (an InitPlan per statement, index scans) hold at every larger scale; the
    benchmarks themselves measure at S, L and XL."""
    return bench_databases.get(STRUCTURAL_SCALE, request)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Report how long each benchmark dataset took to build (load, VACUUM ANALYZE, checks)."""
    for name, seconds in datasets.BUILD_SECONDS.items():
        terminalreporter.write_line(f"rls benchmark: dataset {name} built in {seconds:.1f} s")
