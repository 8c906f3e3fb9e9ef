"""The desk is down when the user raises a ticket in the web chat: they get a receipt at once and,
when the desk recovers, the desk's reference arrives in the same chat without them asking."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e.conftest import Chat, running_chat
from tests.servicedesk.fake_servicenow import PASSWORD, USER, FakeServiceNow


@pytest.fixture(scope="module")
def servicenow() -> Iterator[FakeServiceNow]:
    fake = FakeServiceNow().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def down_desk_chat(servicenow: FakeServiceNow, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chat]:
    with running_chat(
        tmp_path_factory.mktemp("e2e-news"),
        {
            "ASKIT_SERVICE_DESK": "servicenow",
            "ASKIT_SERVICENOW_URL": servicenow.url,
            "ASKIT_SERVICENOW_USER": USER,
            "ASKIT_SERVICENOW_PASSWORD": PASSWORD,
            "ASKIT_DESK_TIMEOUT": "2",
            "ASKIT_TICKET_WAIT": "1",
            "ASKIT_OUTBOX_BACKOFF_BASE": "0.2",
            "ASKIT_OUTBOX_BACKOFF_CAP": "1",
            "ASKIT_OUTBOX_POLL": "0.2",
        },
    ) as chat:
        yield chat


class Browser:
    """A socket.io client speaking the web chat's protocol, as the chat page does."""

    def __init__(self, url: str) -> None:
        import socketio

        self.received: list[dict[str, Any]] = []
        self.client = socketio.Client()
        self.client.on("bot_uttered", self.received.append)
        self.client.connect(url, socketio_path="/socket.io", transports=["websocket"], wait_timeout=20)
        self.session = uuid.uuid4().hex
        self.client.emit("session_request", {"session_id": self.session})

    def wait_for(self, found: Callable[[dict[str, Any]], bool], seconds: float, start: int = 0) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            match = next((m for m in self.received[start:] if found(m)), None)
            if match is not None:
                return match
            self.client.sleep(0.1)
        raise AssertionError(f"nothing matching after {seconds} s; received {self.received[start:]}")

    def say(self, text: str, until: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        start = len(self.received)
        self.client.emit("user_uttered", {"message": text, "session_id": self.session})
        return self.wait_for(until, 60, start)


def custom(flow: str) -> Callable[[dict[str, Any]], bool]:
    return lambda m: (m.get("custom") or {}).get("flow") == flow or (m.get("custom") or {}).get("decision") == flow


def test_the_reference_arrives_in_the_web_chat_when_the_desk_recovers(
    down_desk_chat: Chat, servicenow: FakeServiceNow
) -> None:
    servicenow.outage = 503
    browser = Browser(down_desk_chat.stack.rasa_url)
    try:
        browser.say("my desk chair is broken", custom("escalate"))
        browser.say("yes", lambda m: (m.get("custom") or {}).get("step") == "confirm_summary")
        browser.say("yes", lambda m: m.get("text", "").endswith("how bad is it?"))
        recorded = browser.say("Just me, I can work around it", custom("ticket_recorded"))["custom"]
        assert recorded["receipt"].startswith("ASKIT-") and servicenow.incidents == []

        servicenow.outage = None  # the desk comes back; the user types nothing more
        news = browser.wait_for(custom("ticket_created"), 30, start=len(browser.received))["custom"]
    finally:
        browser.client.disconnect()
    [incident] = servicenow.incidents
    assert news == {"flow": "ticket_created", "receipt": recorded["receipt"], "ticket_ref": incident["number"]}
    assert incident["short_description"] == "my desk chair is broken"
