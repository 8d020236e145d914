"""public.conversations: what the suite expects of it beyond the contract.

The fields are described in tests/tables/declaration.py.
"""

from __future__ import annotations

from factories.chat import ConversationFactory
from tests.support.access_matrix import Command, Policy
from tests.support.index_requests import Request
from tests.tables.checks import (
    enum,
)
from tests.tables.declaration import (
    Access,
    Check,
    ForeignKey,
    Link,
    Ownership,
    Sentinel,
    TableDeclaration,
    Triggers,
)
from tests.tables.stories import owned

TABLE = TableDeclaration(
    name="conversations",
    ownership=Ownership.ATHLETE,
    access=Access(
        pattern="athlete_crud",
        policies=(
            Policy("athletes can read their own conversations", Command.SELECT),
            Policy("athletes can create their own conversations", Command.INSERT),
            Policy("athletes can update their own conversations", Command.UPDATE),
            Policy("athletes can delete their own conversations", Command.DELETE),
        ),
        update=("title", "Renamed by the athlete"),
    ),
    make_row=lambda athlete: ConversationFactory(athlete=athlete),
    checks={
        "conversations_title_check": Check(
            ({"title": "A"}, {"title": "x" * 200}),
            ({"title": ""}, {"title": "x" * 201}),
        ),
        "conversations_title_source_check": enum("title_source", ("auto", "user"), ("ai", "Auto")),
        "conversations_title_source_required_check": Check(
            ({"title": None, "title_source": None}, {"title": "Pacing", "title_source": "user"}),
            ({"title": "Pacing", "title_source": None}, {"title": None, "title_source": "auto"}),
        ),
        "conversations_topic_check": enum(
            "topic",
            ("training", "racing", "technique", "nutrition", "recovery", "general", None),
            ("other", "Training"),
        ),
    },
    foreign_keys={
        "conversations_athlete_id_fkey": ForeignKey("cascade", owned("conversations")),
    },
    links=(Link("conversations_athlete_id_fkey", "athlete_id", "athlete_profiles"),),
    defaults={
        "started_at": Sentinel.NOW,
    },
    fk_target_keys=("conversations_id_athlete_id_key",),
    index_requests={
        "conversations_athlete_id_updated_at_idx": Request(
            "select id, title from public.conversations where athlete_id = %(athlete_id)s"
            " order by updated_at desc limit 20",
            "the chat list: an athlete's conversations, most recent first",
        ),
    },
    triggers=Triggers(lock_athlete_first=True),
)
