"""Run the actions as rasa-sdk would, with a small index (fake embedder) and a real local desk,
handed their services the way bot/action_server.py hands them the configured ones."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import all_actions
from actions.answer import ActionAnswerQuestion, ActionShowArticle
from actions.tickets import (
    CHASE_NOTE,
    ActionAddComment,
    ActionAskTicketConfirmed,
    ActionCreateTicket,
    ActionDropTicket,
    ActionOfferTicket,
    ActionStartAgain,
    ActionStartTicket,
    ActionTellTicketNews,
    ActionTicketStatus,
    ValidateTicketForm,
)
from bot.contacts import Contacts
from bot.identity import IdentitySeal
from bot.knowledge import KnowledgeBase
from bot.paths import KNOWLEDGE_BASE_DIR
from bot.servicedesk import Requester, ServiceDeskUnavailable, TicketRequest
from bot.servicedesk.local import LocalServiceDesk
from bot.servicedesk.outbox import DELIVERED, PENDING, Outbox
from bot.servicedesk.tickets import TicketService
from bot.servicedesk.triage import Router
from bot.servicedesk.worker import OutboxWorker, RetryPolicy
from bot.services import Services

SEAL = IdentitySeal("k" * 40)  # the key the Rasa server's channels would share
ROUTER = Router.load(KNOWLEDGE_BASE_DIR / "routing.yml")
CONTACTS = Contacts.load(KNOWLEDGE_BASE_DIR / "contacts.yml")
TEAM = "your council's HR team"  # contacts.yml's shared HR contact, for staff of no known council


def services_for(
    kb: KnowledgeBase, desk: LocalServiceDesk, outbox: Outbox, worker: OutboxWorker | None = None, wait: float = 4.0
) -> Services:
    return Services(kb, TicketService(desk, outbox, ROUTER, kb, wait, worker), SEAL, CONTACTS)


@pytest.fixture
def services(kb: KnowledgeBase, desk: LocalServiceDesk, tmp_path: Path) -> Iterator[Services]:
    outbox = Outbox(tmp_path / "outbox.sqlite")
    worker = OutboxWorker(outbox, desk, RetryPolicy(base=0.01, cap=0.05, idle_poll=0.05)).start()
    yield services_for(kb, desk, outbox, worker)
    worker.stop()


def tracker(
    text: str,
    intent: str,
    events: list[dict[str, Any]] | None = None,
    slots: dict | None = None,
    entities: list[dict] | None = None,
    sender: str = "alice",
    channel: str = "rest",
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent}, "entities": entities or [], "metadata": metadata or {}}
    events = [
        *(events or []),
        {"event": "user", "text": text, "timestamp": 5.0, "parse_data": latest, "input_channel": channel},
    ]
    return Tracker(sender, slots or {}, latest, events, False, None, {}, "action_listen")


def run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages, events


def customs(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m["custom"] for m in messages if m.get("custom")]


@pytest.mark.parametrize(
    "text,custom,awaiting",
    [
        ("vpn not working", {"decision": "answer", "article_id": "vpn-connect"}, "feedback"),
        ("printer", {"decision": "clarify", "candidates": ["printing-follow-me", "printer-add"]}, None),
        ("my desk chair is broken", {"decision": "escalate", "flow": "ticket_offer"}, "ticket_offer"),
        ("😀", {"decision": "escalate", "flow": "ticket_offer"}, "ticket_offer"),
        ("book annual leave", {"decision": "elsewhere", "article_id": "hr-leave-and-absence", "team": TEAM}, None),
    ],
)
def test_answer_question_decides_and_says_so_in_custom(
    services: Services, text: str, custom: dict, awaiting: str | None
) -> None:
    messages, events = run(ActionAnswerQuestion(services), tracker(text, "ask_question"))
    assert customs(messages) == [custom]
    assert {"event": "slot", "name": "awaiting", "value": awaiting, "timestamp": None} in events


def test_an_answer_ends_the_turn_without_a_second_prediction_but_not_inside_the_ticket_form(
    services: Services,
) -> None:
    listen = {"event": "followup", "name": "action_listen", "timestamp": None}
    _, events = run(ActionAnswerQuestion(services), tracker("vpn not working", "ask_question"))
    assert events[-1] == listen
    in_form = tracker("don't know", "skip_detail")
    in_form.active_loop = {"name": "ticket_form"}  # its loop asks the next detail after the search
    _, events = run(ActionAnswerQuestion(services), in_form)
    assert listen not in events


def test_a_question_the_desk_does_not_handle_says_where_to_go_and_offers_no_ticket(services: Services) -> None:
    messages, _ = run(ActionAnswerQuestion(services), tracker("book annual leave", "ask_question"))
    [message] = messages
    assert message["text"].startswith("Book annual leave in the HR portal.")
    assert "ticket" not in message["text"].lower() and not message["buttons"]


@pytest.mark.parametrize(
    "channel,verified,sealed_by,decision",
    [
        ("webchat", {"id": "pat", "email": "pat@riverside.example"}, SEAL, "answer"),
        ("teams", {"id": "aad-1", "aad_tenant_id": "6f1b8c2e-0d4a-4b7e-9a51-3c2d1e0f4a02"}, SEAL, "answer"),
        ("webchat", {"id": "sam", "email": "sam@northbrook.example"}, SEAL, "escalate"),
        # what a client says about itself is not believed, whichever channel it names
        ("rest", {"id": "pat", "email": "pat@riverside.example"}, None, "escalate"),
        ("webchat", {"id": "pat", "email": "pat@riverside.example"}, None, "escalate"),
        ("webchat", {"id": "pat", "email": "pat@riverside.example"}, IdentitySeal("x" * 40), "escalate"),
    ],
)
def test_a_councils_own_article_reaches_only_its_verified_staff(
    services: Services, channel: str, verified: dict, sealed_by: IdentitySeal | None, decision: str
) -> None:
    metadata = (
        sealed_by.metadata(channel, "alice", verified)
        if sealed_by
        else {"askit_identity": {"channel": channel, "identity": verified, "mac": "0" * 64}}
    )
    t = tracker("walk in desk opening hours", "ask_question", channel=channel, metadata=metadata)
    messages, _ = run(ActionAnswerQuestion(services), t)
    assert customs(messages)[0]["decision"] == decision


@pytest.mark.parametrize(
    "verified,shown",
    [
        ({"id": "pat", "email": "pat@riverside.example"}, True),
        ({"id": "sam", "email": "sam@northbrook.example"}, False),
    ],
)
def test_a_typed_button_payload_cannot_show_another_councils_article(
    services: Services, verified: dict, shown: bool
) -> None:
    """Finding 6: ``/choose_article{"article_id":"walk-in-riverside"}`` from Northbrook showed Riverside's article."""
    entities = [{"entity": "article_id", "value": "walk-in-riverside"}]
    metadata = SEAL.metadata("webchat", "alice", verified)
    t = tracker("/choose_article", "choose_article", entities=entities, channel="webchat", metadata=metadata)
    messages, _ = run(ActionShowArticle(services), t)
    if shown:
        assert customs(messages) == [{"decision": "answer", "article_id": "walk-in-riverside"}]
    else:
        assert customs(messages)[0]["flow"] == "ticket_offer" and "Riverside" not in str(messages)


