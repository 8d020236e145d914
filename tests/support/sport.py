"""The sport's own vocabulary, from the Hyrox domain note and published results (not the brief).

Read by the race-category declarations and tests (tests/tables/race_results.py,
tests/behaviour/test_race_categories.py, test_real_results.py, test_factories.py).
"""

from __future__ import annotations

# Categories as Hyrox publishes them (shared/notes/hyrox-domain.md, corrected edition:
# "Divisions and formats" and "Age groups differ by format", confidence H; the 2023/24
# Polish participation terms list Pro/Open singles, Doubles men/women/mixed and Relays
# men/women/mixed). Not the brief's words: the brief named division open/pro only.
# Every combination listed here must be accepted; docs/design_decisions.md section 3.2
# says which rule refuses what.

PUBLISHED_AGE_GROUPS: dict[str, frozenset[str]] = {
    "singles": frozenset(
        {"16-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59", "60-64"}
        | {"65-69", "70+", "70-74", "75-79", "80+"}
    ),
    "doubles": frozenset({"16-29", "30-39", "40-49", "50-59", "60-69", "60+", "60-70+", "70+"}),
    "relay": frozenset({"16-39", "40+"}),
}

#: (division, format) pairs raced: Open in every format, Pro singles and Pro Doubles,
#: Adaptive and Elite 15 as singles.
PUBLISHED_DIVISION_FORMATS = frozenset(
    {
        ("open", "singles"),
        ("open", "doubles"),
        ("open", "relay"),
        ("pro", "singles"),
        ("pro", "doubles"),
        ("adaptive", "singles"),
        ("elite_15", "singles"),
    }
)

#: Categories per format: mixed exists only for pairs and teams.
PUBLISHED_CATEGORIES: dict[str, frozenset[str]] = {
    "singles": frozenset({"men", "women"}),
    "doubles": frozenset({"men", "women", "mixed"}),
    "relay": frozenset({"men", "women", "mixed"}),
}
