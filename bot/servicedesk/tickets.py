"""A user's tickets, without Rasa: the request a conversation becomes, raising it through the
outbox, the user's own tickets, and where "add to my ticket" goes.

The ticket actions (actions/tickets.py) read the tracker, call this, and say what it returns. Every
method but ``wait_for_delivery`` blocks (a desk call takes up to its timeout, an outbox write a
disk or database round trip): the actions run them off the event loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot import conversation
from bot.details import DETAILS, still_needed
from bot.knowledge.errors import KnowledgeError
from bot.priority import P3, is_major_incident, least_urgent
from bot.redaction import redact_typed_secrets
from bot.requester import Requester
from bot.servicedesk.base import ServiceDesk
from bot.servicedesk.errors import ServiceDeskError, TicketNotFound
from bot.servicedesk.impact import HIGH, LOW, MEDIUM, answer_levels, assess
from bot.servicedesk.models import DeskReply, TicketRequest, TicketStatus
from bot.servicedesk.outbox import DELIVERED, RECEIPT_PREFIX, Entry, Outbox
from bot.servicedesk.transcript import OfferedArticle, ticket_description
from bot.servicedesk.triage import ArticleRouting, Router
from bot.servicedesk.worker import OutboxWorker

logger = logging.getLogger(__name__)

WAITING = "recorded, waiting to reach the service desk"  # the status of a request the desk has not got yet
DELIVERY_POLL_SECONDS = 0.1
FALLBACK_SUMMARY = "Help requested"
LINKED_PRIORITY = P3  # at most, for a ticket about a known incident: its master ticket carries the urgency
Event = Mapping[str, Any]


class Escalation(Protocol):
    @property
    def group(self) -> str | None: ...
    @property
    def priority(self) -> str | None: ...
    @property
    def details(self) -> Sequence[str]: ...


class ArticleFacts(Protocol):
    """What a ticket needs of a knowledge-base article (bot.knowledge.Article has it)."""

    @property
    def title(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def escalation(self) -> Escalation | None: ...


class ArticleSource(Protocol):
    """Articles by id, as the requester's council may see them (bot.knowledge.KnowledgeBase)."""

    def article(self, article_id: str, tenant: str | None) -> ArticleFacts | None: ...


@dataclass(frozen=True)
class KnownIncident:
    """The known incident the user was shown and still wants a ticket about: the ticket is linked
    to it (its master ticket at the desk, ``desk_ref``) and is not triaged as a fresh incident."""

    incident_id: str
    title: str
    desk_ref: str | None

    def line(self) -> str:
        master = f"master ticket {self.desk_ref}, " if self.desk_ref else ""
        return (
            f"Linked to the known incident {self.title!r} ({master}AskIT {self.incident_id}): the user was told of it"
            " and still asked for a ticket of their own."
        )


@dataclass(frozen=True)
class Said:
    """The parts of a conversation a ticket is made from: the tracker's events and slots."""

    sender_id: str
    channel: str | None
    events: Sequence[Event]
    requester: Requester
    summary: str | None = None  # the ticket_summary slot
    impact: str | None = None  # the ticket_impact slot
    last_article_id: str | None = None
    details: Mapping[str, str] = field(default_factory=dict)  # detail name (bot/details.py) -> the answer
    thread: str | None = None  # the question the ticket is about, with its refinements (bot/followup.py)
    incident: KnownIncident | None = None  # the known incident the user was shown, if they still asked


@dataclass(frozen=True)
class Raised:
    """What to tell the user: the desk's reference once it has it, else the outbox's receipt, and
    where the ticket went (its priority and resolver group)."""

    ref: str
    url: str | None
    delivered: bool
    priority: str
    resolver_group: str

    @property
    def major_incident(self) -> bool:
        return is_major_incident(self.priority)


@dataclass(frozen=True)
class OwnTicket:
    ref: str
    status: str
    summary: str
    group: str | None = None  # the resolver group AskIT sent it to; None for tickets raised elsewhere
    updated_at: dt.datetime | None = None  # the desk's last change; None while it waits in the outbox
    desk_group: str | None = None  # the team the desk has it with now, in the desk's words, where it says
    reply: DeskReply | None = None  # the desk's newest public reply, for a ticket asked about on its own