def test_a_chosen_article_is_shown_and_an_unknown_one_offers_a_ticket(services: Services) -> None:
    messages, _ = run(
        ActionShowArticle(services),
        tracker("/choose_article", "choose_article", entities=[{"entity": "article_id", "value": "printer-add"}]),
    )
    assert customs(messages) == [{"decision": "answer", "article_id": "printer-add"}]
    messages, _ = run(
        ActionShowArticle(services),
        tracker("/choose_article", "choose_article", entities=[{"entity": "article_id", "value": "gone"}]),
    )
    assert customs(messages)[0]["flow"] == "ticket_offer"


def test_create_ticket_holds_transcript_triage_and_tells_the_reference(
    services: Services, desk: LocalServiceDesk
) -> None:
    history = [
        {
            "event": "user",
            "text": "vpn not working",
            "timestamp": 1.0,
            "parse_data": {"intent": {"name": "ask_question"}},
        },
        {
            "event": "bot",
            "text": "VPN will not connect ...",
            "timestamp": 2.0,
            "data": {"custom": {"decision": "answer", "article_id": "vpn-connect"}},
        },
        {
            "event": "user",
            "text": "that didn't help",
            "timestamp": 3.0,
            "parse_data": {"intent": {"name": "not_helped"}},
        },
    ]
    t = tracker("yes", "affirm", history, slots={"ticket_summary": "vpn not working", "last_article_id": "vpn-connect"})
    messages, _ = run(ActionCreateTicket(services), t)
    assert customs(messages) == [
        {
            "flow": "ticket_created",
            "ticket_ref": "LOC-000001",
            "major_incident": False,
            "priority": "P2",
            "group": "network",
            "response_time": "within 4 working hours",
        }
    ]
    # what happens next: the team, and the response time contacts.yml promises for a P2
    assert (
        "with the Network team as priority P2, so expect someone to pick it up within 4 working hours"
        in (messages[0]["text"])
    )
    [ticket] = desk.all_tickets()
    assert (ticket["summary"], ticket["priority"], ticket["resolver_group"], ticket["category"]) == (
        "vpn not working",
        "P2",
        "network",
        "connectivity",
    )
    assert ticket["requester_id"] == "rest:alice"
    assert "User: that didn't help" in ticket["description"]
    assert "VPN will not connect (vpn-connect): the user said it did not help" in ticket["description"]
    run(ActionCreateTicket(services), t)  # the same turn again (a retry) must not make a second ticket
    assert len(desk.all_tickets()) == 1


