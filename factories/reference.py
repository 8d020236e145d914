"""Reference-data factories: hyrox_stations, exercise_library, achievement_definitions.

The 8 stations are seeded (seeds/001_hyrox_reference.sql) and ``station_number`` is unique
1..8, so HyroxStationFactory is get-or-create by ``station_number``: it returns the seeded row.
"""

from __future__ import annotations

import factory
from psycopg.rows import dict_row

from factories import base
from factories.providers import STATIONS, Station


def _station(number: object) -> Station:
    """The station data for ``number``; any number (even NULL or out of range) maps to one."""
    n = base.plain(number, 1)
    return STATIONS[(n - 1) % len(STATIONS)]


class HyroxStationFactory(base.PgFactory):
    """One of the 8 official stations (get-or-create by station_number)."""

    class Meta:
        table = "public.hyrox_stations"
        conflict_target = ("station_number",)

    station_number = factory.Faker("random_int", min=1, max=8)
    station_name = factory.LazyAttribute(lambda o: _station(o.station_number).name)
    exercise_type = factory.LazyAttribute(lambda o: _station(o.station_number).exercise_type)
    distance_or_reps = factory.LazyAttribute(lambda o: _station(o.station_number).distance_or_reps)
    weight_open_men_kg = factory.LazyAttribute(lambda o: _station(o.station_number).open_men_kg)
    weight_open_women_kg = factory.LazyAttribute(lambda o: _station(o.station_number).open_women_kg)
    weight_pro_men_kg = factory.LazyAttribute(lambda o: _station(o.station_number).pro_men_kg)
    weight_pro_women_kg = factory.LazyAttribute(lambda o: _station(o.station_number).pro_women_kg)
    description = factory.LazyAttribute(lambda o: _station(o.station_number).description)
    tips = factory.LazyAttribute(lambda o: [f"Pace the {_station(o.station_number).name} evenly."])


def stations() -> list[base.Row]:
    """The 8 stations in race order (the seeded rows; any missing one is created)."""
    with base.connection().cursor(row_factory=dict_row) as cur:
        cur.execute("select * from public.hyrox_stations order by station_number")
        rows = {r["station_number"]: base.Row(r) for r in cur.fetchall()}
    return [rows.get(n) or HyroxStationFactory(station_number=n) for n in range(1, 9)]


class ExerciseFactory(base.PgFactory):
    """An exercise_library row (unique name); trait ``station_specific`` links a station."""

    class Meta:
        table = "public.exercise_library"

    class Params:
        station = None
        station_specific = base.Trait(
            category="station_specific",
            station=factory.SubFactory(HyroxStationFactory),
        )
        retired = base.Trait(is_active=False)

    name = factory.Sequence(lambda n: f"Test exercise {n:04d}")
    category = factory.Faker(
        "random_element", elements=("run", "strength", "conditioning", "recovery", "mobility")
    )
    description = factory.Faker("sentence", nb_words=8)
    muscle_groups = factory.Faker(
        "random_element", elements=(["legs", "glutes"], ["back", "grip"], ["full_body"])
    )
    equipment_needed = factory.Faker("random_element", elements=(["sled"], ["kettlebell"], []))
    hyrox_station_id = factory.LazyAttribute(lambda o: o.station["id"] if o.station else None)
    difficulty = factory.Faker("random_element", elements=("beginner", "intermediate", "advanced"))


class AchievementDefinitionFactory(base.PgFactory):
    """An achievement_definitions row with a unique snake_case code."""

    class Meta:
        table = "public.achievement_definitions"

    code = factory.Sequence(lambda n: f"test_achievement_{n:04d}")
    name = factory.Sequence(lambda n: f"Test Achievement {n:04d}")
    description = factory.Faker("sentence", nb_words=10)
    icon_name = "trophy"
    category = factory.Faker(
        "random_element",
        elements=("race", "training", "consistency", "benchmark", "coaching", "milestone"),
    )
    criteria = factory.LazyAttribute(lambda o: {"metric": "workouts_logged", "gte": 10})


def exercise_for_station(number: int, **kwargs: object) -> base.Row:
    """A new station_specific exercise for station ``number``."""
    return ExerciseFactory(station_specific=True, station=stations()[number - 1], **kwargs)
