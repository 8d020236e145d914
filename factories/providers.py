"""Hyrox domain data and a Faker provider for realistic values (stations, divisions, splits).

Facts come from shared/notes/hyrox-domain.md (official loads, real split distributions).
All randomness goes through Faker's generator, so ``factory.random.reseed_random`` fixes it.
"""

from __future__ import annotations

import math
import random
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta

from faker.providers import BaseProvider

#: Anchor for generated dates (a Monday), so a seed replays the same rows on any day.
ANCHOR_DATE = date(2026, 1, 5)


@dataclass(frozen=True)
class Station:
    """One official Hyrox station with its race work and loads (kg; sleds include the sled)."""

    number: int
    name: str
    exercise_type: str
    distance_or_reps: str
    open_men_kg: float | None
    open_women_kg: float | None
    pro_men_kg: float | None
    pro_women_kg: float | None
    description: str
    median_open_men_s: int
    median_open_women_s: int
    correlation: float


#: The 8 stations in race order; loads valid since 2022/23 (hyrox-domain.md, confidence H).
# fmt: off
STATIONS: tuple[Station, ...] = (
    #       no  name                  type          work        OM   OW   PM   PW
    Station(1, "SkiErg",             "erg",        "1000m",    None, None, None, None,
            "1000 m on the SkiErg.",
            260, 305, 0.80),
    Station(2, "Sled Push",          "sled",       "50m",      152, 102, 202, 152,
            "50 m sled push (4 x 12.5 m); load includes the sled.",
            167, 160, 0.58),
    Station(3, "Sled Pull",          "sled",       "50m",      103, 78, 153, 103,
            "50 m sled pull (4 x 12.5 m) hand over hand; load includes the sled.",
            287, 340, 0.70),
    Station(4, "Burpee Broad Jumps", "bodyweight", "80m",      None, None, None, None,
            "80 m of burpee broad jumps.",
            350, 420, 0.80),
    Station(5, "Rowing",             "erg",        "1000m",    None, None, None, None,
            "1000 m on the rowing ergometer.",
            286, 325, 0.80),
    Station(6, "Farmers Carry",      "carry",      "200m",     24, 16, 32, 24,
            "200 m farmers carry; load is per hand (two kettlebells).",
            125, 133, 0.65),
    Station(7, "Sandbag Lunges",     "lunge",      "100m",     20, 10, 30, 20,
            "100 m walking lunges with a sandbag on the shoulders.",
            303, 302, 0.75),
    Station(8, "Wall Balls",         "throw",      "100 reps", 6, 4, 9, 6,
            "100 wall balls; target height 3.00 m (men Open, Pro) and 2.70 m (women Open, Pro).",
            400, 405, 0.80),
)
# fmt: on

