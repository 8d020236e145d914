"""Throughput under concurrency: N athletes at once, each as themselves, sending the app's mix.

pgbench (it ships with PostgreSQL; the embedded server's copy is used when none is on
PATH) runs N client connections for a fixed time. Client k is athlete
``1 + k * step`` of the dataset (a different athlete per connection, spread over the
data). Every transaction is one request of the app, chosen at random with the weights
of :data:`MIX`, sent as PostgREST sends it: ``begin``, the per-request preamble
(search_path, role ``authenticated`` and the athlete's JWT claims, transaction-local),
the request's statement, then ``commit`` (reads) or ``rollback`` (writes, so the data
stays the same). ``-M prepared``: statements are prepared once per connection and
their plans cached, as PostgREST's are.

The owner variant (b) sends the same statements with the owner filter written by hand,
as the table owner (RLS bypassed), and the same preamble minus the role switch. Runs
of ours and the owner's alternate, N by N, repeat by repeat, so a change in machine
load hits both alike. pgbench's per-transaction log gives requests per second and the
latency percentiles. Nothing is asserted on the numbers.

pgbench is a C client, so the load generator itself takes little of the 2 cores the
server shares with it; a Python client (GIL, psycopg per request) would spend more
CPU than the requests it measures.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from hyrox_schema.impersonation import REQUEST_SEARCH_PATH, athlete_claims
from tests.benchmarks import datasets
from tests.benchmarks.queries import (
    CLAIMS_ISSUED_AT,
    FAMILIES,
    LOG_COLUMNS,
    OWNER_COLUMN,
    OWNER_ROLE,
    Variant,
    statements_for,
)

# The app's request mix (relative weights): opening the app shows today's session; the
# plan, the log list and the chat follow; PRs, races and the whole plan are rarer; one
# request in ten completes a day. Plan creation (129 rows, once per block) is left out.
MIX: dict[str, int] = {
    "today": 30,
    "plan_week": 15,
    "logs_recent": 15,
    "messages_latest": 15,
    "day_complete": 10,
    "pr_station": 5,
    "race_splits": 5,
    "plan_whole": 5,
}
CONNECTIONS = (1, 2, 4, 8)
VARIANTS: tuple[Variant, Variant] = ("ours", "owner")
# Seconds per pgbench run (HYROX_BENCH_THROUGHPUT_SECONDS overrides) and runs per variant and N.
SECONDS_PER_RUN = 5
SECONDS_ENV = "HYROX_BENCH_THROUGHPUT_SECONDS"
REPEATS = 2

# A placeholder sub in the claims template; each connection replaces it by its user id.
SUB_PLACEHOLDER = "00000000-0000-0000-0000-0000000000aa"


def pgbench_path() -> str:
    """pgbench on PATH, else the embedded server's (pgserver ships one)."""
    found = shutil.which("pgbench")
    if found:
        return found
    import pgserver  # only needed without a pgbench on PATH

    bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pgbench"
    if not bundled.is_file():
        raise FileNotFoundError("no pgbench on PATH and none in pgserver's pginstall/bin")
    return str(bundled)


def _id_expr(kind: str, number: str) -> str:
    """SQL for the dataset's id of ``kind`` row ``number`` (dataset.sql's bench_id)."""
    return f"md5('{kind}:' || ({number})::text)::uuid"


# Request parameters of athlete :i as SQL (the ids the app would hold, see sample_athletes).
PARAM_SQL: dict[str, str] = {
    "athlete_id": _id_expr("athlete", ":i"),
    "plan_id": _id_expr("plan", ":i"),
    "week_number": str(datasets.READ_WEEK),
    "today": f"'{datasets.TODAY.isoformat()}'",
    "race_id": _id_expr("race", ":i * 3 + 3"),
    "conversation_id": _id_expr("conversation", ":i * 2 + 1"),
    "station_id": "(:station)::uuid",
}