def test_ticket_status_only_shows_the_requesters_own_tickets(services: Services, desk: LocalServiceDesk) -> None:
    def raise_for(requester: str, cid: str) -> str:
        return desk.create_ticket(
            TicketRequest("Printer jammed", "d", Requester(requester), "printing", "P4", "service-desk", cid)
        ).ref

    mine, theirs = raise_for("rest:alice", "a"), raise_for("rest:bob", "b")
    messages, _ = run(ActionTicketStatus(services), tracker(f"what's happening with {mine}", "ticket_status"))
    assert customs(messages) == [{"flow": "ticket_status", "tickets": [mine], "ticket_ref": mine}]
    messages, _ = run(ActionTicketStatus(services), tracker(f"what's happening with {theirs}", "ticket_status"))
    assert customs(messages) == [{"flow": "ticket_status", "tickets": []}]
    assert "can't find a ticket" in messages[0]["text"]
    messages, _ = run(ActionTicketStatus(services), tracker("show my open tickets", "ticket_status"))
    assert customs(messages)[0]["tickets"] == [mine]
    assert not any(t["comments"] for t in desk.all_tickets())  # asking is not chasing


def test_chasing_adds_a_note_to_the_requesters_only_open_ticket_and_raises_none(
    services: Services, desk: LocalServiceDesk
) -> None:
    def raise_for(requester: str, cid: str) -> str:
        return desk.create_ticket(
            TicketRequest("Printer jammed", "d", Requester(requester), "printing", "P4", "service-desk", cid)
        ).ref

    messages, _ = run(ActionTicketStatus(services), tracker("can you chase it up", "ticket_status"))
    assert customs(messages) == [{"flow": "ticket_comment", "missing": "ticket", "tickets": []}]  # none to chase
    mine, theirs = raise_for("rest:alice", "a"), raise_for("rest:bob", "b")
    messages, events = run(ActionTicketStatus(services), tracker("can you chase it up", "ticket_status"))
    assert customs(messages) == [{"flow": "ticket_status", "tickets": [mine], "ticket_ref": mine, "chased": True}]
    assert messages[0]["text"].startswith(f"I've chased {mine} with the service desk")
    by_ref = {t["ref"]: t for t in desk.all_tickets()}
    assert [c["body"] for c in by_ref[mine]["comments"]] == [CHASE_NOTE] and not by_ref[theirs]["comments"]
    assert len(by_ref) == 2 and {"event": "slot", "name": "ticket_ref", "value": mine, "timestamp": None} in events
    messages, _ = run(ActionTicketStatus(services), tracker(f"chase {theirs} please", "ticket_status"))
    assert customs(messages) == [{"flow": "ticket_status", "tickets": []}]  # not theirs: nothing said about it
    assert not {t["ref"]: t for t in desk.all_tickets()}[theirs]["comments"]