DIVISIONS = ("open", "pro", "adaptive", "elite_15")
FORMATS = ("singles", "doubles", "relay")
RACE_CATEGORIES = ("men", "women", "mixed")
SEXES = ("male", "female", "other")
PHASES = ("general_prep", "specific_prep", "competition_prep", "taper")
#: Age groups as published, per format (hyrox-domain.md "Age groups differ by format"):
#: singles 16-24, 25-29 ... 65-69, 70+ (some regions 70-74, 75-79, 80+); doubles in 10-year
#: bands by the pair's average age (60-69 also published as 60+ or 60-70+); relay 16-39 and 40+.
SINGLES_AGE_GROUPS = (
    "16-24",
    *(f"{low}-{low + 4}" for low in range(25, 70, 5)),
    "70+",
    "70-74",
    "75-79",
    "80+",
)
DOUBLES_AGE_GROUPS = ("16-29", "30-39", "40-49", "50-59", "60-69", "60+", "60-70+", "70+")
RELAY_AGE_GROUPS = ("16-39", "40+")
AGE_GROUPS: dict[str, tuple[str, ...]] = {
    "singles": SINGLES_AGE_GROUPS,
    "doubles": DOUBLES_AGE_GROUPS,
    "relay": RELAY_AGE_GROUPS,
}
#: Divisions raced in each format: Pro Doubles exists, Pro relay does not; Adaptive and
#: Elite 15 are singles races.
FORMAT_DIVISIONS: dict[str, tuple[str, ...]] = {
    "singles": ("open", "pro", "adaptive", "elite_15"),
    "doubles": ("open", "pro"),
    "relay": ("open",),
}
#: The bulk of real fields by format (weights of the draws).
_CORE_AGE_GROUPS = frozenset({"25-29", "30-34", "35-39", "40-44", "30-39", "40-49", "16-39"})
PLAN_SESSION_TYPES = ("run", "hiit", "strength", "simulation", "recovery", "rest")
LOG_SESSION_TYPES = (
    "run",
    "hiit",
    "strength",
    "simulation",
    "recovery",
    "race",
    "benchmark",
    "other",
)
CHAT_TOPICS = ("training", "racing", "technique", "nutrition", "recovery", "general")
CITIES = (
    "Berlin",
    "London",
    "Hamburg",
    "New York",
    "Chicago",
    "Stockholm",
    "Barcelona",
    "Melbourne",
    "Amsterdam",
    "Vienna",
    "Manchester",
    "Dublin",
    "Paris",
    "Singapore",
)
BENCHMARK_TYPES = (
    "hyrox_pft",
    "run_1k",
    "run_1mile",
    "run_5k",
    "cooper_12min",
    "skierg_1000m",
    "row_1000m",
    "row_2000m",
    "one_rep_max",
    "station_test",
    "simulation_full",
    "simulation_half",
    "other",
)

#: Plan session "menu": (plan session_type, title) pairs seen in Hyrox plans.
SESSIONS: tuple[tuple[str, str], ...] = (
    ("run", "Zone 2 long run"),
    ("run", "Threshold intervals 4 x 2 km"),
    ("run", "VO2max intervals 6 x 800 m"),
    ("hiit", "Compromised running: sled push + 1 km"),
    ("hiit", "Erg intervals SkiErg/Row 5 x 500 m"),
    ("hiit", "Mixed circuit: wall balls, lunges, burpees"),
    ("strength", "Heavy strength: squat and deadlift"),
    ("strength", "Strength-endurance: sled and carries"),
    ("strength", "Station technique: sled pull and wall balls"),
    ("simulation", "Half race simulation (runs 1-4, stations 1-4)"),
    ("simulation", "Full race simulation"),
    ("recovery", "Recovery and mobility"),
)
#: A typical week: 2 key runs, 2 strength, 1 simulation/hiit, 1 recovery, 1 rest (Mon..Sun).
WEEK_TEMPLATE = ("run", "strength", "hiit", "run", "strength", "simulation", "rest")
WEEK_FOCUS = (
    "Base Building",
    "Aerobic Capacity",
    "Strength Foundation",
    "Station Technique",
    "Compromised Running",
    "Race Specific",
    "Race Simulation",
    "Deload",
    "Taper",
)

# ln(finish minutes) mean for singles Open by category; sd from real results.
_LN_MEAN = {"men": 4.456, "women": 4.563, "mixed": 4.50}
_LN_SD = 0.17
# Division and format shifts of the log mean (Pro is faster, doubles share station work).
_DIVISION_SHIFT = {"open": 0.0, "pro": -0.18, "adaptive": 0.12, "elite_15": -0.42}
_DOUBLES_SHIFT = {"men": -0.154, "women": -0.072, "mixed": -0.10}
_RUN_MEDIAN_S = {"men": 291, "women": 319}
_ROXZONE_SHARE = 0.077


@dataclass(frozen=True)
class SplitTimes:
    """A plausible race: 8 runs, 8 stations, 7 roxzone transitions (seconds); they add up."""

    runs: tuple[int, ...]
    stations: tuple[int, ...]
    roxzone: tuple[int, ...]
    penalty: int

    @property
    def total(self) -> int:
        """Official total: runs + stations + roxzone + penalties."""
        return sum(self.runs) + sum(self.stations) + sum(self.roxzone) + self.penalty


