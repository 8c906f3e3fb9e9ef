"""The Rasa server's wrapper (bot/rasa_server.py), in the Rasa environment."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_server import validate_action_answers_once

ANSWER = {
    "events": [{"event": "slot", "name": "last_article_id", "value": "vpn-connect", "timestamp": None}],
    "responses": [{"text": "Try this.", "buttons": [], "custom": {"decision": "answer"}}],
}


@pytest.fixture
def validated_once() -> Any:
    original = RemoteAction._validate_action_result
    validate_action_answers_once()
    yield
    setattr(RemoteAction, "_validate_action_result", original)  # noqa: B010 - mypy refuses assigning a method


@pytest.mark.usefixtures("validated_once")
@pytest.mark.parametrize(
    "answer",
    [
        {"events": "not a list"},
        {"events": [{"no": "event name"}]},
        {"responses": {"text": "an object, not a list"}},
    ],
)
def test_a_malformed_answer_is_refused_with_rasas_own_advice(answer: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        RemoteAction("action_answer_question", None)._validate_action_result(answer)


@pytest.mark.usefixtures("validated_once")
def test_a_good_answer_passes() -> None:
    assert RemoteAction("action_answer_question", None)._validate_action_result(ANSWER) is True
    assert RemoteAction("action_answer_question", None)._validate_action_result({}) is True