class DownDesk(LocalServiceDesk):
    """A desk whose every call fails as an unreachable one does, until it is brought back."""

    down = True

    def create_ticket(self, request: TicketRequest) -> Any:
        if self.down:
            raise ServiceDeskUnavailable("connection refused")
        return super().create_ticket(request)

    def list_open(self, requester: Requester) -> Any:
        if self.down:
            raise ServiceDeskUnavailable("connection refused")
        return super().list_open(requester)


def test_a_desk_that_is_down_delays_the_ticket_and_the_user_hears_when_it_lands(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    down = DownDesk(tmp_path / "down.sqlite")
    outbox = Outbox(tmp_path / "outbox-down.sqlite")
    services = services_for(kb, down, outbox, wait=0.3)  # no worker: delivery is driven by hand below
    messages, events = run(ActionCreateTicket(services), tracker("yes", "affirm", slots={"ticket_summary": "vpn down"}))
    [recorded] = outbox.entries()
    assert customs(messages) == [
        {
            "flow": "ticket_recorded",
            "receipt": recorded.receipt,
            "major_incident": False,
            "priority": "P3",
            "group": "network",
            "response_time": "within 1 working day",
        }
    ]
    assert recorded.receipt in messages[0]["text"] and recorded.state == PENDING
    assert {"event": "slot", "name": "ticket_ref", "value": recorded.receipt, "timestamp": None} in events
    messages, _ = run(
        ActionTicketStatus(services), tracker(f"what's happening with {recorded.receipt}", "ticket_status")
    )
    assert "waiting to reach the service desk" in messages[0]["text"]
    messages, _ = run(ActionTicketStatus(services), tracker("show my open tickets", "ticket_status"))
    assert customs(messages) == [{"error": "service_desk_unavailable", "desk": {"phone": "01632 960000", "open": ANY}}]

    down.down = False
    OutboxWorker(outbox, down).deliver_due()
    messages, _ = run(ActionTicketStatus(services), tracker("show my open tickets", "ticket_status"))
    assert customs(messages)[0] == {"flow": "ticket_created", "receipt": recorded.receipt, "ticket_ref": "LOC-000001"}
    assert customs(messages)[1]["tickets"] == ["LOC-000001"]
    assert outbox.counts() == {DELIVERED: 1} and len(down.all_tickets()) == 1


def test_an_outbox_that_cannot_be_written_gets_the_user_a_clear_reply(
    kb: KnowledgeBase, desk: LocalServiceDesk, tmp_path: Path
) -> None:
    outbox = Outbox(tmp_path / "outbox-ro.sqlite")
    (tmp_path / "outbox-ro.sqlite").unlink()
    (tmp_path / "outbox-ro.sqlite").mkdir()  # a directory where the database file should be
    services = services_for(kb, desk, outbox)
    messages, events = run(ActionCreateTicket(services), tracker("yes", "affirm", slots={"ticket_summary": "vpn down"}))
    assert customs(messages) == [{"error": "service_desk_unavailable"}]
    assert "no ticket was raised" in messages[0]["text"] and "01632 960000" in messages[0]["text"]
    assert not any(e.get("name") == "ticket_ref" for e in events)


def test_news_is_pushed_only_where_the_channel_can_send_later(
    kb: KnowledgeBase, desk: LocalServiceDesk, tmp_path: Path
) -> None:
    outbox = Outbox(tmp_path / "outbox-news.sqlite")
    services = services_for(kb, desk, outbox)
    entry = outbox.submit(
        TicketRequest("Printer jammed", "d", Requester("rest:alice"), "printing", "P4", "service-desk", "n1"),
        "alice",
        "rest",
    )
    OutboxWorker(outbox, desk).deliver_due()
    messages, _ = run(
        ActionTellTicketNews(services), tracker("EXTERNAL: EXTERNAL_ticket_update", "EXTERNAL_ticket_update")
    )
    assert messages == [] and outbox.untold(entry.correlation_id)  # REST cannot show it: kept for the next turn
    messages, _ = run(ActionAnswerQuestion(services), tracker("vpn not working", "ask_question"))
    assert customs(messages)[0] == {"flow": "ticket_created", "receipt": entry.receipt, "ticket_ref": "LOC-000001"}
    assert not outbox.untold(entry.correlation_id)


def test_a_live_chat_s_ticket_is_told_as_the_chat_s_record_without_a_receipt(
    kb: KnowledgeBase, desk: LocalServiceDesk, tmp_path: Path
) -> None:
    outbox = Outbox(tmp_path / "outbox-chat.sqlite")
    services = services_for(kb, desk, outbox)
    request = TicketRequest("Live chat: vpn", "d", Requester("sam"), "network", "P4", "service-desk", "handoff-ab12")
    outbox.submit(request, "alice", "webchat")
    OutboxWorker(outbox, desk).deliver_due()
    news = tracker("EXTERNAL: EXTERNAL_ticket_update", "EXTERNAL_ticket_update", channel="webchat")
    messages, _ = run(ActionTellTicketNews(services), news)
    [told] = messages
    assert told["text"] == "The service desk has logged your chat with them as ticket **LOC-000001**."
    assert customs(messages) == [{"flow": "handoff_logged", "ticket_ref": "LOC-000001"}]


def test_a_problem_misread_as_add_to_ticket_is_answered_as_a_question(services: Services) -> None:
    messages, _ = run(ActionAddComment(services), tracker("vpn not working", "add_to_ticket"))
    assert customs(messages) == [{"decision": "answer", "article_id": "vpn-connect"}]
    messages, _ = run(ActionAddComment(services), tracker("add some info to my ticket", "add_to_ticket"))
    assert customs(messages) == [{"flow": "ticket_comment", "missing": "text", "tickets": []}]


def test_every_action_the_domain_lists_is_registered(services: Services) -> None:
    import yaml

    domain = yaml.safe_load((KNOWLEDGE_BASE_DIR.parent / "domain.yml").read_text(encoding="utf-8"))
    assert sorted(a.name() for a in all_actions(services)) == sorted(domain["actions"])


def southmere(text: str, intent: str, events: list[dict[str, Any]] | None = None) -> Tracker:
    """A message from a member of Southmere's staff, signed in through the widget."""
    metadata = SEAL.metadata("webchat", "alice", {"id": "sam", "email": "sam@southmere.example"})
    return tracker(text, intent, events, channel="webchat", metadata=metadata)


def said_by_bot(**custom: Any) -> dict[str, Any]:
    return {"event": "bot", "text": "...", "timestamp": 1.0, "data": {"custom": custom}}


def test_asking_for_a_person_gives_the_councils_phone_line_then_offers_a_ticket(services: Services) -> None:
    messages, events = run(ActionOfferTicket(services), southmere("can I talk to a real person", "request_human"))
    [message] = messages
    open_now = CONTACTS.desk("southmere").at(dt.datetime.now(dt.timezone.utc)).open
    assert message["custom"] == {
        "flow": "ticket_offer",
        "reason": "human",
        "desk": {"phone": "01632 960401", "open": open_now},  # Southmere's own number into the desk
    }
    assert "**01632 960401**" in message["text"] and ("open now" in message["text"]) is open_now
    assert [b["title"] for b in message["buttons"]] == ["Yes, raise a ticket", "No ticket"]
    assert {"event": "slot", "name": "awaiting", "value": "ticket_offer", "timestamp": None} in events


@pytest.mark.parametrize(
    "text,history",
    [
        ("no i dont want a ticket... is there a phone number??", []),
        ("can i speak to someone", [said_by_bot(flow="ticket_declined")]),  # said no to a ticket earlier
    ],
)
def test_a_person_who_does_not_want_a_ticket_is_not_offered_one_again(
    services: Services, text: str, history: list[dict[str, Any]]
) -> None:
    messages, events = run(ActionOfferTicket(services), southmere(text, "request_human", history))
    assert customs(messages)[0]["flow"] == "contact" and not messages[0]["buttons"]
    assert "01632 960401" in messages[0]["text"] and "ticket" not in messages[0]["text"]
    assert {"event": "slot", "name": "awaiting", "value": None, "timestamp": None} in events


@pytest.mark.parametrize(
    "text,intent,history,custom",
    [
        # nothing tried yet: a vague first message gets one question, never "that didn't sort it"
        ("it's broken", "not_helped", [], {"decision": "narrow"}),  # whatever the NLU made of it
        ("help", "vague", [], {"decision": "narrow"}),  # as bot/nlu/rule_intents.py marks it
        ("not working!!", "ask_question", [], {"decision": "narrow"}),
        # nothing tried yet, but it says what: it is searched
        ("vpn not working", "not_helped", [], {"decision": "answer", "article_id": "vpn-connect"}),
        # asked once already: not asked again, but searched (None: whatever the search decides)
        ("still broken", "ask_question", [said_by_bot(decision="narrow")], None),
        # an article was tried: vague now means it did not help
        (
            "still broken",
            "ask_question",
            [said_by_bot(decision="answer", article_id="vpn-connect")],
            {"flow": "ticket_offer", "reason": "not_helped"},
        ),
    ],
)
def test_a_vague_message_gets_one_narrowing_question_before_anything_is_tried(
    services: Services, text: str, intent: str, history: list[dict[str, Any]], custom: dict[str, Any] | None
) -> None:
    action = (
        ActionOfferTicket(services) if intent in ("not_helped", "request_human") else ActionAnswerQuestion(services)
    )
    messages, _ = run(action, tracker(text, intent, history))
    if custom is None:
        [searched] = customs(messages)
        assert searched["decision"] in ("answer", "clarify", "escalate")
        return
    assert customs(messages) == [custom]
    if custom.get("decision") == "narrow":
        assert len(messages[0]["buttons"]) >= 5 and "ticket" not in messages[0]["text"].lower()


def test_a_question_for_hr_names_the_councils_own_team(services: Services) -> None:
    messages, _ = run(ActionAnswerQuestion(services), southmere("book annual leave", "ask_question"))
    assert customs(messages) == [
        {"decision": "elsewhere", "article_id": "hr-leave-and-absence", "team": "Southmere HR and Payroll"}
    ]
    assert (
        "**Who to contact:** Southmere HR and Payroll, 01632 960410, https://intranet.southmere.example/hr"
        in (messages[0]["text"])
    )


def test_declining_a_ticket_gives_the_phone_line_instead(services: Services) -> None:
    messages, events = run(ActionDropTicket(services), southmere("no", "deny"))
    assert customs(messages) == [{"flow": "ticket_declined", "desk": {"phone": "01632 960401", "open": ANY}}]
    assert messages[0]["text"].startswith("OK, I won't raise a ticket.")
    assert {"event": "slot", "name": "ticket_summary", "value": None, "timestamp": None} in events


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value, "timestamp": None}