def split_times(
    rng: random.Random,
    *,
    division: str = "open",
    race_format: str = "singles",
    category: str = "men",
    fitness: float | None = None,
    penalty: int = 0,
    total: int | None = None,
) -> SplitTimes:
    """Draw a race whose 23 segments share one fitness factor (z-score; lower is faster).

    The finish time is log-normal around the real median of the category (or ``total``
    seconds, from which the fitness factor is derived); each segment is its median scaled
    by the fitness factor (weighted by how strongly that segment tracks the total) plus its
    own noise, then everything is rescaled so the parts add up to the total exactly.
    """
    sex = "women" if category == "women" else "men"
    ln_mean = _LN_MEAN.get(category, _LN_MEAN["men"]) + _DIVISION_SHIFT.get(division, 0.0)
    if race_format != "singles":
        ln_mean += _DOUBLES_SHIFT.get(category, -0.1)
    if total is None:
        z = rng.gauss(0.0, 1.0) if fitness is None else fitness
        total = round(math.exp(ln_mean + _LN_SD * z) * 60)
    else:
        z = (math.log(total / 60) - ln_mean) / _LN_SD
    station_factor = 0.6 if race_format != "singles" else 1.0  # doubles share station work
    run_median = _RUN_MEDIAN_S[sex]
    raw_runs = [
        run_median * (1.0 + 0.025 * i) * math.exp(0.92 * _LN_SD * z + rng.gauss(0, 0.04))
        for i in range(8)
    ]
    raw_stations = [
        (s.median_open_women_s if sex == "women" else s.median_open_men_s)
        * station_factor
        * math.exp(s.correlation * _LN_SD * z * 1.6 + rng.gauss(0, 0.12))
        for s in STATIONS
    ]
    raw_rox = [
        (40 + 37 * i / 6) * math.exp(0.7 * _LN_SD * z + rng.gauss(0, 0.15)) for i in range(7)
    ]
    # scale runs + stations to (1 - roxzone share), roxzone to its share
    work_target = (total - penalty) * (1 - _ROXZONE_SHARE)
    rox_target = (total - penalty) - work_target
    work_scale = work_target / (sum(raw_runs) + sum(raw_stations))
    rox_scale = rox_target / sum(raw_rox)
    runs = [max(1, round(r * work_scale)) for r in raw_runs]
    stations = [max(1, round(s * work_scale)) for s in raw_stations]
    roxzone = [max(0, round(r * rox_scale)) for r in raw_rox]
    # rounding drift goes into the last run so the parts add up to the total exactly
    runs[-1] += total - penalty - (sum(runs) + sum(stations) + sum(roxzone))
    return SplitTimes(tuple(runs), tuple(stations), tuple(roxzone), penalty)


def age_group(age: int, race_format: str = "singles") -> str:
    """Official age group of an age on race day (doubles: the pair's average age).

    Singles: 16-24, 5-year bands 25-29 ... 65-69, then 70+. Doubles: 16-29, then 10-year
    bands to 60-69, then 70+. Relay: 16-39 and 40+.
    """
    if race_format == "relay":
        return "16-39" if age < 40 else "40+"
    if race_format == "doubles":
        if age < 30:
            return "16-29"
        return "70+" if age >= 70 else f"{age // 10 * 10}-{age // 10 * 10 + 9}"
    if age < 25:
        return "16-24"
    if age >= 70:
        return "70+"
    low = 25 + (age - 25) // 5 * 5
    return f"{low}-{low + 4}"


