"""public.personal_records: what the suite expects of it beyond the contract.

The fields are described in tests/tables/declaration.py.
"""

from __future__ import annotations

from factories.records import PersonalRecordFactory
from tests.support.access_matrix import Command, Policy
from tests.support.index_requests import EXERCISE, STATION, Request, fk_check
from tests.tables.checks import (
    enum,
    not_blank,
)
from tests.tables.declaration import (
    Access,
    Check,
    ForeignKey,
    Link,
    Ownership,
    ParentChild,
    TableDeclaration,
)
from tests.tables.stories import owned, station_child


def _story_exercise_record() -> ParentChild:
    record = PersonalRecordFactory(exercise_weight=True)
    return ParentChild("public.exercise_library", record.exercise_id, "personal_records", record.id)


TABLE = TableDeclaration(
    name="personal_records",
    ownership=Ownership.ATHLETE,
    access=Access(
        pattern="athlete_crud",
        policies=(
            Policy("athletes can read their own personal records", Command.SELECT),
            Policy("athletes can create their own personal records", Command.INSERT),
            Policy("athletes can update their own personal records", Command.UPDATE),
            Policy("athletes can delete their own personal records", Command.DELETE),
        ),
        update=("notes", "Edited"),
    ),
    make_row=lambda athlete: PersonalRecordFactory(athlete=athlete),
    checks={
        "personal_records_record_type_check": Check(
            (
                {"record_type": "running_pace"},
                {"station_time": True},
                {"exercise_weight": True},
                {"free_text_exercise": True},
                {"race_time": True},
            ),
            ({"record_type": "pace"}, {"record_type": "Race_time"}),
        ),
        "personal_records_station_required_check": Check(
            ({"station_time": True}, {"race_time": True, "station_id": None}),
            ({"station_time": True, "station": None},),
        ),
        "personal_records_exercise_required_check": Check(
            (
                {"exercise_weight": True},
                {"exercise_weight": True, "exercise": None, "exercise_name": "Sled drag"},
                {"record_type": "exercise_reps", "value_unit": "reps", "exercise_name": "Pull-ups"},
            ),
            (
                {"exercise_weight": True, "exercise": None, "exercise_name": None},
                {"record_type": "exercise_reps", "value_unit": "reps", "exercise_name": None},
            ),
        ),
        "personal_records_exercise_name_check": not_blank("exercise_name", free_text_exercise=True),
        "personal_records_value_check": enum("value", (0.01,), (0, -1)),
        "personal_records_previous_value_check": enum("previous_value", (0.01, None), (0, -1)),
        "personal_records_value_unit_check": enum(
            "value_unit",
            ("seconds", "kg", "lbs", "min_per_km", "reps", "meters"),
            ("kgs", "min/km"),
        ),
        "personal_records_context_check": enum(
            "context", ("training", "race", "benchmark"), ("competition", "")
        ),
    },
    foreign_keys={
        "personal_records_athlete_id_fkey": ForeignKey("cascade", owned("personal_records")),
        "personal_records_station_id_fkey": ForeignKey(
            "restrict",
            station_child(
                "personal_records", lambda s: PersonalRecordFactory(station_time=True, station=s)
            ),
        ),
        "personal_records_exercise_id_fkey": ForeignKey("restrict", _story_exercise_record),
    },
    links=(Link("personal_records_athlete_id_fkey", "athlete_id", "athlete_profiles"),),
    index_requests={
        "personal_records_athlete_id_record_type_idx": Request(
            "select value, date_achieved from public.personal_records"
            " where athlete_id = %(athlete_id)s and record_type = 'station_time'"
            " order by date_achieved",
            "progression of one kind of record",
        ),
        "personal_records_athlete_id_station_id_idx": Request(
            "select value, date_achieved from public.personal_records"
            " where athlete_id = %(athlete_id)s and station_id = %(station_id)s"
            " order by date_achieved",
            "PR progression at one station",
        ),
        "personal_records_exercise_id_idx": Request(
            fk_check("personal_records", "exercise_id", EXERCISE),
            "deleting an exercise checks the records of it",
        ),
        "personal_records_station_id_idx": Request(
            fk_check("personal_records", "station_id", STATION),
            "deleting a station checks the records of it",
        ),
    },
)
