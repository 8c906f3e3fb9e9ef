"""Intents that a rule decides better than DIET guesses them.

DIET turns an empty message, a row of emoji, text in a script it has never seen, or a
button payload naming no known intent ("/frobnicate") into whatever intent is nearest, and
the user gets a reply to something they never said. This component gives such messages the
intent ``unreadable``, which has a reply of its own. Rasa's payload handler runs after it and
still unpacks every payload whose intent the domain knows.

It also gives ``vague`` to a message that says something is wrong but not what ("it's broken",
"help", "not working", bot/vague.py), which DIET read as "that didn't help", "what can you do"
or even "that helped": the knowledge-base action asks one question about it, or, after an
article was tried, offers the ticket.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.vague import is_vague

UNREADABLE_INTENT = "unreadable"
VAGUE_INTENT = "vague"
PAYLOAD_PREFIX = "/"
LATIN_LETTER = re.compile(r"[A-Za-z]")


def is_unreadable(text: str | None) -> bool:
    """True for payloads and for messages with no Latin letter (the NLU model reads English)."""
    stripped = (text or "").strip()
    return stripped.startswith(PAYLOAD_PREFIX) or not LATIN_LETTER.search(stripped)


def rule_intent(text: str | None) -> str | None:
    """``unreadable``, ``vague``, or None: DIET's intent stands."""
    if is_unreadable(text):
        return UNREADABLE_INTENT
    return VAGUE_INTENT if is_vague(text) else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RuleIntentClassifier(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RuleIntentClassifier:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            name = rule_intent(message.get(TEXT))
            if name is not None:
                intent = {"name": name, "confidence": 1.0}
                message.set(INTENT, intent, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
        return messages
