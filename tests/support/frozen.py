"""The contract with the tables the summary and weakening tests edit frozen as 001 and 002 made
them (tests/data/contract/, tests/data/tables/): a schema PR changes contract/ and tests/tables/,
never these tests' premises."""

from __future__ import annotations

from pathlib import Path

import hyrox_schema.contract as contract

DATA = Path(__file__).resolve().parents[1] / "data"
FROZEN_CONTRACT = DATA / "contract"
FROZEN_DECLARATIONS = DATA / "tables"


def contract_files() -> dict[str, str]:
    """contract/ as committed, with the frozen tables in place of their live files."""
    return dict(contract.load().files) | {
        f"tables/{path.name}": path.read_text(encoding="utf-8")
        for path in FROZEN_CONTRACT.glob("*.txt")
    }