def asked(text: str, at: float = 1.0, intent: str = "ask_question") -> dict[str, Any]:
    return {"event": "user", "text": text, "timestamp": at, "parse_data": {"intent": {"name": intent}}}


def test_articles_that_differ_by_device_only_are_told_apart_by_asking_which_device(services: Services) -> None:
    messages, _ = run(ActionAnswerQuestion(services), tracker("email", "ask_question"))
    [custom] = customs(messages)
    assert (custom["decision"], sorted(custom["candidates"]), custom["facet"]) == (
        "clarify",
        ["mobile-email", "outlook-desktop"],
        "device",
    )
    assert messages[0]["text"] == "Which device is it on?"
    labels = {"mobile-email": "Phone or tablet", "outlook-desktop": "Laptop or PC"}  # in the candidates' order
    assert [b["title"] for b in messages[0]["buttons"]] == [*(labels[c] for c in custom["candidates"]), "None of these"]


def test_a_typed_device_answers_which_device(services: Services) -> None:
    question = said_by_bot(decision="clarify", candidates=["mobile-email", "outlook-desktop"], facet="device")
    t = tracker("its my iphone", "ask_question", [asked("email"), question], slots={"thread": "email"})
    messages, events = run(ActionAnswerQuestion(services), t)
    assert customs(messages) == [{"decision": "answer", "article_id": "mobile-email"}]
    assert slot("thread", "email") in events


