"""Chat factories: conversations and messages."""

from __future__ import annotations

import factory

from factories import base
from factories.athletes import OwnedFactory


class ConversationFactory(OwnedFactory):
    """A coaching conversation; traits ``untitled`` and ``renamed`` (title set by the user)."""

    class Meta:
        table = "public.conversations"

    class Params:
        untitled = base.Trait(title=None, title_source=None)
        renamed = base.Trait(title_source="user")

    title = factory.LazyAttribute(lambda o: f"{(o.topic or 'coaching').capitalize()} questions")
    title_source = "auto"
    topic = factory.Faker("hyrox_chat_topic")


class MessageFactory(base.PgFactory):
    """A message of ``conversation`` (default: a new one); user by default.

    Traits: ``assistant`` (backend-written reply with RAG and token metrics), ``rated``
    (an assistant reply with feedback), ``pinned``.
    """

    class Meta:
        table = "public.messages"

    class Params:
        conversation = factory.SubFactory(ConversationFactory)
        assistant = base.Trait(
            role="assistant",
            content=factory.Faker("hyrox_coach_answer"),
            rag_chunks_used=factory.LazyFunction(lambda: ["chunk-001", "chunk-042"]),
            suggested_actions=factory.LazyFunction(
                lambda: [{"type": "log_workout", "label": "Log this workout"}]
            ),
            tokens_in=factory.Faker("random_int", min=300, max=4000),
            tokens_out=factory.Faker("random_int", min=50, max=800),
            latency_ms=factory.Faker("random_int", min=400, max=6000),
        )
        rated = base.Trait(assistant=True, feedback="thumbs_up")
        pinned_message = base.Trait(pinned=True)

    conversation_id = factory.SelfAttribute("conversation.id")
    athlete_id = factory.SelfAttribute("conversation.athlete_id")
    role = "user"
    content = factory.Faker("hyrox_coach_question")
