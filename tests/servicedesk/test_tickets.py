"""The ticket service without Rasa: a conversation's events in, a ticket request, the user's own
tickets and where a comment goes out. A real local desk and outbox; articles from a dict."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from bot.knowledge import Escalation
from bot.knowledge.articles import Article
from bot.knowledge.errors import KnowledgeError
from bot.paths import KNOWLEDGE_BASE_DIR
from bot.requester import Requester
from bot.servicedesk import RateLimited, TicketNotFound, TicketRequest
from bot.servicedesk.local import LocalServiceDesk
from bot.servicedesk.outbox import Outbox
from bot.servicedesk.tickets import (
    FALLBACK_SUMMARY,
    WAITING,
    Said,
    TicketService,
    asks_impact,
    impact_levels,
    impact_slot_value,
)
from bot.servicedesk.triage import Router
from bot.servicedesk.worker import OutboxWorker
from tests.fakes import make_article

ALICE = Requester("rest:alice", "alice@riverside.example", tenant="riverside")
VPN = make_article("vpn-connect", title="VPN will not connect", category="connectivity",
                   escalation=Escalation("network", "P2"))  # fmt: skip


class Articles:
    def __init__(self, articles: Mapping[str, Article], down: bool = False) -> None:
        self.articles, self.down = articles, down

    def article(self, article_id: str, tenant: str | None = None) -> Article | None:
        if self.down:
            raise KnowledgeError("index unreadable")
        return self.articles.get(article_id)


def user(text: str, intent: str = "ask_question", at: float = 1.0) -> dict[str, Any]:
    return {"event": "user", "text": text, "timestamp": at, "parse_data": {"intent": {"name": intent}}}


def answered(article_id: str, at: float = 2.0) -> dict[str, Any]:
    return {
        "event": "bot",
        "text": "...",
        "timestamp": at,
        "data": {"custom": {"decision": "answer", "article_id": article_id}},
    }


@pytest.fixture
def desk(tmp_path: Path) -> LocalServiceDesk:
    return LocalServiceDesk(tmp_path / "desk.sqlite")


@pytest.fixture
def service(desk: LocalServiceDesk, tmp_path: Path) -> TicketService:
    router = Router.load(KNOWLEDGE_BASE_DIR / "routing.yml")
    return TicketService(desk, Outbox(tmp_path / "outbox.sqlite"), router, Articles({"vpn-connect": VPN}), 0.3)


def said(*events: dict[str, Any], **slots: Any) -> Said:
    return Said("alice", "rest", list(events), ALICE, **slots)


def test_a_request_carries_the_transcript_the_articles_tried_and_the_articles_routing(service: TicketService) -> None:
    events = [user("vpn not working"), answered("vpn-connect"), user("that didn't help", "not_helped", 3.0)]
    request = service.request(said(*events, last_article_id="vpn-connect"))
    assert (request.summary, request.category, request.priority, request.resolver_group) == (
        "vpn not working", "connectivity", "P2", "network",
    )  # fmt: skip
    assert "VPN will not connect (vpn-connect): the user said it did not help" in request.description
    assert request.requester == ALICE
    assert request.correlation_id == service.request(said(*events, last_article_id="vpn-connect")).correlation_id


def test_triage_reads_the_problem_in_hand_not_every_question_asked(service: TicketService) -> None:
    """The VPN was asked about first; the ticket is about the monitor typed as its summary."""
    events = [user("vpn not working"), answered("vpn-connect"), user("my monitor flickers", "ask_question", 3.0)]
    mixed = service.request(said(*events, summary="my monitor flickers"))
    in_hand = service.request(said(*events, summary="my monitor flickers", thread="my monitor flickers"))
    assert mixed.resolver_group == "network"  # "vpn" in the conversation wins without the thread
    assert in_hand.resolver_group != "network"


def test_a_request_without_a_question_gets_a_plain_summary_and_typed_secrets_are_redacted(
    service: TicketService,
) -> None:
    assert service.request(said(user("yes", "affirm"))).summary == FALLBACK_SUMMARY
    request = service.request(said(user("x"), summary="locked out, my password is Hunter2!"))
    assert "Hunter2" not in request.summary


def test_a_knowledge_base_that_is_down_still_lets_the_ticket_go(desk: LocalServiceDesk, tmp_path: Path) -> None:
    down = TicketService(desk, Outbox(tmp_path / "o.sqlite"), Router(), Articles({}, down=True), 0.1)
    request = down.request(said(user("vpn not working"), answered("vpn-connect"), last_article_id="vpn-connect"))
    assert request.summary == "vpn not working" and "vpn-connect" in request.description


@pytest.mark.parametrize(
    "slot,levels",
    [("high/high", ("high", "high")), ("Just me, and I can't work", ("low", "high")), ("banana", (None, None)),
     (None, (None, None)), ("high/extreme", (None, None))],
)  # fmt: skip
def test_the_impact_slot_reads_validated_levels_or_the_users_words(
    slot: str | None, levels: tuple[str | None, str | None]
) -> None:
    assert impact_levels(slot) == levels


def test_the_impact_answer_is_kept_as_levels_and_asked_only_when_nothing_says() -> None:
    assert impact_slot_value("many people or a whole service") == "high/high"
    assert impact_slot_value("banana") is None
    assert asks_impact([user("the printer is odd")], None, None, None)
    assert not asks_impact([user("the printer is odd")], None, None, "printer-add")  # the article says
    assert not asks_impact([user("nobody in the building can log in")], None, None, None)  # the words say
    assert asks_impact([user("nobody in the building can log in")], None, "low/low", None)  # answered: validate


def test_own_tickets_are_only_the_requesters_with_waiting_requests_first(
    service: TicketService, desk: LocalServiceDesk
) -> None:
    def raise_for(requester: Requester, cid: str) -> str:
        request = TicketRequest("Printer jammed", "d", requester, "printing", "P4", "service-desk", cid)
        return desk.create_ticket(request).ref

    mine, theirs = raise_for(ALICE, "a"), raise_for(Requester("rest:bob"), "b")
    waiting = service.submit(service.request(said(user("monitor flickers"))), said())
    assert [t.ref for t in service.own_tickets("alice", ALICE, None)] == [waiting.receipt, mine]
    assert service.own_tickets("alice", ALICE, waiting.receipt)[0].status == WAITING
    assert service.own_tickets("alice", ALICE, theirs) == []
    assert service.own_tickets("bob", Requester("rest:bob"), waiting.receipt) == []  # another conversation's receipt
    assert service.own_tickets("alice", ALICE, "LOC-999999") == []


def test_a_comment_goes_to_the_named_ticket_or_the_only_open_one_and_never_to_anothers(
    service: TicketService, desk: LocalServiceDesk
) -> None:
    theirs = desk.create_ticket(TicketRequest("x", "d", Requester("rest:bob"), "c", "P4", "g", "b")).ref
    assert service.comment_target("alice", ALICE, None) == []  # nothing open: say so, with no list
    mine = desk.create_ticket(TicketRequest("y", "d", ALICE, "c", "P4", "g", "a")).ref
    assert service.comment_target("alice", ALICE, None) == mine
    with pytest.raises(TicketNotFound):
        service.comment_target("alice", ALICE, theirs)
    second = desk.create_ticket(TicketRequest("z", "d", ALICE, "c", "P4", "g", "c")).ref
    assert sorted(service.comment_target("alice", ALICE, None)) == [mine, second]
    service.add_comment(mine, "also my password is Hunter2!")
    assert "Hunter2" not in str(desk.get_status(mine)) + str(desk.all_tickets())


def test_the_turn_gets_the_desks_reference_when_the_worker_delivers_in_time(
    service: TicketService, desk: LocalServiceDesk
) -> None:
    service.worker = OutboxWorker(service.outbox, desk).start()
    try:
        raised = asyncio.run(service.raise_ticket(said(user("vpn not working"))))
    finally:
        service.worker.stop()
    assert (raised.ref, raised.delivered) == ("LOC-000001", True)
    assert not service.outbox.untold(service.outbox.entries()[0].correlation_id)  # told in the turn


def test_without_delivery_the_turn_gets_the_receipt_and_the_loop_is_never_held(service: TicketService) -> None:
    async def both() -> tuple[Any, list[float]]:
        ticks: list[float] = []

        async def ticker() -> None:
            while len(ticks) < 20:
                ticks.append(time.monotonic())
                await asyncio.sleep(0.01)

        raised, _ = await asyncio.gather(service.raise_ticket(said(user("vpn not working"))), ticker())
        return raised, ticks

    raised, ticks = asyncio.run(both())  # no worker: nothing delivers
    assert raised.ref.startswith("ASKIT-") and not raised.delivered
    # The other coroutine ran all along the 0.3 s wait: no gap longer than a few polls.
    assert max(b - a for a, b in itertools.pairwise(ticks)) < 0.2


class NoReplies(LocalServiceDesk):
    """A desk whose comment API is failing while its ticket API works."""

    def latest_reply(self, ref: str) -> None:
        raise RateLimited("slow down")


def test_status_is_shown_without_the_reply_when_the_desk_cannot_give_it(tmp_path: Path) -> None:
    desk = NoReplies(tmp_path / "desk.sqlite")
    service = TicketService(desk, Outbox(tmp_path / "outbox.sqlite"), Router(), Articles({}), 0.1)
    ref = desk.create_ticket(TicketRequest("Printer jammed", "d", ALICE, "printing", "P4", "service-desk", "c")).ref
    [own] = service.own_tickets("alice", ALICE, ref)
    assert (own.ref, own.status, own.reply) == (ref, "open", None)
