"""A known incident on the real servers: declared with the command line, as the service desk does,
it is shown to Riverside's staff who ask about it in their own words and not to Northbrook's;
"I'm affected too" counts a person once; once resolved, its card's buttons say it is over."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator

import pytest

from bot import replies
from bot.incidents.store import IncidentStore
from bot.launcher import ACTIONS_PYTHON, ROOT
from tests.e2e.conftest import Chat
from tests.e2e.widget_client import WidgetClient, custom_has


def incidents(chat: Chat, *args: str) -> str:
    """``python -m bot.incidents`` on the stack's database, as the service desk would run it."""
    env = {"ASKIT_BACKOFFICE_DB": chat.stack.extra_env["ASKIT_BACKOFFICE_DB"], "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [str(ACTIONS_PYTHON), "-m", "bot.incidents", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


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
