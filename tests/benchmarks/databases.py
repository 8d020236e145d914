"""The benchmark's databases per scale (template clones, connections) and its test cases."""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from psycopg.types.string import TextLoader

from hyrox_schema.server import PgServer, cloned_database
from tests.benchmarks import datasets, measure
from tests.benchmarks.queries import VARIANT_DATABASE, Database, Family, Variant, variants_of

BENCH_SCALE_ENV = "HYROX_BENCH_SCALE"
DEFAULT_SCALES = ("S",)
# Distinct from the root conftest's databases; unique per run.
DB_PREFIX = f"hyrox_{os.getpid()}_bench"
# Athletes the requests rotate through, one per round (spread over the dataset).
SAMPLE_ATHLETES = 16


def resolve_scales(cli_value: str | None, environ: Mapping[str, str]) -> list[str]:
    """Scales to benchmark: --bench-scale > HYROX_BENCH_SCALE > S; validated, in S, L, XL order."""
    raw = (cli_value or environ.get(BENCH_SCALE_ENV, "")).strip()
    if not raw:
        return list(DEFAULT_SCALES)
    wanted = {part.strip().upper() for part in raw.split(",") if part.strip()}
    unknown = wanted - set(datasets.SCALES)
    if unknown:
        raise pytest.UsageError(
            f"--bench-scale / {BENCH_SCALE_ENV}: unknown scale(s) {sorted(unknown)}; "
            f"choose from {sorted(datasets.SCALES)}"
        )
    return [scale for scale in datasets.SCALES if scale in wanted]


@dataclass(frozen=True)
class BenchCase:
    """One benchmark: a request family, run in one variant, on one scale."""

    scale: str
    family: str
    variant: Variant

    @property
    def id(self) -> str:
        """Readable test id, e.g. ``S-plan_whole-ours``."""
        return f"{self.scale}-{self.family}-{self.variant}"


@dataclass
class BenchSetup:
    """The two databases of one scale, a connection per variant, the athletes requests act for."""

    scale: str
    athletes: int
    build_seconds: float | None
    pg_version: str
    rows: dict[str, int]
    connections: dict[Database, psycopg.Connection[Any]] = field(default_factory=dict)
    samples: dict[Database, list[datasets.Athlete]] = field(default_factory=dict)
    paired: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def sample(self) -> list[datasets.Athlete]:
        """The athletes requests act for, as the migrated copy knows them."""
        return self.samples["ours"]

    def sample_for(self, variant: Variant) -> list[datasets.Athlete]:
        """The same athletes, as the variant's database knows them (ids differ on the uid copy)."""
        return self.samples[VARIANT_DATABASE[variant]]

    def connection(self, variant: Variant) -> psycopg.Connection[Any]:
        """The connection of the variant's database (variants of one database share it)."""
        return self.connections[VARIANT_DATABASE[variant]]

    def paired_times(self, family: Family) -> dict[str, Any]:
        """The family's interleaved wall and server times (measured once, on first request)."""
        if family.name not in self.paired:
            self.paired[family.name] = measure.paired_times(
                self.connection, family, variants_of(family, self.scale), self.sample_for
            )
        return self.paired[family.name]


class BenchDatabases:
    """Builds a scale's templates, clones and connections on first use; drops them at session end.

    ``ours`` and ``draft`` come from the scale's layer; the design alternatives
    only when asked for: ``uid`` (its own layer: profile ids = user ids) and
    ``inline`` (the scale's layer with the identity lookup inlined in the policies).
    """

    def __init__(self, server: PgServer, stack: ExitStack) -> None:
        self._server = server
        self._stack = stack
        self._setups: dict[str, BenchSetup] = {}

    def get(
        self, scale: str, request: pytest.FixtureRequest, *, alternatives: bool = False
    ) -> BenchSetup:
        """The databases of ``scale``, built on first use; ``request`` finds the layers."""
        if scale not in self._setups:
            layer = request.getfixturevalue(f"bench_layer_{scale.lower()}")
            self._setups[scale] = self._build(scale, layer.template_dbname)
        setup = self._setups[scale]
        if scale in datasets.LEAN_SCALES:
            return setup
        if alternatives and "uid" not in setup.connections:
            layer = request.getfixturevalue(f"bench_layer_{scale.lower()}_uid")
            uid = self._clone(layer.template_dbname, f"{DB_PREFIX}_{scale}_uid")
            with psycopg.connect(uid, autocommit=True) as conn:
                datasets.install_uid_policies(conn)
            conn = self._connect(uid)
            setup.samples["uid"] = datasets.sample_athletes(conn, setup.athletes, SAMPLE_ATHLETES)
            conn.rollback()
            setup.connections["uid"] = conn
        if alternatives and "inline" not in setup.connections:
            layer = request.getfixturevalue(f"bench_layer_{scale.lower()}")
            inline = self._clone(layer.template_dbname, f"{DB_PREFIX}_{scale}_inline")
            with psycopg.connect(inline, autocommit=True) as conn:
                datasets.install_inline_policies(conn)
            setup.connections["inline"] = self._connect(inline)
            # a clone of the same template: the same ids
            setup.samples["inline"] = setup.samples["ours"]
        return setup

    def _clone(self, template: str, dbname: str) -> str:
        return self._stack.enter_context(
            cloned_database(self._server, template=template, dbname=dbname)
        )

    def _connect(self, conninfo: str) -> psycopg.Connection[Any]:
        conn = psycopg.connect(conninfo)
        self._stack.callback(conn.close)
        # Bodies stay JSON text, as PostgREST passes them on: no client-side parsing.
        conn.adapters.register_loader("json", TextLoader)
        conn.adapters.register_loader("jsonb", TextLoader)
        return conn

    def _build(self, scale: str, template: str) -> BenchSetup:
        databases: dict[Database, str]
        if scale in datasets.LEAN_SCALES:
            # nothing clones this template: connect to it, as a lean scale has one copy only
            databases = {"ours": self._server.conninfo(template)}
        else:
            databases = {
                "ours": self._clone(template, f"{DB_PREFIX}_{scale}_ours"),
                "draft": self._clone(template, f"{DB_PREFIX}_{scale}_draft"),
            }
            with psycopg.connect(databases["draft"], autocommit=True) as conn:
                datasets.install_draft_policies(conn)
        connections: dict[Database, psycopg.Connection[Any]] = {
            name: self._connect(conninfo) for name, conninfo in databases.items()
        }
        owner = connections["ours"]
        athletes = datasets.SCALES[scale]
        row = owner.execute("show server_version").fetchone()
        assert row is not None
        setup = BenchSetup(
            scale=scale,
            athletes=athletes,
            build_seconds=datasets.BUILD_SECONDS.get(template),
            pg_version=str(row[0]),
            rows=datasets.row_counts(owner),
            connections=connections,
            # the draft copy is a clone of the same template: the same ids
            samples=dict.fromkeys(
                databases, datasets.sample_athletes(owner, athletes, SAMPLE_ATHLETES)
            ),
        )
        owner.rollback()
        return setup