@pytest.mark.parametrize(
    "history,text,answered,thread",
    [
        # right after an answer: the refinement is searched with the question, the other device left out
        (
            [asked("email on my phone"), said_by_bot(decision="answer", article_id="mobile-email")],
            "its on my laptop not my phone",
            "outlook-desktop",
            "email on my; its on my laptop not my phone",
        ),
        # after "glad that helped" the thread has ended: the message is a question of its own
        (
            [asked("printer not found"), said_by_bot(decision="answer", article_id="printer-add"), said_by_bot()],
            "on my laptop",
            "outlook-desktop",
            "on my laptop",
        ),
        # a message with words of its own is a new question, not a refinement
        (
            [asked("email on my phone"), said_by_bot(decision="answer", article_id="mobile-email")],
            "printer not found",
            "printer-add",
            "printer not found",
        ),
    ],
)
def test_a_follow_up_keeps_the_thread_only_when_it_refines_the_last_question(
    services: Services, history: list[dict[str, Any]], text: str, answered: str, thread: str
) -> None:
    previous = next(e["text"] for e in history if e["event"] == "user")
    t = tracker(text, "ask_question", history, slots={"thread": previous})
    messages, events = run(ActionAnswerQuestion(services), t)
    assert customs(messages) == [{"decision": "answer", "article_id": answered}]
    assert slot("thread", thread) in events


