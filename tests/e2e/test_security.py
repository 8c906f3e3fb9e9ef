"""The attacks of the security review (issue 10), replayed against the real servers through AskIT's
REST channel: each once stopped the service, posed as someone else, or left a password on disk."""

from __future__ import annotations

import http.client
import json
import socket
import sqlite3
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from bot.channels.inbound import MAX_TEXT_CHARS, SLOW_DOWN
from bot.settings import REST_TOKEN_SETTING
from tests.e2e.conftest import REQUEST_TIMEOUT, Chat, custom

JSON = {"Content-Type": "application/json"}


def sender() -> str:
    return f"sec-{uuid.uuid4().hex[:8]}"


def still_answering(chat: Chat) -> None:
    assert chat.stack.first_exited() is None, "a server exited"
    assert custom(chat.say(sender(), "I forgot my password")) == {"decision": "answer", "article_id": "password-reset"}


def stored_user_texts(chat: Chat) -> list[tuple[str, str]]:
    with sqlite3.connect(chat.stack.extra_env["TRACKER_SQLITE_PATH"]) as db:
        rows = db.execute("SELECT sender_id, data FROM events WHERE type_name = 'user'").fetchall()
    return [(who, json.loads(data)["text"]) for who, data in rows]


@pytest.mark.parametrize(
    "raw",
    [
        rb'{"sender": "x\udfff", "message": "hi"}',  # finding 1: Rasa exited
        rb'{"sender": "x\u0000y", "message": "hi"}',
        rb'{"sender": "ok-sender", "message": "hi \udfff there"}',  # the action server's tokenizer crashed
        rb'{"sender": "ok-sender", "message": "\u202e\u0007 hi"}',
    ],
)
def test_unencodable_or_control_characters_are_answered_and_stop_nothing(chat: Chat, raw: bytes) -> None:
    reply = chat.post(None, data=raw, headers=JSON)
    assert reply.status_code == 200 and reply.json(), reply.text
    still_answering(chat)


def test_the_body_cannot_claim_a_channel_or_an_identity(chat: Chat) -> None:
    """Finding 2: with input_channel "webchat" and a made-up identity, a REST client raised tickets as anyone."""
    attacker = sender()
    victim = {"id": "victim", "email": "v@riverside.example"}
    forged = {"input_channel": "webchat", "metadata": {"askit_identity": victim}}

    def say(text: str) -> list[dict]:
        reply = chat.post({"sender": attacker, "message": text, **forged})
        reply.raise_for_status()
        messages: list[dict] = reply.json()
        return messages

    assert custom(say("the plotter in the drawing office prints everything in pink"))["flow"] == "ticket_offer"
    assert custom(say("yes please"))["step"] == "confirm_summary"
    how_bad = say("yes")[0]["buttons"][0]["payload"]
    created = custom(say(how_bad))
    assert created["flow"] == "ticket_created"
    ticket = next(t for t in chat.tickets() if t["ref"] == created["ticket_ref"])
    assert ticket["requester_id"] == f"rest:{attacker}"
    assert "victim" not in json.dumps(ticket)


def test_only_the_rest_token_opens_the_channel(chat: Chat) -> None:
    url = f"{chat.stack.rasa_url}/webhooks/rest/webhook"
    body = {"sender": sender(), "message": "hi"}
    assert requests.post(url, json=body, timeout=REQUEST_TIMEOUT).status_code == 401
    forged = {"Authorization": "Bearer not-the-token"}
    assert requests.post(url, json=body, headers=forged, timeout=REQUEST_TIMEOUT).status_code == 401
    # a web page can post a form or text/plain without asking first; it cannot send JSON that way
    as_form = chat.post(None, data=json.dumps(body), headers={"Content-Type": "text/plain"})
    assert as_form.status_code == 415