def _log_body(owner: bool) -> str:
    """day_complete's JSON body built in SQL: a new log id, the athlete's open day."""
    week, dow = datasets.OPEN_DAY
    values = {
        "id": "gen_random_uuid()",
        "date": f"'{datasets.TODAY.isoformat()}'",
        "session_type": "'strength'",
        "completion_status": "'completed'",
        "duration_minutes": "55",
        "rpe_post": "7",
        "training_plan_day_id": _id_expr("day", f"(:i * 16 + {week}) * 7 + {dow}"),
    }
    assert set(values) == {name for name, _ in LOG_COLUMNS}
    if owner:
        values[OWNER_COLUMN[0]] = PARAM_SQL["athlete_id"]
    pairs = ", ".join(f"'{name}', {expr}" for name, expr in values.items())
    return f"json_build_array(json_build_object({pairs}))"


def script(family: str, variant: Variant, conn: psycopg.Connection[Any]) -> str:
    """The pgbench script of one request of ``family`` as ``variant`` sends it."""
    spec = FAMILIES[family]
    owner = variant in OWNER_ROLE
    role = "" if owner else "set_config('role', 'authenticated', true), "
    preamble = (
        f"select set_config('search_path', '{REQUEST_SEARCH_PATH}', true), {role}"
        "set_config('request.jwt.claims', replace(:claims, "
        f"'{SUB_PLACEHOLDER}', {_id_expr('user', ':i')}::text), true), "
        "set_config('request.method', 'GET', true);"
    )
    probe = datasets.Athlete(
        number=1,
        user_id=datasets.bench_id("user", 1),
        athlete_id=datasets.bench_id("athlete", 1),
        plan_id=datasets.bench_id("plan", 1),
        week_number=datasets.READ_WEEK,
        conversation_id=datasets.bench_id("conversation", 3),
        race_id=datasets.bench_id("race", 6),
        station_id=datasets.bench_id("station", 2),
        open_day_id=datasets.bench_id("day", 1),
        today=datasets.TODAY,
    )
    lines = ["\\set i 1 + :client_id * :step", "begin;", preamble]
    for statement in statements_for(spec, probe, variant):
        text = statement.query.as_string(conn)
        text = re.sub(
            r"%\((\w+)\)s",
            lambda match: _log_body(owner) if match[1] == "body" else PARAM_SQL[match[1]],
            text,
        )
        lines.append(text + ";")
    lines.append("rollback;" if spec.kind == "write" else "commit;")
    return "\n".join(lines) + "\n"


def claims_template() -> str:
    """The JWT claims PostgREST sets for an athlete, with a placeholder for the user id."""
    placeholder = uuid.UUID(SUB_PLACEHOLDER)
    claims = athlete_claims(
        placeholder,
        email="athlete@bench.test",
        issued_at=CLAIMS_ISSUED_AT,
        session_id=uuid.UUID(int=1),
    )
    return json.dumps(claims)


@dataclass(frozen=True)
class Run:
    """One pgbench run: a variant at N connections."""

    variant: Variant
    connections: int
    seconds: float
    latencies_us: list[int]
    failed: int
    load_average: float

    def summary(self) -> dict[str, Any]:
        """Requests per second and latency percentiles (ms)."""
        ordered = sorted(self.latencies_us)
        cuts = statistics.quantiles(ordered, n=100) if len(ordered) > 1 else ordered * 99
        return {
            "requests_per_s": round(len(ordered) / self.seconds, 1),
            "p50_ms": round(cuts[49] / 1000, 3),
            "p95_ms": round(cuts[94] / 1000, 3),
            "p99_ms": round(cuts[98] / 1000, 3),
            "requests": len(ordered),
            "failed": self.failed,
            "load_average": round(self.load_average, 2),
        }


def read_log(directory: Path) -> tuple[list[int], int]:
    """Latencies (us) of committed transactions and the count of failed ones, from pgbench logs.

    Log lines: ``client_id transaction_no time script_no time_epoch time_us [...]``;
    ``time`` is the latency, or ``failed``/``skipped`` instead of a number.
    """
    latencies: list[int] = []
    failed = 0
    for path in sorted(directory.glob("tx*")):
        for line in path.read_text().splitlines():
            fields = line.split()
            if len(fields) < 3:
                continue
            if fields[2].isdigit():
                latencies.append(int(fields[2]))
            else:
                failed += 1
    return latencies, failed


