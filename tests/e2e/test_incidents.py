"""A known incident on the real servers: declared with the command line, as the service desk does,
it is shown to Riverside's staff who ask about it in their own words and not to Northbrook's;
"I'm affected too" counts a person once; once resolved, its card's buttons say it is over. Teams
subscribers hear of the resolution once each, through Teams' rate limit, and a deleted chat is
skipped. The whole outage drill is test_outage_drill.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from bot import replies
from bot.incidents.store import IncidentStore
from tests.channels.fake_botframework import RIVERSIDE_AAD, FakeBotFramework
from tests.e2e.conftest import Chat
from tests.e2e.outage_drill import incidents
from tests.e2e.teams_user import Teams, askit
from tests.e2e.widget_client import WidgetClient, custom_has


@pytest.fixture
def portal_down(chat: Chat) -> Iterator[str]:
    """Riverside's planning portal down: declared for this test, resolved after it (the stack is shared)."""
    declared = incidents(
        chat,
        "declare",
        "--title", "Planning portal unavailable",
        "--summary", "The planning portal will not load for Riverside staff.",
        "--question", "planning portal is down",
        "--question", "cannot open the planning portal",
        "--question", "the planning system keeps timing out",
        "--council", "riverside",
        "--workaround", "Log applications on the paper form.",
    )  # fmt: skip
    incident_id = declared.split()[1].rstrip(":")
    yield incident_id
    store = IncidentStore.open(chat.stack.extra_env["ASKIT_BACKOFFICE_DB"])
    if store.get(incident_id).is_active:
        incidents(chat, "resolve", incident_id)


def staff(chat: Chat, tenant: str) -> WidgetClient:
    who = f"staff-{uuid.uuid4().hex[:8]}"
    return WidgetClient(chat.stack.rasa_url, chat.widget_token(who, email=f"{who}@{tenant}.example", tenant=tenant))


def test_riverside_staff_get_the_card_and_are_counted_once(chat: Chat, portal_down: str) -> None:
    with staff(chat, "riverside") as pat, staff(chat, "northbrook") as sam:
        card = pat.say("the planning portal wont load for me", custom_has("flow", "known_incident"))
        assert card["custom"]["incident_id"] == portal_down and "paper form" in card["text"]
        assert card["quick_replies"][0]["title"] == "I'm affected too"
        other = sam.say("the planning portal wont load for me", lambda m: bool(m.get("text")))
        assert other["custom"].get("flow") != "known_incident"  # not Northbrook's problem
        affected = replies.incident_payload("affected", portal_down)
        first = pat.say(affected, custom_has("flow", "incident_affected"))
        again = pat.say(affected, custom_has("flow", "incident_affected"))
        assert first["custom"]["count"] == again["custom"]["count"] == 1
        incidents(chat, "resolve", portal_down)
        over = pat.say(replies.incident_payload("subscribe", portal_down), custom_has("flow", "incident_over"))
        assert "fixed since" in over["text"]


def test_teams_subscribers_are_told_once_and_a_deleted_chat_is_skipped(
    dev_teams_chat: Chat, bf: FakeBotFramework
) -> None:
    """Three Teams users subscribe; one deletes the chat; Teams answers 429 twice: the two others
    hear of the resolution once each (after Teams' Retry-After), the deleted chat is logged once."""
    declared = incidents(
        dev_teams_chat,
        "declare",
        "--title", "Payroll system unavailable",
        "--summary", "The payroll system will not open for Riverside staff.",
        "--question", "payroll system is down",
        "--question", "cannot open the payroll system",
        "--council", "riverside",
    )  # fmt: skip
    incident_id = declared.split()[1].rstrip(":")
    users = []
    for n in range(3):
        user = bf.add_user(f"Payroll Clerk {n}", f"payroll.clerk{n}@riverside.example", RIVERSIDE_AAD)
        teams = Teams(dev_teams_chat, bf, user, RIVERSIDE_AAD)
        card = teams.say("the payroll system is down for me")
        assert askit(card) == {"flow": "known_incident", "incident_id": incident_id, "status": "investigating"}
        assert askit(teams.click(card, "Tell me when it's fixed"))["flow"] == "incident_subscribed"
        users.append(teams)
    bf.gone.add(users[2].conversation)
    bf.throttle(2, retry_after="1")
    incidents(dev_teams_chat, "resolve", incident_id, "--text", "Payroll is back.")

    def told(user: Teams) -> list[dict[str, Any]]:
        return [r for r in user.replies() if askit(r).get("flow") == "incident_update"]

    store = IncidentStore.open(dev_teams_chat.stack.extra_env["ASKIT_BACKOFFICE_DB"])
    version = store.get(incident_id).version
    bf.wait_for(lambda: all(s.version == version for s in store.subscribers(incident_id)), 60, "every subscriber told")
    bf.wait_for(lambda: all(told(u) for u in users[:2]), 60, "the resolution in Teams")
    assert [len(told(u)) for u in users] == [1, 1, 0]
    assert [askit(told(u)[0])["status"] for u in users[:2]] == ["resolved", "resolved"]
    assert len(bf.throttled) == 2  # refused with 429, sent again after Retry-After
    logs = dev_teams_chat.stack.log_dir
    assert logs is not None
    log = (logs / "rasa server.log").read_text()
    assert log.count(f"could not send a reply to Teams conversation {users[2].conversation}") == 1
