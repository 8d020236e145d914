"""Achievement factories: athlete_achievements (awards; the definitions are reference data)."""

from __future__ import annotations

import datetime as dt

import factory

from factories.athletes import OwnedFactory
from factories.reference import AchievementDefinitionFactory


class AthleteAchievementFactory(OwnedFactory):
    """An award of ``achievement`` (default: a new definition) to ``athlete``."""

    class Meta:
        table = "public.athlete_achievements"

    class Params:
        achievement = factory.SubFactory(AchievementDefinitionFactory)

    achievement_id = factory.SelfAttribute("achievement.id")
    earned_at = factory.LazyFunction(lambda: dt.datetime(2025, 11, 30, 18, 0, tzinfo=dt.UTC))
    context = factory.LazyFunction(lambda: {"source": "factory"})