def run_pgbench(
    conninfo: Mapping[str, Any],
    scripts: Mapping[str, str],
    *,
    connections: int,
    seconds: float,
    variables: Mapping[str, str],
    transactions: int | None = None,
) -> tuple[list[int], int, float]:
    """Run pgbench with ``scripts`` (name -> text, weighted by MIX); return latencies."""
    with tempfile.TemporaryDirectory(prefix="hyrox-pgbench-") as tmp:
        folder = Path(tmp)
        args = [
            pgbench_path(),
            "--no-vacuum",
            "--protocol=prepared",
            f"--client={connections}",
            f"--jobs={connections}",
            "--log",
            f"--log-prefix={folder / 'tx'}",
            f"--host={conninfo['host']}",
            f"--port={conninfo['port']}",
            f"--username={conninfo['user']}",
        ]
        args += [f"--transactions={transactions}"] if transactions else [f"--time={seconds:g}"]
        for name, text in scripts.items():
            path = folder / f"{name}.sql"
            path.write_text(text, encoding="utf-8")
            args.append(f"--file={path}@{MIX[name]}")
        for name, value in variables.items():
            args.append(f"--define={name}={value}")
        args.append(str(conninfo["dbname"]))
        env = {
            **os.environ,
            "PGOPTIONS": "",
            **({"PGPASSWORD": conninfo["password"]} if conninfo.get("password") else {}),
        }
        started = time.perf_counter()
        done = subprocess.run(
            args, capture_output=True, text=True, timeout=seconds * 4 + 120, check=False, env=env
        )
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"pgbench failed ({done.returncode}): {done.stderr[-2000:]}")
        latencies, failed = read_log(folder)
    return latencies, failed, elapsed


def measure(
    conninfo: Mapping[str, Any],
    conn: psycopg.Connection[Any],
    athletes: int,
    *,
    connections: Sequence[int] = CONNECTIONS,
    seconds: float | None = None,
    repeats: int = REPEATS,
) -> dict[str, Any]:
    """Throughput of ours and the owner's at every N, interleaved; summaries per variant and N."""
    if seconds is None:
        seconds = float(os.environ.get(SECONDS_ENV, "") or SECONDS_PER_RUN)
    station = conn.execute(
        "select id from public.hyrox_stations where station_number = 2"
    ).fetchone()
    assert station is not None
    scripts = {
        variant: {family: script(family, variant, conn) for family in MIX} for variant in VARIANTS
    }
    variables = {
        "claims": claims_template(),
        "station": str(station[0]),
        "step": str(max(athletes // max(connections), 1)),
    }
    runs: dict[tuple[Variant, int], list[Run]] = {}
    for repeat in range(repeats):
        for n in connections:
            order = VARIANTS if (repeat + n) % 2 == 0 else VARIANTS[::-1]
            for variant in order:
                load = os.getloadavg()[0]
                latencies, failed, _ = run_pgbench(
                    conninfo, scripts[variant], connections=n, seconds=seconds, variables=variables
                )
                runs.setdefault((variant, n), []).append(
                    Run(variant, n, seconds, latencies, failed, load)
                )
    results: dict[str, Any] = {"mix": MIX, "seconds_per_run": seconds, "repeats": repeats}
    per_n: dict[str, Any] = {}
    for n in connections:
        entry: dict[str, Any] = {}
        for variant in VARIANTS:
            merged = Run(
                variant,
                n,
                seconds * len(runs[(variant, n)]),
                [lat for run in runs[(variant, n)] for lat in run.latencies_us],
                sum(run.failed for run in runs[(variant, n)]),
                max(run.load_average for run in runs[(variant, n)]),
            )
            entry[variant] = merged.summary()
            entry[variant]["runs_requests_per_s"] = [
                run.summary()["requests_per_s"] for run in runs[(variant, n)]
            ]
        entry["ours/owner requests_per_s"] = round(
            entry["ours"]["requests_per_s"] / entry["owner"]["requests_per_s"], 3
        )
        per_n[str(n)] = entry
    results["connections"] = per_n
    return results
