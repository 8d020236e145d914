"""public.athlete_achievements: what the suite expects of it beyond the contract.

The fields are described in tests/tables/declaration.py.
"""

from __future__ import annotations

from factories.achievements import AthleteAchievementFactory
from factories.athletes import AthleteFactory
from factories.reference import (
    AchievementDefinitionFactory,
)
from tests.support.access_matrix import Command, Policy
from tests.support.index_requests import ACHIEVEMENT, Request, fk_check
from tests.tables.checks import (
    jsonb_object,
)
from tests.tables.declaration import (
    Access,
    Connection,
    Duplicate,
    ForeignKey,
    Link,
    Ownership,
    ParentChild,
    Sentinel,
    TableDeclaration,
)
from tests.tables.stories import owned


def _story_award() -> ParentChild:
    award = AthleteAchievementFactory()
    return ParentChild(
        "public.achievement_definitions", award.achievement_id, "athlete_achievements", award.id
    )


def _award_dup(_: Connection) -> Duplicate:
    athlete = AthleteFactory()
    achievement = AchievementDefinitionFactory()
    AthleteAchievementFactory(athlete=athlete, achievement=achievement)
    AthleteAchievementFactory(achievement=achievement)  # another athlete may earn it too
    return lambda: AthleteAchievementFactory(athlete=athlete, achievement=achievement)


TABLE = TableDeclaration(
    name="athlete_achievements",
    ownership=Ownership.ATHLETE,
    access=Access(
        pattern="awarded_by_backend",
        policies=(Policy("athletes can read their own achievements", Command.SELECT),),
        update=("context", {"corrected": True}),
    ),
    make_row=lambda athlete: AthleteAchievementFactory(athlete=athlete),
    checks={
        "athlete_achievements_context_check": jsonb_object("context"),
    },
    foreign_keys={
        "athlete_achievements_athlete_id_fkey": ForeignKey(
            "cascade", owned("athlete_achievements")
        ),
        "athlete_achievements_achievement_id_fkey": ForeignKey("restrict", _story_award),
    },
    links=(Link("athlete_achievements_athlete_id_fkey", "athlete_id", "athlete_profiles"),),
    defaults={
        "earned_at": Sentinel.NOW,
        "context": {},
    },
    uniques={
        "athlete_achievements_athlete_achievement_key": _award_dup,
    },
    index_requests={
        "athlete_achievements_achievement_id_idx": Request(
            fk_check("athlete_achievements", "achievement_id", ACHIEVEMENT),
            "deleting an achievement definition checks who earned it",
            index_paths_only=True,
        ),
    },
    owner_defaults_to_caller=False,
)
