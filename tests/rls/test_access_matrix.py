"""Every table x command x actor cell of the access matrix, against real factory rows.

The outcome is asserted precisely (allowed / filtered = 0 rows / 42501 RLS
violation / 42501 permission denied), the row's state afterwards is checked
(a filtered write leaves it byte-for-byte unchanged, as its owner sees it),
and every denial sits beside a positive control: the same statement on the
same row succeeds for the owner (or the service role where only it may).
"""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import DictRow

from tests.rls.cells import check_cell
from tests.rls.rows import Cast
from tests.support import access_matrix as spec

Connection = psycopg.Connection[DictRow]


@pytest.mark.parametrize("cell", list(spec.cells()), ids=lambda cell: cell.id)
def test_access_matrix(factories_bound: Connection, cast: Cast, cell: spec.Cell):
    """The actor gets exactly the spec's outcome on a real row, beside a positive control
    (tests/rls/cells.py)."""
    check_cell(factories_bound, cast, cell)