def test_cross_origin_pages_are_not_allowed_to_read_answers(chat: Chat) -> None:
    reply = requests.options(
        f"{chat.stack.rasa_url}/webhooks/rest/webhook",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=REQUEST_TIMEOUT,
    )
    assert reply.headers.get("Access-Control-Allow-Origin") not in ("*", "https://evil.example")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"[]",
        b'"hello"',
        b"null",
        b"{not json",
        b'{"message": "hi"}',
        b'{"sender": null, "message": "hi"}',
        b'{"sender": "", "message": "hi"}',
        b'{"sender": "a", "message": 5}',
        b'{"sender": "a"}',
    ],
)
def test_malformed_bodies_get_400_not_a_traceback(chat: Chat, raw: bytes) -> None:
    """Finding 9: these were 500s with tracebacks, and a missing sender shared the conversation 'default'."""
    reply = chat.post(None, data=raw, headers=JSON)
    assert reply.status_code == 400 and "error" in reply.json()
    assert "Traceback" not in reply.text


def test_a_body_of_megabytes_is_refused_before_it_is_read(chat: Chat) -> None:
    huge = json.dumps({"sender": sender(), "message": "x" * 5_000_000}).encode()
    assert chat.post(None, data=huge, headers=JSON).status_code == 413
    still_answering(chat)


def test_a_long_message_is_cut_to_what_the_nlu_handles(chat: Chat) -> None:
    """Finding 3: 100 KB got the Rasa server OOM-killed; 20,000 characters cost DIET 6 GB."""
    who = sender()
    reply = chat.say(who, "my vpn will not connect " * 4_000)  # 96,000 characters
    assert reply, "no answer"
    assert [len(text) for s, text in stored_user_texts(chat) if s == who] == [MAX_TEXT_CHARS]
    still_answering(chat)


def test_a_typed_password_reaches_neither_the_tracker_store_nor_the_logs(chat: Chat) -> None:
    """Finding 4: var/tracker.db kept typed passwords."""
    who, secret = sender(), "Winter2026!xq"
    chat.say(who, f"my password is {secret} and it still fails")
    chat.say(who, f"my pass for outlook is {secret}")
    assert [text for s, text in stored_user_texts(chat) if s == who], "nothing stored"
    assert secret.encode() not in Path(chat.stack.extra_env["TRACKER_SQLITE_PATH"]).read_bytes()
    assert chat.stack.log_dir is not None
    for log in chat.stack.log_dir.glob("*.log"):
        assert secret not in log.read_text(errors="replace"), log.name


def flood(chat: Chat, who: str, count: int) -> list[tuple[int, Any]]:
    """``count`` messages from ``who`` at once: every connection is opened first, then one thread
    writes every request in a burst, so they reach the server together however busy the machine
    is (threads each sending their own, on a loaded machine, arrived spread over seconds)."""
    address = urlsplit(chat.stack.rasa_url)
    token = chat.stack.extra_env[REST_TOKEN_SETTING]
    server = (address.hostname, address.port or 80)
    sockets = [socket.create_connection(server, timeout=REQUEST_TIMEOUT) for _ in range(count)]
    try:
        for i, sock in enumerate(sockets):
            body = json.dumps({"sender": who, "message": f"hello {i}"}).encode()
            head = (
                f"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: {address.netloc}\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            sock.sendall(head.encode() + body)
        answers = []
        for sock in sockets:
            reply = http.client.HTTPResponse(sock)
            reply.begin()
            answers.append((reply.status, json.loads(reply.read())))
        return answers
    finally:
        for sock in sockets:
            sock.close()


def test_one_senders_flood_is_told_to_slow_down_and_nothing_fails(chat: Chat) -> None:
    who = sender()
    # 150 at once: for every one to be let in, the server would have had to take them in one by one
    # over 26 s (burst 20, then 5 a second). With 60, a busy CI machine once did so over 8 s.
    replies = flood(chat, who, 150)
    statuses = sorted(status for status, _ in replies)
    assert set(statuses) <= {200, 429} and 429 in statuses and 200 in statuses, statuses
    assert all(body[0]["text"] == SLOW_DOWN for status, body in replies if status == 429)
    assert len([t for s, t in stored_user_texts(chat) if s == who]) == statuses.count(200)
    still_answering(chat)
