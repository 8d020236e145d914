"""Deterministic, psycopg-backed test-data factories for the Hyrox schema.

One module per domain; seeded from the suite's ``factory_seed`` fixture
(``--factory-seed`` / ``HYROX_FACTORY_SEED``, default 20261125).

Binding a connection
    Factories write through the connection bound with ``factories.bind(conn)`` (a context
    manager; nests and restores). In tests, request the ``factories_bound`` fixture (root
    conftest): it binds ``conn`` and reseeds for the test. For another connection, e.g. the
    committing ``db`` fixture: ``with factories.bind(db): ...``. Creating without a bound
    connection raises ``FactoryNotBoundError``.

Creating rows
    ``SomeFactory(**overrides)`` INSERTs one row ... RETURNING * and returns a ``Row``: a dict
    of the stored row whose keys also read as attributes (``row["id"]`` or ``row.id``).
    ``SomeFactory.build()`` returns the values without touching the database.
    Pass ``column=factories.DEFAULT`` to let the column default apply (e.g. ``athlete_id``
    while acting as an athlete) and ``column=None`` to insert NULL.

Parents are passed as rows, never as ids
    Athlete-owned tables take ``athlete=<athlete_profiles row>`` (default: a new athlete with
    its auth user); children take their parent row and copy its ``athlete_id``:
    ``MessageFactory(conversation=c)``, ``TrainingPlanWeekFactory(plan=p)``,
    ``TrainingPlanDayFactory(week=w)``, ``RaceSplitFactory(race=r, split_number=2)``,
    ``WorkoutLogFactory(plan_day=d)`` (owner = the day's athlete),
    ``AthleteAchievementFactory(athlete=a, achievement=definition)``. Reference rows too:
    ``station=``, ``exercise=``. Passing only an id column still creates the default parent.

Factories (module: factory -> table; traits in the class docstrings)
    athletes      AuthUserFactory -> auth.users; AthleteFactory -> athlete_profiles
                  (pro, doubles, relay, female, onboarded, minimal)
    reference     HyroxStationFactory -> hyrox_stations (get-or-create by station_number:
                  returns the seeded row); ExerciseFactory -> exercise_library
                  (station_specific, retired); AchievementDefinitionFactory; ``stations()``
                  returns the 8 stations in race order
    chat          ConversationFactory (untitled, renamed); MessageFactory (assistant, rated,
                  pinned_message)
    plans         TrainingPlanFactory (active, archived, ai_generated, soft_deleted, undated);
                  TrainingPlanWeekFactory; TrainingPlanDayFactory (rest)
    workouts      WorkoutLogFactory (partial, skipped, soft_deleted, from_chat, minimal);
                  BenchmarkTestFactory (pft, station_test)
    races         RaceResultFactory (pro, doubles, pro_doubles, relay, women, dnf, dsq,
                  simulation, penalised; age groups drawn for the format); RaceSplitFactory
    records       PersonalRecordFactory (station_time, exercise_weight, free_text_exercise,
                  race_time, improved); GoalFactory (completed, abandoned, soft_deleted,
                  station_time, open_ended)
    achievements  AthleteAchievementFactory
    graphs        whole graphs in one call: ``athlete_with_plan`` (16 weeks x 7 days),
                  ``race_with_splits`` (16 splits adding up to the total),
                  ``conversation_with_messages``, ``training_history`` (logs linked to plan
                  days), ``populated_athlete`` (rows in every athlete-owned table)
    providers     HyroxProvider (Faker: ``hyrox_*``), the station table ``STATIONS``, the
                  published age groups per format (``AGE_GROUPS``) and
                  ``split_times`` (plausible splits from one shared fitness factor)

Determinism
    ``factories.reseed(seed)`` reseeds factory-boy and Faker and restarts the sequences;
    ``factories.derive_seed(seed, key)`` mixes in a key (the fixture uses the test's node id),
    so each test gets its own fixed data and ``--factory-seed N`` replays a failure.
    Generated dates are anchored to ``providers.ANCHOR_DATE``, not to today.
"""

from factories.base import (
    DEFAULT,
    FactoryNotBoundError,
    PgFactory,
    Row,
    bind,
    connection,
    derive_seed,
    reseed,
)

__all__ = [
    "DEFAULT",
    "FactoryNotBoundError",
    "PgFactory",
    "Row",
    "bind",
    "connection",
    "derive_seed",
    "reseed",
]