def test_a_ticket_asks_only_for_the_details_the_desk_needs_that_were_not_said(services: Services) -> None:
    history = [
        asked("email on my laptop, asset number AT-40921"),
        said_by_bot(decision="answer", article_id="outlook-desktop"),
        asked("that didn't help", intent="not_helped"),
    ]
    slots = {"last_article_id": "outlook-desktop", "thread": "email on my laptop, asset number AT-40921"}
    _, events = run(ActionStartTicket(services), tracker("yes", "affirm", history, slots=slots))
    assert slot("ticket_asks", ["error_text", "contact_number"]) in events  # the asset number was given
    assert slot("ticket_summary", "email on my laptop, asset number AT-40921") in events
    form = tracker("yes", "affirm", history, slots={**slots, "ticket_asks": ["error_text", "contact_number"]})
    required = asyncio.run(
        ValidateTicketForm().required_slots(
            ["ticket_summary", "ticket_confirmed", "ticket_asset_tag", "ticket_error_text", "ticket_impact"],
            CollectingDispatcher(),
            form,
            {},
        )
    )
    assert required == ["ticket_summary", "ticket_confirmed", "ticket_error_text", "ticket_contact_number"]


def test_the_details_given_reach_the_ticket_and_the_confirmation_says_how_they_will_hear(
    services: Services, desk: LocalServiceDesk
) -> None:
    slots = {
        "ticket_summary": "outlook will not open",
        "last_article_id": "outlook-desktop",
        "ticket_error_text": "We couldn't connect to the server",
        "ticket_asset_tag": "not known",
        "ticket_contact_number": "07700 900123",
    }
    messages, events = run(ActionCreateTicket(services), tracker("not sure", "skip_detail", slots=slots))
    [ticket] = desk.all_tickets()
    assert "- Error message: We couldn't connect to the server" in ticket["description"]
    assert "- Asset number: not known" in ticket["description"]
    assert "- Contact number: 07700 900123" in ticket["description"]
    assert "They'll call you on 07700 900123" in messages[0]["text"]
    assert slot("ticket_error_text", None) in events and slot("ticket_asks", None) in events


