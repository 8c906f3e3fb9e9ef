"""The desk is down when the user raises a ticket in the web chat: they get a receipt at once and,
when the desk recovers, the desk's reference arrives in the same chat without them asking."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e.conftest import Chat, running_chat
from tests.e2e.widget_client import WidgetClient
from tests.servicedesk.fake_servicenow import PASSWORD, USER, FakeServiceNow

pytestmark = pytest.mark.own_stack  # starts servers of its own: the second end-to-end process


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


def custom(flow: str) -> Callable[[dict[str, Any]], bool]:
    return lambda m: (m.get("custom") or {}).get("flow") == flow or (m.get("custom") or {}).get("decision") == flow


def test_the_reference_arrives_in_the_web_chat_when_the_desk_recovers(
    down_desk_chat: Chat, servicenow: FakeServiceNow
) -> None:
    servicenow.outage = 503
    token = down_desk_chat.widget_token(f"e2e-news-{uuid.uuid4().hex[:8]}")
    browser = WidgetClient(down_desk_chat.stack.rasa_url, token)
    try:
        browser.say("the plotter in the drawing office prints everything in pink", custom("escalate"))
        browser.say("yes", lambda m: (m.get("custom") or {}).get("step") == "confirm_summary")
        browser.say("yes", lambda m: m.get("text", "").endswith("how bad is it?"))
        recorded = browser.say("Just me, I can work around it", custom("ticket_recorded"))["custom"]
        assert recorded["receipt"].startswith("ASKIT-") and servicenow.incidents == []

        servicenow.outage = None  # the desk comes back; the user types nothing more
        news = browser.wait_for(custom("ticket_created"), 30, start=len(browser.received))["custom"]
    finally:
        browser.client.disconnect()
    [incident] = servicenow.incidents
    page = f"{servicenow.url}/nav_to.do?uri=incident.do%3Fsys_id%3D{incident['sys_id']}"  # the desk's own page
    assert news == {
        "flow": "ticket_created",
        "receipt": recorded["receipt"],
        "ticket_ref": incident["number"],
        "ticket_url": page,
    }
    assert incident["short_description"] == "the plotter in the drawing office prints everything in pink"
