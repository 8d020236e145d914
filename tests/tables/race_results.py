"""public.race_results: what the suite expects of it beyond the contract.

The fields are described in tests/tables/declaration.py.
"""

from __future__ import annotations

from factories.races import RaceResultFactory
from tests.support import sport
from tests.support.access_matrix import Command, Policy
from tests.support.index_requests import Request
from tests.tables.checks import (
    FORMATS,
    enum,
    jsonb_object,
    not_blank,
)
from tests.tables.declaration import (
    Access,
    Check,
    ForeignKey,
    Link,
    Ownership,
    TableDeclaration,
)
from tests.tables.stories import owned

TABLE = TableDeclaration(
    name="race_results",
    ownership=Ownership.ATHLETE,
    access=Access(
        pattern="athlete_crud",
        policies=(
            Policy("athletes can read their own race results", Command.SELECT),
            Policy("athletes can create their own race results", Command.INSERT),
            Policy("athletes can update their own race results", Command.UPDATE),
            Policy("athletes can delete their own race results", Command.DELETE),
        ),
        update=("notes", "Edited"),
    ),
    make_row=lambda athlete: RaceResultFactory(athlete=athlete),
    checks={
        "race_results_race_name_check": not_blank("race_name"),
        "race_results_season_check": enum("season", (1, 50, None), (0, 51)),
        "race_results_division_check": enum(
            "division",
            ("open", "pro", "adaptive", "elite_15"),
            ("age_group", "doubles"),
        ),
        "race_results_format_check": enum("format", ("singles", "doubles", "relay"), ("pairs", "")),
        "race_results_race_category_check": enum(
            "race_category",
            ("men", "women", "mixed", None),
            ("male", "Men"),
            format="doubles",
        ),
        "race_results_division_format_check": Check(
            (
                *({"division": "open", "format": f} for f in ("singles", "doubles", "relay")),
                *({"division": d, "format": "singles"} for d in ("pro", "adaptive", "elite_15")),
                {"pro_doubles": True},
            ),
            (
                {"division": "pro", "format": "relay"},
                *({"division": d, "format": f} for d in ("adaptive", "elite_15") for f in FORMATS),
            ),
        ),
        "race_results_singles_race_category_check": Check(
            (
                {"format": "singles", "race_category": "women"},
                {"format": "singles", "race_category": None},
                {"format": "doubles", "race_category": "mixed"},
                {"format": "relay", "race_category": "mixed"},
            ),
            (
                {"format": "singles", "race_category": "mixed"},
                {"format": "singles", "division": "pro", "race_category": "mixed"},
            ),
        ),
        "race_results_singles_age_group_check": enum(
            "age_group",
            (*sorted(sport.PUBLISHED_AGE_GROUPS["singles"]), None),
            ("16-29", "30-39", "16-39", "40+", "60+", "80-84", "85-89", "20-24", "90+"),
            format="singles",
        ),
        "race_results_doubles_age_group_check": enum(
            "age_group",
            (*sorted(sport.PUBLISHED_AGE_GROUPS["doubles"]), None),
            ("16-24", "30-34", "65-69", "16-39", "40+", "80+", "20-29"),
            format="doubles",
            race_category="mixed",
        ),
        "race_results_relay_age_group_check": enum(
            "age_group",
            (*sorted(sport.PUBLISHED_AGE_GROUPS["relay"]), None),
            ("16-24", "40-44", "30-39", "16-29", "60+", "70+"),
            format="relay",
            race_category="mixed",
        ),
        "race_results_status_check": Check(
            ({"status": "finished"}, {"dnf": True}, {"dsq": True}),
            ({"status": "dns"}, {"status": "Finished"}),
        ),
        "race_results_total_time_seconds_check": enum(
            "total_time_seconds", (1, 21599), (0, -1, 21600)
        ),
        "race_results_finished_total_check": Check(
            ({"dnf": True}, {"status": "dsq", "total_time_seconds": None}, {"status": "finished"}),
            ({"status": "finished", "total_time_seconds": None},),
        ),
        "race_results_penalty_seconds_check": enum("penalty_seconds", (0, 3600), (-1, 3601)),
        "race_results_conditions_check": jsonb_object("conditions"),
    },
    foreign_keys={
        "race_results_athlete_id_fkey": ForeignKey("cascade", owned("race_results")),
    },
    links=(Link("race_results_athlete_id_fkey", "athlete_id", "athlete_profiles"),),
    defaults={
        "division": "open",
        "format": "singles",
        "status": "finished",
        "penalty_seconds": 0,
        "is_simulation": False,
        "conditions": {},
    },
    fk_target_keys=("race_results_id_athlete_id_key",),
    index_requests={
        "race_results_athlete_id_race_date_idx": Request(
            "select id, race_name from public.race_results where athlete_id = %(athlete_id)s"
            " order by race_date desc",
            "the athlete's races, newest first",
        ),
    },
)
