"""Every designed (non-unique) index and the request it exists for.

The schema contract (contract/) lists the indexes; each table's declaration
(``index_requests`` in tests/tables/<table>.py) names, for each of its indexes,
the SQL request the app or the database itself sends that the index serves.
``tests/benchmarks/test_index_usage.py`` asserts on the S benchmark dataset that
the planner answers each request through its index, and fails for a contract
index without a request here (or a request for an index that is gone).
Unique indexes are proven by the duplicates they refuse
(tests/behaviour/test_not_null_defaults_uniques.py).

Adding an index: add one entry to ``index_requests`` in tests/tables/<table>.py,
``"<index name>": Request("<sql>", "<why>")``.
Parameters are the sample athlete's ids (:class:`tests.benchmarks.datasets.Athlete`
fields: ``athlete_id``, ``plan_id``, ``conversation_id``, ``race_id``,
``station_id``, ``today``, ...). ``index_paths_only=True`` plans the request with
sequential scans off, where a scan of the whole table is the right plan on the
benchmark data: the reference tables (a handful of rows) and the awards (two
achievements, each earned by every athlete), though the index is what keeps the
request cheap on a large catalogue. The assertion is then that this index is the
path the planner picks among the remaining ones; every other request is planned
as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Request:
    """The request an index exists for."""

    sql: str
    why: str
    index_paths_only: bool = False


# The query PostgreSQL runs to check a RESTRICT / NO ACTION foreign key when a parent
# row is deleted (ri_triggers.c): what an index on the referencing column serves.
def fk_check(table: str, column: str, parent_id: str) -> str:
    """The referential check of deleting the parent ``parent_id`` (an SQL expression)."""
    return (
        f"select 1 from only public.{table} as x"  # noqa: S608 - reviewed constants, not input
        f" where {column} = {parent_id} for key share of x"
    )


STATION = "%(station_id)s"
ACHIEVEMENT = "(select id from public.achievement_definitions order by code limit 1)"
EXERCISE = "(select id from public.exercise_library order by name limit 1)"


def __getattr__(name: str) -> Any:  # noqa: ANN401 - module attributes, PEP 562
    """``INDEX_REQUESTS``: index -> request, the ``index_requests`` of every declaration
    (tests/tables/<table>.py; built on first use: the declarations import ``Request``)."""
    if name == "INDEX_REQUESTS":
        from tests.tables import declarations

        return {n: r for t in declarations() for n, r in t.index_requests.items()}
    raise AttributeError(name)