@pytest.mark.parametrize(
    "summary,typed,step",
    [
        ("printer not found", "printer not found", "start_again"),  # another article answers it
        ("vpn not working at all", "vpn not working at all", "confirm_summary"),  # the article that failed
        ("printer not found", "yes", "confirm_summary"),  # drafted from the question, not typed now
    ],
    ids=["new problem", "the same problem", "drafted"],
)
def test_a_new_problem_typed_as_the_summary_asks_to_start_again(
    services: Services, summary: str, typed: str, step: str
) -> None:
    slots = {"ticket_summary": summary, "last_article_id": "vpn-connect", "thread": "vpn not working"}
    messages, events = run(ActionAskTicketConfirmed(services), tracker(typed, "ask_question", slots=slots))
    assert customs(messages)[0]["step"] == step
    if step == "start_again":  # raised anyway, the ticket is about the new problem
        assert slot("thread", summary) in events and slot("last_article_id", None) in events
        assert '"Add a printer"' in messages[0]["text"]
        assert [b["payload"] for b in messages[0]["buttons"]] == ["/start_again", "/affirm", "/deny"]


def test_a_summary_typed_with_no_problem_before_it_is_the_problem(services: Services) -> None:
    """ "raise a ticket", then "printer not found": that is what the ticket is about, not a new problem."""
    slots = {"ticket_summary": "printer not found"}
    messages, _ = run(ActionAskTicketConfirmed(services), tracker("printer not found", "ask_question", slots=slots))
    assert customs(messages)[0]["step"] == "confirm_summary"


def test_starting_again_answers_the_new_problem_and_raises_nothing(services: Services, desk: LocalServiceDesk) -> None:
    slots = {"ticket_summary": "printer not found", "last_article_id": "vpn-connect", "ticket_confirmed": None}
    messages, events = run(ActionStartAgain(services), tracker("/start_again", "start_again", slots=slots))
    assert customs(messages) == [{"decision": "answer", "article_id": "printer-add"}]
    assert slot("ticket_summary", None) in events and slot("thread", "printer not found") in events
    assert desk.all_tickets() == []


def test_status_of_a_ticket_askit_raised_names_its_team_and_last_update(services: Services) -> None:
    slots = {"ticket_summary": "vpn not working", "last_article_id": "vpn-connect"}
    run(ActionCreateTicket(services), tracker("yes", "affirm", [asked("vpn not working")], slots=slots))
    messages, _ = run(ActionTicketStatus(services), tracker("any update on my ticket?", "ticket_status"))
    [line] = messages[0]["text"].splitlines()[1:]
    assert line.startswith('- LOC-000001: open, "vpn not working" (with the Network team; last updated ')


def test_status_gives_the_desks_latest_public_reply_to_the_one_ticket_asked_about(
    services: Services, desk: LocalServiceDesk
) -> None:
    slots = {"ticket_summary": "vpn not working", "last_article_id": "vpn-connect"}
    run(ActionCreateTicket(services), tracker("yes", "affirm", [asked("vpn not working")], slots=slots))
    desk.reply("LOC-000001", "We have reset your VPN profile: please restart your laptop.")
    desk.add_comment("LOC-000001", "still the same")  # the requester's own words are not the desk's reply
    for text in ("any update?", "what's happening with LOC-000001"):
        messages, _ = run(ActionTicketStatus(services), tracker(text, "ticket_status"))
        assert "Latest from the service desk (" in messages[0]["text"]
        assert '"We have reset your VPN profile: please restart your laptop."' in messages[0]["text"]
