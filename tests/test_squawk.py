"""squawk, the migration linter, passes the chain; its two rule sets stay consistent."""

import tomllib
from pathlib import Path

import pytest

from hyrox_schema import squawk
from hyrox_schema.chain import SELECTION

SAMPLES = Path(__file__).parent / "migration_samples"
ONLY_001 = {"require-lock-timeout", "require-statement-timeout"}


def rules(config: Path) -> dict[str, object]:
    """A squawk config file, parsed."""
    return tomllib.loads(config.read_text(encoding="utf-8"))


def test_every_migration_passes_squawk():
    """squawk reports nothing on migrations/ (001 and the later ones under their rule sets)."""
    violations = squawk.lint(m.path for m in SELECTION.chain())
    assert not violations, squawk.report(violations)


def test_the_failure_lists_every_finding_and_the_way_out():
    """A failing lint names every finding (not the first of a truncated diff) and says how a
    reviewed exception is recorded."""
    violations = squawk.lint([SAMPLES / "002_coach_notes.sql"])
    text = squawk.report(violations)
    assert len(violations) == 2
    for violation in violations:
        assert str(violation) in text
    assert "-- squawk-ignore <rule> -- <why>" in text


def test_001_relaxes_exactly_the_rules_of_existing_tables():
    """.squawk-001.toml = .squawk.toml + the lock/statement timeout rules, nothing else."""
    chain_rules, first_rules = rules(squawk.CONFIG), rules(squawk.CONFIG_001)
    assert chain_rules["assume_in_transaction"] is True
    assert {k: v for k, v in first_rules.items() if k != "excluded_rules"} == {
        k: v for k, v in chain_rules.items() if k != "excluded_rules"
    }
    assert set(first_rules["excluded_rules"]) - set(chain_rules["excluded_rules"]) == ONLY_001  # type: ignore[arg-type]
    assert set(chain_rules["excluded_rules"]) <= set(first_rules["excluded_rules"])  # type: ignore[arg-type]


def test_every_disabled_rule_is_justified_in_its_file():
    """Each excluded rule sits under a comment (its reason) in the config file."""
    for config in (squawk.CONFIG, squawk.CONFIG_001):
        lines = config.read_text(encoding="utf-8").splitlines()
        for rule in rules(config)["excluded_rules"]:  # type: ignore[attr-defined]
            index = next(i for i, line in enumerate(lines) if f'"{rule}"' in line)
            above = lines[index - 1].strip()
            assert above.startswith("#") or above.startswith('"'), (config.name, rule)


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("002_workout_log_outdoors.sql", []),
        ("002_coach_notes.sql", ["require-lock-timeout", "require-statement-timeout"]),
        ("002_workout_log_required_intensity.sql", ["adding-required-field"]),
        ("002_drop_workout_notes.sql", ["ban-drop-column"]),
    ],
    ids=["well-formed", "no-timeouts", "not-null-without-default", "drop-column"],
)
def test_squawk_verdict_on_a_sample_migration(sample: str, expected: list[str]):
    """A later migration is linted with the full rule set: each sample gets its verdict."""
    violations = squawk.lint([SAMPLES / sample])
    assert sorted(v.rule for v in violations) == expected, squawk.report(violations)
    assert all(v.file.endswith(sample) for v in violations), squawk.report(violations)
