"""Race factories: race_results and race_splits.

A finished result's total comes from :func:`factories.providers.split_times` (one fitness
factor shared by all 23 segments), so ``graphs.race_with_splits`` can write splits that add
up to it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import factory
import factory.random

from factories import base
from factories.athletes import OwnedFactory
from factories.providers import ANCHOR_DATE, SplitTimes, age_group, split_times
from factories.reference import stations


class RaceResultFactory(OwnedFactory):
    """A finished singles Open race of the athlete.

    Traits: ``pro``, ``doubles`` (mixed), ``pro_doubles`` (men), ``relay`` (mixed),
    ``women``, ``dnf``, ``dsq``,
    ``simulation``, ``penalised`` (a 2-minute penalty). Params: ``fitness`` (z-score,
    lower is faster), ``penalty`` (seconds). ``times`` holds the drawn :class:`SplitTimes`.
    The age group is drawn from the bands published for the result's format.
    """

    class Meta:
        table = "public.race_results"

    class Params:
        fitness = factory.Faker("hyrox_fitness")
        penalty = 0
        times = factory.LazyAttribute(
            lambda o: split_times(
                factory.random.randgen,
                division=base.plain(o.division, "open"),
                race_format=base.plain(o.format, "singles"),
                category=base.plain(o.race_category, "men"),
                fitness=o.fitness,
                penalty=base.plain(o.penalty, 0),
            )
        )
        pro = base.Trait(division="pro")
        doubles = base.Trait(format="doubles", race_category="mixed")
        pro_doubles = base.Trait(division="pro", format="doubles", race_category="men")
        relay = base.Trait(format="relay", race_category="mixed")
        women = base.Trait(race_category="women")
        dnf = base.Trait(status="dnf", total_time_seconds=None)
        dsq = base.Trait(status="dsq")
        simulation = base.Trait(
            is_simulation=True,
            race_name="Full race simulation",
            location="Home gym",
            season=None,
        )
        penalised = base.Trait(penalty=120)

    race_date = factory.Faker("hyrox_date", days_back=540)
    race_name = factory.Faker("hyrox_race_name")
    location = factory.LazyAttribute(lambda o: base.plain(o.race_name, "").removeprefix("HYROX "))
    season = factory.LazyAttribute(lambda o: _season(base.plain(o.race_date, ANCHOR_DATE)))
    division = "open"
    format = "singles"
    race_category = "men"
    age_group = factory.LazyAttribute(
        lambda o: _faker().hyrox_age_group(base.plain(o.format, "singles"))
    )
    status = "finished"
    total_time_seconds = factory.LazyAttribute(lambda o: o.times.total)
    penalty_seconds = factory.SelfAttribute("penalty")
    is_simulation = False
    conditions = factory.LazyFunction(lambda: {"venue": "indoor", "temperature_c": 18})


def _faker() -> Any:  # noqa: ANN401 - Faker's proxy carries the Hyrox provider's methods
    """factory-boy's shared Faker (seeded by ``factories.reseed``), with the Hyrox provider."""
    return factory.Faker._get_faker()


def _season(day: date) -> int:
    """Hyrox season of a date: season 8 = 2025/26 (seasons start in late summer)."""
    return day.year - 2017 if day.month >= 8 else day.year - 2018


class RaceSplitFactory(base.PgFactory):
    """One segment of ``race`` (default: a new race): odd split_number = run, even = station.

    A station split looks up its seeded station (needs a bound connection even to build).
    """

    class Meta:
        table = "public.race_splits"

    class Params:
        race = factory.SubFactory(RaceResultFactory)

    race_result_id = factory.SelfAttribute("race.id")
    athlete_id = factory.SelfAttribute("race.athlete_id")
    split_number = 1
    split_type = factory.LazyAttribute(
        lambda o: "run" if base.plain(o.split_number, 1) % 2 else "station"
    )
    station_id = factory.LazyAttribute(lambda o: _station_id(base.plain(o.split_number, 1)))
    time_seconds = factory.Faker("random_int", min=240, max=420)
    transition_time_seconds = None
    heart_rate_avg = factory.Faker("random_int", min=140, max=185)


def _station_id(split_number: int) -> object:
    """The seeded station of an even split (station k = split 2k); None for runs."""
    if split_number % 2:
        return None
    return stations()[(split_number // 2 - 1) % 8]["id"]


def split_rows(times: SplitTimes) -> list[dict[str, int | None]]:
    """The 16 split values of a race in order: run 1, station 1, ..., station 8.

    Roxzone transition i (1..7) is stored on station split i (after the station).
    """
    rows: list[dict[str, int | None]] = []
    for i in range(8):
        rows.append(
            {
                "split_number": 2 * i + 1,
                "time_seconds": times.runs[i],
                "transition_time_seconds": None,
            }
        )
        rows.append(
            {
                "split_number": 2 * i + 2,
                "time_seconds": times.stations[i],
                "transition_time_seconds": times.roxzone[i] if i < 7 else None,
            }
        )
    return rows


__all__ = ["RaceResultFactory", "RaceSplitFactory", "age_group", "split_rows"]