def impact_levels(slot: str | None) -> tuple[str | None, str | None]:
    """(impact, urgency) from the ticket_impact slot: "impact/urgency" once validated, else the
    user's own words."""
    levels = (slot or "").split("/")
    if len(levels) == 2 and all(level in (HIGH, MEDIUM, LOW) for level in levels):
        return levels[0], levels[1]
    return answer_levels(slot) or (None, None)


def impact_slot_value(answer: str | None) -> str | None:
    """What the ticket_impact slot keeps of the user's answer to "how bad is it?"."""
    levels = answer_levels(answer)
    return "/".join(levels) if levels else None


def asks_impact(
    events: Sequence[Event], summary: str | None, impact_slot: str | None, last_article_id: str | None
) -> bool:
    """Ask "how bad is it?" only when neither an article nor the user's words say; once answered,
    keep asking for it so that the answer is validated."""
    if impact_slot is not None:
        return True
    return last_article_id is None and assess(conversation.problem_text(events, summary)).unclear


class TicketService:
    def __init__(
        self,
        desk: ServiceDesk,
        outbox: Outbox,
        router: Router,
        articles: ArticleSource,
        wait_seconds: float,
        worker: OutboxWorker | None = None,
    ) -> None:
        self.desk, self.outbox, self.router, self.articles = desk, outbox, router, articles
        self.wait_seconds = wait_seconds  # how long a turn waits for the desk's reference
        self.worker = worker  # this process's delivery worker; None where another process delivers

    # --- raising a ticket
    def request(self, said: Said) -> TicketRequest:
        events, tenant = said.events, said.requester.tenant
        summary = said.summary or conversation.draft_summary(events) or FALLBACK_SUMMARY
        offered, last = self._offered(events, tenant), self._article(said.last_article_id, tenant)
        impact, urgency = impact_levels(said.impact)
        escalation = last.escalation if last else None
        routing = ArticleRouting(last.category, escalation.group, escalation.priority) if last and escalation else None
        # triage reads the problem in hand: the thread when there is one, not every question asked
        text = f"{said.thread}\n{summary}" if said.thread else conversation.problem_text(events, summary)
        triage = self.router.triage(text, tenant, routing, impact=impact, urgency=urgency)
        linked = said.incident.line() if said.incident else None
        return TicketRequest(
            summary=redact_typed_secrets(summary),
            description=ticket_description(
                summary,
                conversation.turns(events),
                offered,
                [(DETAILS[name].label, answer) for name, answer in said.details.items() if name in DETAILS],
                linked,
            ),
            requester=said.requester,
            category=triage.category,
            priority=triage.priority if said.incident is None else least_urgent(triage.priority, LINKED_PRIORITY),
            resolver_group=triage.resolver_group,
            correlation_id=conversation.correlation_id(said.sender_id, events),
        )

    def details_to_ask(self, said: Said) -> list[str]:
        """What the desk needs (the last article's escalation ``details``) that the conversation
        does not already give, in the article's order."""
        article = self._article(said.last_article_id, said.requester.tenant)
        wanted = article.escalation.details if article and article.escalation else ()
        typed = [turn.text for turn in conversation.turns(said.events) if turn.speaker == "user"]
        return still_needed(wanted, typed)

    def _article(self, article_id: str | None, tenant: str | None) -> ArticleFacts | None:
        if not article_id:
            return None
        try:
            return self.articles.article(article_id, tenant)
        except KnowledgeError:  # the knowledge base is down: the ticket still goes, without article details
            logger.exception("knowledge base unavailable; ticket raised without article details")
            return None

    def _offered(self, events: Sequence[Event], tenant: str | None) -> list[OfferedArticle]:
        offered = []
        for article_id, helped in conversation.offered_articles(events):
            article = self._article(article_id, tenant)
            offered.append(OfferedArticle(article_id, article.title if article else article_id, helped))
        return offered

    def submit(self, request: TicketRequest, said: Said) -> Entry:
        """Record the request (ServiceDeskError if the outbox cannot be written) and wake the worker."""
        entry = self.outbox.submit(request, said.sender_id, said.channel)
        if self.worker is not None:
            self.worker.nudge()
        return entry

    async def wait_for_delivery(self, entry: Entry) -> Raised:
        """The desk's reference if it comes within ``wait_seconds``, else the receipt (the reference
        follows on a later turn). Waits without holding the event loop."""
        deadline = time.monotonic() + self.wait_seconds
        routed = (entry.request.priority, entry.request.resolver_group)
        current: Entry | None = entry
        while current is not None and current.state != DELIVERED and time.monotonic() < deadline:
            await asyncio.sleep(DELIVERY_POLL_SECONDS)
            current = await asyncio.to_thread(self.outbox.get, entry.correlation_id)
        if current is not None and current.ticket is not None:
            await asyncio.to_thread(self.outbox.mark_told, entry.correlation_id)
            return Raised(current.ticket.ref, current.ticket.url, True, *routed)
        return Raised(entry.receipt, None, False, *routed)

    async def raise_ticket(self, said: Said) -> Raised:
        """``request`` + ``submit`` off the loop, then ``wait_for_delivery``."""
        request = await asyncio.to_thread(self.request, said)
        entry = await asyncio.to_thread(self.submit, request, said)
        return await self.wait_for_delivery(entry)

    # --- following tickets
    def news(self, sender_id: str) -> list[Entry]:
        """Requests of this conversation that settled since the user was last told."""
        return self.outbox.take_news(sender_id)

    def own_tickets(self, sender_id: str, requester: Requester, asked: str | None) -> list[OwnTicket]:
        """The requester's tickets: the one asked about (a desk reference or an AskIT receipt), or
        all open ones, with requests still waiting in the outbox. Never another person's."""
        if asked:
            entry = self.outbox.by_receipt(sender_id, asked) if asked.startswith(RECEIPT_PREFIX) else None
            if entry is not None and entry.ref is None:
                return [OwnTicket(entry.receipt, WAITING, entry.request.summary, entry.request.resolver_group)]
            try:
                status = self.desk.get_status(entry.ref if entry and entry.ref else asked)
            except TicketNotFound:
                return []
            if not status.belongs_to(requester):
                return []
            return [self._own(status, self._routed(sender_id), with_reply=True)]
        raised = self.outbox.for_conversation(sender_id)
        waiting = [e for e in raised if e.state != DELIVERED]
        found = [t for t in self.desk.list_open(requester) if t.belongs_to(requester)]
        groups = {e.ref: e.request.resolver_group for e in raised if e.ref}
        # one open ticket: "any update?" is about it, so its latest reply is worth the desk's extra call
        one = len(found) == 1 and not waiting
        return [OwnTicket(e.receipt, WAITING, e.request.summary, e.request.resolver_group) for e in waiting] + [
            self._own(t, groups, with_reply=one) for t in found
        ]

    def _routed(self, sender_id: str) -> dict[str, str]:
        """Desk reference -> the resolver group AskIT sent it to, for the tickets this conversation raised."""
        return {e.ref: e.request.resolver_group for e in self.outbox.for_conversation(sender_id) if e.ref}

    def _own(self, status: TicketStatus, groups: Mapping[str, str], with_reply: bool = False) -> OwnTicket:
        """The desk's status, with the group AskIT routed it to (``groups``) when this conversation
        raised it, and (``with_reply``) the desk's latest public reply; a reply the desk cannot give
        now is left out."""
        reply = None
        if with_reply:
            try:
                reply = self.desk.latest_reply(status.ref)
            except ServiceDeskError:
                logger.warning("the desk's latest reply on %s could not be read; status shown without it", status.ref)
        return OwnTicket(
            status.ref, status.status, status.summary, groups.get(status.ref), status.updated_at, status.group, reply
        )

    def comment_target(self, sender_id: str, requester: Requester, named: str | None) -> str | list[str]:
        """Which ticket "add to my ticket" means: the one ``named`` (a reference said now, else the
        one raised in this conversation), else the requester's only open one. A list of their open
        references when that is not one ticket. Raises TicketNotFound for a named ticket that is
        not theirs or a receipt the desk has no ticket for yet."""
        ref = named
        if ref is not None and ref.startswith(RECEIPT_PREFIX):
            entry = self.outbox.by_receipt(sender_id, ref)
            ref = entry.ref if entry else None
        if ref is None:
            open_refs = [t.ref for t in self.desk.list_open(requester) if t.belongs_to(requester)]
            if len(open_refs) != 1:
                return open_refs
            ref = open_refs[0]
        if not self.desk.get_status(ref).belongs_to(requester):
            raise TicketNotFound(ref)
        return ref

    def add_comment(self, ref: str, comment: str) -> None:
        """Add the user's words to ``ref`` (which comment_target checked is theirs), typed secrets redacted."""
        self.desk.add_comment(ref, redact_typed_secrets(comment))
