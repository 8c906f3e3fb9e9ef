"""Mark messages the bot cannot read, so DIET does not guess at them.

DIET turns an empty message, a row of emoji, text in a script it has never seen, or a
button payload naming no known intent ("/frobnicate") into whatever intent is nearest, and
the user gets a reply to something they never said. This component gives such messages the
intent ``unreadable``, which has a reply of its own. Rasa's payload handler runs after it and
still unpacks every payload whose intent the domain knows.
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

UNREADABLE_INTENT = "unreadable"
PAYLOAD_PREFIX = "/"
LATIN_LETTER = re.compile(r"[A-Za-z]")


def is_unreadable(text: str | None) -> bool:
    """True for payloads and for messages with no Latin letter (the NLU model reads English)."""
    stripped = (text or "").strip()
    return stripped.startswith(PAYLOAD_PREFIX) or not LATIN_LETTER.search(stripped)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class UnreadableMessageClassifier(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnreadableMessageClassifier:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if is_unreadable(message.get(TEXT)):
                intent = {"name": UNREADABLE_INTENT, "confidence": 1.0}
                message.set(INTENT, intent, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
        return messages
