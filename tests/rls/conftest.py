"""Fixtures of the RLS tests: the people of a cell and the victim's data graph."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import DictRow

from tests.rls.rows import Cast, Graph, lean_graph, new_cast

Connection = psycopg.Connection[DictRow]


@pytest.fixture
def cast(factories_bound: Connection) -> Cast:
    """Two regular athletes, an anonymous sign-in athlete and a newcomer without a profile."""
    return new_cast()


@pytest.fixture
def victim_graph(cast: Cast) -> Graph:
    """One row in every athlete table for the victim, every optional link filled."""
    assert cast.victim.profile is not None
    return lean_graph(cast.victim.profile)
