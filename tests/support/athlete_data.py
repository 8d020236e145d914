"""An athlete with rows in every athlete table: the graph builders' rows (factories.graphs)
plus, for every declared table they do not write, a row its declaration makes (``make_row``).

A new table (``hyrox-scaffold``) is then in every deletion story, the account deletion and the
upgrade data by its declaration alone. At N-1, before the migration that creates it, its
factory skips the row by itself (logged).
"""

from __future__ import annotations

from factories import graphs
from factories.base import Row
from tests.tables import athlete_id_tables


def populated_athlete(athlete: Row | None = None, plan_weeks: int = 2) -> graphs.AthleteGraph:
    """``factories.graphs.populated_athlete`` and a declared row of every other athlete table."""
    graph = graphs.populated_athlete(athlete, plan_weeks=plan_weeks)
    for table in athlete_id_tables():
        if table.name not in graphs.POPULATED_TABLES:
            graph.others.setdefault(table.name, []).append(table.make_row(graph.athlete))
    return graph
