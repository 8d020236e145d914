"""Fixtures of the RLS tests: the people of a cell and the victim's data graph.

The cast (four people: users and profiles) is made once per module, in a transaction held
open on the shared connection around the module's tests (``ReusableConnection.held``); each
test runs in a savepoint of it, rolled back after, so every test starts from the same cast
and nothing a test does reaches the next one. The victim's graph is made per test.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg.rows import DictRow

import factories.base as data_factories
from factories.athletes import AuthUserFactory
from hyrox_schema.server import ReusableConnection
from tests.rls.rows import Cast, Graph, lean_graph, new_cast

Connection = psycopg.Connection[DictRow]

# The module cast's users take emails from here on, so a test's own users (their sequence
# restarts at 0 with each test's reseed) never meet them.
CAST_SEQUENCE_START = 9000


@pytest.fixture(scope="module")
def module_cast(
    _shared_connection: ReusableConnection, factory_seed: int, request: pytest.FixtureRequest
) -> Iterator[Cast]:
    """The module's cast, in the transaction its tests share (rolled back after the module)."""
    with _shared_connection.held() as connection:
        with data_factories.bind(connection):
            data_factories.reseed(data_factories.derive_seed(factory_seed, request.node.nodeid))
            AuthUserFactory.reset_sequence(CAST_SEQUENCE_START, force=True)
            made = new_cast()
        yield made


@pytest.fixture
def cast(module_cast: Cast, factories_bound: Connection) -> Cast:
    """Two regular athletes, an anonymous sign-in athlete and a newcomer without a profile
    (the module's; this test's changes to them are rolled back)."""
    return module_cast


@pytest.fixture
def victim_graph(cast: Cast) -> Graph:
    """One row in every athlete table for the victim, every optional link filled."""
    assert cast.victim.profile is not None
    return lean_graph(cast.victim.profile)