class HyroxProvider(BaseProvider):
    """Faker provider of Hyrox values: ``fake.hyrox_station()``, ``fake.hyrox_splits()``, ..."""

    def hyrox_station(self) -> Station:
        """A random official station."""
        return self.random_element(STATIONS)

    def hyrox_station_name(self) -> str:
        """A station name, e.g. 'Sled Push'."""
        return self.hyrox_station().name

    def hyrox_division(self) -> str:
        """A division, weighted like real fields (mostly open)."""
        return self.random_element(
            OrderedDict((("open", 0.8), ("pro", 0.15), ("adaptive", 0.03), ("elite_15", 0.02)))
        )

    def hyrox_format(self) -> str:
        """A race format, weighted like real fields (mostly singles)."""
        return self.random_element(
            OrderedDict((("singles", 0.65), ("doubles", 0.3), ("relay", 0.05)))
        )

    def hyrox_race_category(self, race_format: str = "singles") -> str:
        """men | women (| mixed outside singles)."""
        options = ("men", "women") if race_format == "singles" else RACE_CATEGORIES
        return self.random_element(options)

    def hyrox_format_division(self, race_format: str = "singles") -> str:
        """A division raced in ``race_format``, weighted like real fields (mostly open)."""
        weights = {"open": 0.8, "pro": 0.15, "adaptive": 0.03, "elite_15": 0.02}
        return self.random_element(
            OrderedDict((d, weights[d]) for d in FORMAT_DIVISIONS.get(race_format, ("open",)))
        )

    def hyrox_age_group(self, race_format: str = "singles") -> str:
        """An age group published for ``race_format`` (else singles'), weighted like real fields."""
        return self.random_element(
            OrderedDict(
                (g, 3.0 if g in _CORE_AGE_GROUPS else 0.5)
                for g in AGE_GROUPS.get(race_format, SINGLES_AGE_GROUPS)
            )
        )

    def hyrox_race_name(self) -> str:
        """An event name, e.g. 'HYROX Berlin'."""
        return f"HYROX {self.random_element(CITIES)}"

    def hyrox_season(self) -> int:
        """A recent season number (6 = 2023/24 ... 8 = 2025/26)."""
        return self.random_element((6, 7, 8))

    def hyrox_plan_session(self) -> tuple[str, str]:
        """A (session_type, title) pair for a plan day that is not a rest day."""
        return self.random_element(SESSIONS)

    def hyrox_plan_session_type(self) -> str:
        """A plan session type (including rest)."""
        return self.random_element(PLAN_SESSION_TYPES)

    def hyrox_log_session_type(self) -> str:
        """A workout-log session type."""
        return self.random_element(LOG_SESSION_TYPES)

    def hyrox_week_focus(self) -> str:
        """A training-week theme."""
        return self.random_element(WEEK_FOCUS)

    def hyrox_chat_topic(self) -> str:
        """A conversation topic."""
        return self.random_element(CHAT_TOPICS)

    def hyrox_coach_question(self) -> str:
        """Something an athlete asks the coach."""
        station = self.hyrox_station_name()
        return self.random_element(
            (
                f"How should I pace the {station} in my next race?",
                f"My {station} is my weakest station. What should I change?",
                "Can you build me a plan for my race in 12 weeks?",
                "How many key runs per week do I need?",
                "I felt flat on my compromised run today. Should I take a rest day?",
                "What should I eat the morning of the race?",
            )
        )

    def hyrox_coach_answer(self) -> str:
        """A plausible coach reply."""
        station = self.hyrox_station_name()
        return self.random_element(
            (
                f"Break the {station} into even chunks and keep your breathing controlled.",
                "Keep two key runs a week, one threshold and one long zone 2 run.",
                "Take an easy day: 30 minutes of zone 1 plus mobility, then reassess.",
                f"Add one {station} technique block per week at race weight.",
                "Eat a familiar carbohydrate-rich breakfast about three hours before your wave.",
            )
        )

    def hyrox_fitness(self) -> float:
        """A fitness z-score (standard normal; lower is faster)."""
        return self.generator.random.gauss(0.0, 1.0)

    def hyrox_splits(
        self,
        division: str = "open",
        race_format: str = "singles",
        category: str = "men",
        fitness: float | None = None,
        penalty: int = 0,
        total: int | None = None,
    ) -> SplitTimes:
        """A plausible race (see :func:`split_times`)."""
        return split_times(
            self.generator.random,
            division=division,
            race_format=race_format,
            category=category,
            fitness=fitness,
            penalty=penalty,
            total=total,
        )

    def hyrox_date(self, days_back: int = 365, days_forward: int = 0) -> date:
        """A date around the fixed anchor (deterministic for a seed on any calendar day)."""
        offset = self.generator.random.randint(-days_back, days_forward)
        return ANCHOR_DATE + timedelta(days=offset)
