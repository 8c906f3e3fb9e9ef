"""Button payloads ("/intent{...}") that name no known intent must not be guessed at by DIET.

Rasa unpacks a payload only when its intent is in the domain; anything else would be
classified as if it were words ("/frobnicate" came out as goodbye). This component marks every
payload as ``nlu_fallback``; Rasa's own payload handler runs after it and overrides the mark
for known intents, so only unknown payloads keep it.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

PAYLOAD_PREFIX = "/"


def is_payload(text: str | None) -> bool:
    return bool(text) and text.lstrip().startswith(PAYLOAD_PREFIX)  # type: ignore[union-attr]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class UnknownPayloadClassifier(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownPayloadClassifier:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if is_payload(message.get(TEXT)):
                intent = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
                message.set(INTENT, intent, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
        return messages
