"""Every designed index is used by the request it exists for (EXPLAIN JSON, no timings).

The indexes come from the schema contract (contract/), their requests from the
reviewed table tests/support/index_requests.py. On the S benchmark dataset
(1,000 athletes, VACUUM ANALYZE'd) each request is planned as the table owner,
without RLS, with the sample athlete's ids; the plan must reach the table
through that index. An index dropped from the migration is still in the
contract, so its request still runs here and its plan no longer names it.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from psycopg.rows import tuple_row

from hyrox_schema.contract import load as load_contract
from tests.benchmarks import plans
from tests.benchmarks.databases import BenchSetup
from tests.support.index_requests import INDEX_REQUESTS, Request
from tests.tables import declared, owner_of

CONTRACT = load_contract()


def test_every_designed_index_has_a_request():
    """Each non-unique index of the contract has a request below, and no request is stale."""
    tables = {n: t for n, t in CONTRACT.plain_indexes().items() if declared(t)}
    missing = [
        f'{n}: add `"{n}": Request("<sql>", "<why>")` to `index_requests` in tests/tables/{t}.py'
        for n, t in sorted(tables.items())
        if n not in INDEX_REQUESTS
    ]
    assert missing == [], "indexes without a request:\n" + "\n".join(missing)
    gone = [
        f"{n}: not in the contract; remove it from `index_requests` in "
        f"tests/tables/{owner_of(n).name}.py"
        for n in sorted(INDEX_REQUESTS.keys() - tables.keys())
    ]
    assert gone == [], "requests for indexes that are gone:\n" + "\n".join(gone)


def indexes_used(bench: BenchSetup, request: Request) -> set[str]:
    """Names of the indexes the plan of ``request`` reads (outside InitPlans)."""
    athlete = dataclasses.asdict(bench.sample[0])
    conn = bench.connection("owner")
    with conn.transaction(force_rollback=True), conn.cursor(row_factory=tuple_row) as cur:
        if request.index_paths_only:
            cur.execute("set local enable_seqscan = off")
        cur.execute(f"explain (format json) {request.sql}", athlete)  # type: ignore[arg-type]  # reviewed constant
        row = cur.fetchone()
    assert row is not None
    document: Any = row[0] if not isinstance(row[0], str) else json.loads(row[0])
    return {
        str(node.node["Index Name"])
        for node in plans.walk(document[0])
        if "Index Name" in node.node and not node.in_init_plan
    }


@pytest.mark.parametrize("index", sorted(INDEX_REQUESTS))
def test_the_request_uses_its_index(bench_s: BenchSetup, index: str):
    """The planner serves the index's request through that index."""
    request = INDEX_REQUESTS[index]
    used = indexes_used(bench_s, request)
    table = owner_of(index).name
    assert index in used, (
        f"{request.why}: the request of {index} (tests/tables/{table}.py, index_requests) is "
        f"planned with {sorted(used) or 'no index'}. If a new index took it over, decide which "
        f"index serves it: keep the request here and make the new one narrower (a partial "
        f"index, other columns), or move the request to the new index and drop {index} in the "
        f"migration"
    )
