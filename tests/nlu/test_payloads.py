from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.payloads import UnknownPayloadClassifier


@pytest.mark.parametrize(
    "text,intent",
    [("/frobnicate", "nlu_fallback"), (" /affirm", "nlu_fallback"), ("my printer is broken", "ask_question")],
)
def test_payloads_are_marked_and_words_are_left_alone(text: str, intent: str) -> None:
    message = Message({TEXT: text, INTENT: {"name": "ask_question", "confidence": 0.9}})
    UnknownPayloadClassifier().process([message])
    assert message.get(INTENT)["name"] == intent
