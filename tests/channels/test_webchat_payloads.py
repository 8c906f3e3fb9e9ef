"""What the widget's socket carries: the browser's text in, one whole bot message out."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.inbound import MAX_TEXT_CHARS
from bot.channels.webchat_payloads import bot_message, user_text


def no_link(article_id: str) -> None:
    return None


def link(article_id: str) -> str:
    return f"https://askit.example/webhooks/webchat/articles/{article_id}"


@pytest.mark.parametrize(
    "data,expected",
    [
        ({"message": "hello"}, "hello"),
        ({"message": "hi", "metadata": {"askit_identity": {"id": "boss"}}, "sender": "victim"}, "hi"),
        ({"message": ""}, ""),
        ({"message": 42}, None),
        ({"text": "hello"}, None),
        ("hello", None),
        (None, None),
        ({"message": "x" * (MAX_TEXT_CHARS + 10)}, "x" * MAX_TEXT_CHARS),
        ({"message": "hi \udfff\x00"}, "hi ?"),
        ({"message": "my password is Hunter22!"}, "my password is [redacted]"),
    ],
)
def test_only_the_text_of_a_browser_message_is_used(data: object, expected: str | None) -> None:
    assert user_text(data) == expected


def test_an_answer_is_one_message_with_its_buttons_custom_part_and_article_link() -> None:
    rasa_message: dict[str, Any] = {
        "text": "**Reset a forgotten password**\n\nSteps.\n\nDid this help?",
        "buttons": [{"title": "Yes, that helped", "payload": "/helped"}, {"title": "No", "payload": "/not_helped"}],
        "custom": {"decision": "answer", "article_id": "password-reset"},
        "timestamp": 1.0,
        "template_name": None,
    }
    assert bot_message(rasa_message, link) == {
        "text": "**Reset a forgotten password**\n\nSteps.\n\nDid this help?",
        "quick_replies": [
            {"title": "Yes, that helped", "payload": "/helped"},
            {"title": "No", "payload": "/not_helped"},
        ],
        "custom": {
            "decision": "answer",
            "article_id": "password-reset",
            "article_url": "https://askit.example/webhooks/webchat/articles/password-reset",
        },
    }
    assert rasa_message["custom"] == {"decision": "answer", "article_id": "password-reset"}  # not changed in place


@pytest.mark.parametrize(
    "message,expected",
    [
        ({"text": "Hello"}, {"text": "Hello", "quick_replies": [], "custom": {}}),
        (
            {"custom": {"flow": "ticket_created", "ticket_ref": "LOC-1"}},
            {"text": "", "quick_replies": [], "custom": {"flow": "ticket_created", "ticket_ref": "LOC-1"}},
        ),
        (
            {"text": "Pick", "quick_replies": [{"title": "A", "payload": "/a"}]},
            {"text": "Pick", "quick_replies": [{"title": "A", "payload": "/a"}], "custom": {}},
        ),
        (
            {"text": "Odd", "buttons": [{"title": "", "payload": "/a"}, "junk", {"title": "B"}]},
            {"text": "Odd", "quick_replies": [], "custom": {}},
        ),
        ({"text": None, "custom": "not a dict"}, {"text": "", "quick_replies": [], "custom": {}}),
    ],
)
def test_other_messages(message: dict[str, Any], expected: dict[str, Any]) -> None:
    assert bot_message(message, link) == expected


@pytest.mark.parametrize(
    "custom",
    [
        {"decision": "clarify", "candidates": ["a", "b"]},
        {"flow": "ticket_offer", "article_id": "vpn-connect"},  # an offer names the article that did not help
    ],
)
def test_only_answers_get_an_article_link(custom: dict[str, Any]) -> None:
    assert bot_message({"text": "x", "custom": custom}, link)["custom"] == custom


def test_no_link_when_there_is_no_page_for_the_article() -> None:
    message = {"text": "x", "custom": {"decision": "answer", "article_id": "riverside-only"}}
    assert bot_message(message, no_link)["custom"] == {"decision": "answer", "article_id": "riverside-only"}
