"""public.messages: what the suite expects of it beyond the contract.

The fields are described in tests/tables/declaration.py.
"""

from __future__ import annotations

from factories.base import Row
from factories.chat import ConversationFactory, MessageFactory
from tests.support.access_matrix import Command, Policy
from tests.support.index_requests import Request
from tests.tables.checks import (
    ASSISTANT,
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


def _story_message() -> ParentChild:
    message = MessageFactory()
    return ParentChild("public.conversations", message.conversation_id, "messages", message.id)


def _message(athlete: Row) -> Row:
    return MessageFactory(conversation=ConversationFactory(athlete=athlete))


TABLE = TableDeclaration(
    name="messages",
    ownership=Ownership.ATHLETE,
    access=Access(
        pattern="messages",
        policies=(
            Policy("athletes can read messages of their own conversations", Command.SELECT),
            Policy("athletes can post user messages in their own conversations", Command.INSERT),
            Policy("athletes can pin and rate messages of their own conversations", Command.UPDATE),
        ),
        update=("pinned", True),
    ),
    make_row=_message,
    checks={
        "messages_role_check": Check(
            ({"role": "user"}, {"assistant": True}), ({"role": "system"}, {"role": "tool"})
        ),
        "messages_content_check": not_blank("content"),
        "messages_suggested_actions_check": Check(
            ({**ASSISTANT, "suggested_actions": []}, {**ASSISTANT, "suggested_actions": None}),
            ({**ASSISTANT, "suggested_actions": {}}, {**ASSISTANT, "suggested_actions": "log"}),
        ),
        "messages_assistant_only_fields_check": Check(
            ({"role": "user"}, {"rated": True}),
            (
                {"role": "user", "rag_chunks_used": ["chunk-1"]},
                {"role": "user", "suggested_actions": [{"type": "x"}]},
                {"role": "user", "tokens_in": 1},
                {"role": "user", "tokens_out": 1},
                {"role": "user", "latency_ms": 1},
                {"role": "user", "feedback": "thumbs_up"},
            ),
        ),
        "messages_tokens_in_check": enum("tokens_in", (0, None), (-1,), **ASSISTANT),
        "messages_tokens_out_check": enum("tokens_out", (0, None), (-1,), **ASSISTANT),
        "messages_latency_ms_check": enum("latency_ms", (0, None), (-1,), **ASSISTANT),
        "messages_feedback_check": enum(
            "feedback", ("thumbs_up", "thumbs_down", None), ("meh", "up"), **ASSISTANT
        ),
    },
    foreign_keys={
        "messages_conversation_id_fkey": ForeignKey("cascade", _story_message),
    },
    links=(Link("messages_conversation_id_fkey", "conversation_id", "conversations"),),
    defaults={
        "role": "user",
        "pinned": False,
    },
    index_requests={
        "messages_conversation_id_created_at_idx": Request(
            "select id, role, content from public.messages"
            " where conversation_id = %(conversation_id)s"
            " and athlete_id = %(athlete_id)s order by created_at limit 50",
            "a conversation's messages in order (also the cascade when a conversation is deleted)",
        ),
        "messages_athlete_id_created_at_idx": Request(
            "select id, content from public.messages where athlete_id = %(athlete_id)s"
            " order by created_at desc limit 50",
            "the athlete's latest messages across conversations (coach context)",
        ),
    },
    factory_parents=lambda athlete: {"conversation": ConversationFactory(athlete=athlete)},
)
