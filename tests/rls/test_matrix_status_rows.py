"""The access matrix meets a row in every status: a policy that lets one status through fails
the default suite's matrix, not only the upgrade check.

Each matrix cell's target owner also gets rows in every value of each status-like vocabulary of
the table (read from the committed contract; tests/rls/rows.py ``make_status_variants``), so
``or status = 'completed'`` on the select policy of goals (the sample
tests/migration_samples/002_goals_readable_when_completed.sql) shows as another athlete seeing
the victim's rows.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import DictRow

import factories.base as data_factories
from hyrox_schema.loaders import execute_script
from tests.rls.cells import check_cell as run_cell
from tests.rls.rows import make_row, make_status_variants, new_cast
from tests.support import access_matrix as spec
from tests.support import edges

Connection = psycopg.Connection[DictRow]
SAMPLE = Path(__file__).parents[1] / "migration_samples" / "002_goals_readable_when_completed.sql"


def cell(table: str, command: spec.Command, actor: str) -> spec.Cell:
    """The matrix cell of ``table`` x ``command`` x ``actor``."""
    return next(
        c
        for c in spec.cells()
        if c.table.name == table and c.command is command and c.actor.name == actor
    )


@pytest.mark.commits
def test_a_policy_widened_to_one_status_fails_the_matrix(db: Connection, factory_seed: int):
    """With the sample applied, goals-select for another athlete fails (it passes without)."""
    goals = cell("goals", spec.Command.SELECT, "other_athlete")
    data_factories.reseed(factory_seed)
    with data_factories.bind(db):
        run_cell(db, new_cast(), goals)
        execute_script(db, SAMPLE)
        with pytest.raises(AssertionError):
            run_cell(db, new_cast(), goals)


@pytest.mark.parametrize(
    "table",
    sorted(
        table.removeprefix("public.")
        for table in edges.contract_tables()
        if edges.status_vocabularies(edges.contract_shape(table))
    ),
)
def test_the_matrix_target_owner_has_a_row_in_every_status(factories_bound: Connection, table: str):
    """For each table with a status-like vocabulary, the variants and the target together hold
    every value of it (the vocabulary read from the contract)."""
    owner = new_cast().victim.profile
    assert owner is not None
    target = make_row(table, owner)
    rows = [target, *make_status_variants(table, owner, target)]
    shape = edges.contract_shape(f"public.{table}")
    for column, values in edges.status_vocabularies(shape).items():
        ids = [r["id"] for r in rows]
        query = sql.SQL("select array_agg(distinct {}) as v from {} where id = any(%s)").format(
            sql.Identifier(column), sql.Identifier("public", table)
        )
        held = factories_bound.execute(query, (ids,)).fetchone()
        assert held is not None
        assert set(values) <= set(held["v"]), f"public.{table}.{column}: {held['v']} of {values}"
