"""The real action server answers only the real Rasa server (finding 5 of the security review,
issue 10): anyone else who reaches its port once could raise tickets with a made-up tracker."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from bot.action_auth import AUTH_HEADER, authorization
from tests.action_calls import action_call
from tests.e2e.conftest import REQUEST_TIMEOUT, Chat, custom

MARKER = "forged-tracker-marker-2718"


def forged_ticket_call(sender: str) -> dict[str, Any]:
    """What Rasa posts to run ``action_create_ticket``, written by hand: a confirmed ticket."""
    slots = {"ticket_summary": f"forged {MARKER}", "ticket_confirmed": True}
    return action_call("action_create_ticket", "yes", sender, intent="affirm", slots=slots)


def action_server_log(chat: Chat) -> str:
    assert chat.stack.log_dir is not None
    return (chat.stack.log_dir / "action server.log").read_text(errors="replace")


@pytest.mark.parametrize("headers", [None, authorization("not-the-token")], ids=["no token", "wrong token"])
def test_a_forged_webhook_call_is_refused_and_raises_no_ticket(chat: Chat, headers: dict[str, str] | None) -> None:
    before = len(chat.tickets())
    answer = requests.post(
        f"{chat.stack.action_url}/webhook",
        json=forged_ticket_call(f"forger-{uuid.uuid4().hex[:8]}"),
        headers=headers,
        timeout=REQUEST_TIMEOUT,
    )
    assert (answer.status_code, answer.json()) == (401, {"error": "unauthorized"})
    assert len(chat.tickets()) == before


def test_the_forged_call_would_raise_a_ticket_with_the_token(chat: Chat) -> None:
    # The control for the test above: what is refused there is the caller, not the call.
    sender = f"forger-{uuid.uuid4().hex[:8]}"
    answer = requests.post(
        f"{chat.stack.action_url}/webhook",
        json=forged_ticket_call(sender),
        headers=authorization(chat.stack.action_token),
        timeout=REQUEST_TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    assert any(t["summary"] == f"forged {MARKER}" for t in chat.tickets())


def test_the_list_of_actions_needs_the_token(chat: Chat) -> None:
    refused = requests.get(f"{chat.stack.action_url}/actions", timeout=REQUEST_TIMEOUT)
    assert (refused.status_code, refused.json()) == (401, {"error": "unauthorized"})
    listed = requests.get(
        f"{chat.stack.action_url}/actions", headers=authorization(chat.stack.action_token), timeout=REQUEST_TIMEOUT
    )
    assert "action_create_ticket" in {a["name"] for a in listed.json()}


def test_the_rasa_server_runs_actions_with_its_token(chat: Chat) -> None:
    # action_answer_question runs in the action server: an answer from an article is its reply.
    reply = chat.say(f"token-{uuid.uuid4().hex[:8]}", "I forgot my password")
    assert custom(reply) == {"decision": "answer", "article_id": "password-reset"}
    assert f"{AUTH_HEADER}:" not in action_server_log(chat)


def test_an_unknown_url_is_a_404_without_a_traceback(chat: Chat) -> None:
    answer = requests.get(
        f"{chat.stack.action_url}/nonexistent", headers=authorization(chat.stack.action_token), timeout=REQUEST_TIMEOUT
    )
    assert (answer.status_code, answer.json()) == (404, {"error": "not found"})
    assert "Traceback" not in answer.text and "Traceback" not in action_server_log(chat)


def test_a_malformed_body_is_refused_without_an_echo(chat: Chat) -> None:
    answer = requests.post(
        f"{chat.stack.action_url}/webhook",
        data=f'{{"next_action": "action_create_ticket", "tracker": {{"sender_id": "{MARKER}',
        headers={**authorization(chat.stack.action_token), "Content-Type": "application/json"},
        timeout=REQUEST_TIMEOUT,
    )
    assert 400 <= answer.status_code < 500
    assert MARKER not in answer.text
