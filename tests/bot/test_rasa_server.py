"""The Rasa server's wrapper (bot/rasa_server.py), in the Rasa environment."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_server import main, validate_action_answers_once

PASSWORD = "s3cret-Pa55word"

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


@pytest.mark.parametrize(
    "env,refusal",
    [
        ({"REDIS_URL": f"redis://:{PASSWORD}@redis.internal:port/0"}, "REDIS_URL must look like redis://"),
        ({"SANIC_WORKERS": "2"}, "SANIC_WORKERS=2 needs REDIS_URL"),
        (
            {"EVENTS_AMQP_URL": f"amqp://askit:{PASSWORD}@rabbit.internal:port/"},
            "EVENTS_AMQP_URL must look like amqp://",
        ),
        ({"EVENTS_AMQP_URL": "amqp://rabbit.internal/"}, "EVENTS_AMQP_URL must look like amqp://"),
    ],
)
def test_a_lock_store_or_event_broker_that_cannot_work_stops_the_rasa_server_in_one_line(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], refusal: str
) -> None:
    for name in ("REDIS_URL", "SANIC_WORKERS", "EVENTS_AMQP_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["rasa_server"])
    with pytest.raises(SystemExit) as stopped:
        main(["run"])
    assert str(stopped.value.code).startswith(f"rasa server cannot start: {refusal}")
    assert PASSWORD not in str(stopped.value.code)
