from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.rule_intents import RuleIntentClassifier


@pytest.mark.parametrize(
    "text,intent",
    [
        ("/frobnicate", "unreadable"),
        (" /affirm", "unreadable"),  # Rasa's payload handler, which runs next, restores known intents
        ("", "unreadable"),
        ("😀😀😀", "unreadable"),
        ("パスワードを忘れました", "unreadable"),
        ("???", "unreadable"),
        ("my printer is broken", "ask_question"),
        ("it's broken", "vague"),
        ("help!!", "vague"),
        ("not working", "vague"),
        ("it's working now", "ask_question"),  # no trouble in it: DIET's intent (here ask_question) stands
        ("no", "ask_question"),
        ("wifi 😀", "ask_question"),
        ("Mae fy nghyfrinair wedi dod i ben", "ask_question"),  # Welsh reaches the knowledge base
    ],
)
def test_unreadable_and_vague_messages_are_marked_and_others_left_alone(text: str, intent: str) -> None:
    message = Message({TEXT: text, INTENT: {"name": "ask_question", "confidence": 0.9}})
    RuleIntentClassifier().process([message])
    assert message.get(INTENT)["name"] == intent
