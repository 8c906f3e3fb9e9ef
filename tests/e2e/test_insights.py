"""Insights from real conversations: turns through the running Rasa and action servers, events
through Rasa's event broker (bot/event_broker.py) into the stack's events database, loaded by the
insights loader; each seeded conversation's outcome is known in advance, and so is what staff did
with a known incident's card."""

from __future__ import annotations

import uuid
from pathlib import Path

from bot import replies, sql
from bot.insights.figures import IncidentFigures
from bot.insights.store import InsightsStore
from tests.e2e import test_incidents
from tests.e2e.conftest import Chat, custom
from tests.e2e.widget_client import WidgetClient, custom_has

portal_down = test_incidents.portal_down  # the fixture: an incident declared for the test, resolved after


def test_seeded_conversations_have_their_known_outcomes(chat: Chat, tmp_path: Path) -> None:
    run = uuid.uuid4().hex[:8]
    seeded = {
        f"helped-{run}": ["I forgot my password", "/helped"],
        f"potential-{run}": ["the vpn won't connect"],
        f"not-helped-{run}": ["I forgot my password", "/not_helped", "no"],
        f"unresolved-{run}": ["the plotter in the drawing office prints everything in pink", "no"],
        f"ticket-{run}": [
            "the plotter in the drawing office prints everything in pink", "yes", "yes", "Just me, I can work around it"
        ],
    }  # fmt: skip
    replies = {sender: [custom(chat.say(sender, text)) for text in said] for sender, said in seeded.items()}
    assert replies[f"ticket-{run}"][-1]["flow"] == "ticket_created", replies
    token = chat.widget_token(f"insights-{run}", email=f"jo.{run}@riverside.example", name="Jo Bloggs")
    with WidgetClient(chat.stack.rasa_url, token) as widget:  # a verified member of staff, in the web chat
        widget.say("My name is Jo Bloggs and I forgot my password", custom_has("decision", "answer"))
        widget.say("/helped", custom_has("feedback", "helped"))

    events = Path(chat.stack.extra_env["TRACKER_SQLITE_PATH"]).with_name("events.db")
    store = InsightsStore.open(tmp_path / "insights.sqlite")
    store.load(sql.open_database(events))
    judged = store.outcomes()
    kinds = {q.conversation: judged[q.id] for q in store.questions()}
    assert {sender: kinds.get(sender) for sender in seeded} == {
        f"helped-{run}": "confirmed",
        f"potential-{run}": "potential",
        f"not-helped-{run}": "not_deflected",
        f"unresolved-{run}": "unresolved",
        f"ticket-{run}": "not_deflected",
    }
    [staff] = [q for q in store.questions() if q.user == f"insights-{run}"]
    assert (staff.tenant, staff.channel, staff.feedback) == ("riverside", "webchat", "helped")
    assert staff.text == "My name is [name] [name] and I forgot my password"  # kept only redacted
    [ticket] = [t for t in store.tickets() if t.conversation == f"ticket-{run}"]
    assert ticket.ref == replies[f"ticket-{run}"][-1]["ticket_ref"] and ticket.question_id is not None


def test_a_known_incidents_card_and_its_buttons_are_counted_once_each(
    chat: Chat, portal_down: str, tmp_path: Path
) -> None:
    asked, run = "the planning portal wont load for me", uuid.uuid4().hex[:8]

    def staff(who: str) -> WidgetClient:
        return WidgetClient(chat.stack.rasa_url, chat.widget_token(who, email=f"{who}@riverside.example"))

    with staff(f"pat-{run}") as pat, staff(f"jo-{run}") as jo:
        pat.say(asked, custom_has("flow", "known_incident"))
        affected = replies.incident_payload("affected", portal_down)
        pat.say(affected, custom_has("flow", "incident_affected"))
        pat.say(affected, custom_has("flow", "incident_affected"))  # a repeat press: still one person
        pat.say(replies.incident_payload("subscribe", portal_down), custom_has("flow", "incident_subscribed"))
        jo.say(asked, custom_has("flow", "known_incident"))
        jo.say(replies.incident_payload("different", portal_down), lambda m: "decision" in (m.get("custom") or {}))

    events = Path(chat.stack.extra_env["TRACKER_SQLITE_PATH"]).with_name("events.db")
    store = InsightsStore.open(tmp_path / "insights.sqlite")
    store.load(sql.open_database(events))
    [met] = [row for row in store.incidents() if row.incident_id == portal_down]
    assert met == IncidentFigures(portal_down, "riverside", shown=2, affected=1, subscribed=1, different=1, avoided=1)
    [question] = [q for q in store.questions() if q.user == f"jo-{run}"]
    assert question.decision in ("answer", "clarify", "escalate", "elsewhere")  # answered as asked, after the card
