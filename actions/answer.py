"""Answer a question from the knowledge base: one article, a choice of articles, where to go for a
question the service desk does not handle, or a ticket offer; and, for a first message too vague
to search, one question about what it concerns."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.incidents import DISMISSED, known_incident, tell_incident_news
from actions.news import tell_news
from actions.utter import ServiceAction, awaiting, send, then_listen
from bot import conversation, followup, replies
from bot.knowledge import Article, DecisionKind, KnowledgeError
from bot.knowledge.facets import facet_question, mentioned
from bot.knowledge.passages import Passage
from bot.vague import is_vague

logger = logging.getLogger(__name__)


def _answer(article: Article, passage: Passage | None = None) -> tuple[replies.Reply, list[EventType]]:
    """The article's answer: ``passage`` (what matches the question) with a button for the rest,
    or the whole article."""
    shown = passage or Passage(article.body, True)
    reply = replies.answer(article.id, article.title, shown.text, shown.whole)
    return reply, [SlotSet("last_article_id", article.id), *awaiting("feedback")]


class ActionAnswerQuestion(ServiceAction):
    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        await tell_news(self.services.tickets, dispatcher, tracker, self.desk_line(tracker))
        await tell_incident_news(self, dispatcher, tracker)
        answered = await self.answer(dispatcher, tracker, tracker.latest_message.get("text") or "")
        return [*answered, *then_listen(tracker)]

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str, dismissed: list[str] | None = None
    ) -> list[EventType]:
        """Reply to ``text`` as a question: the user's latest message, or what they typed earlier.
        ``dismissed``: the known incidents the user said their problem is not (else the slot's)."""
        vague = (tracker.latest_message.get("intent") or {}).get("name") == "vague" or is_vague(text)
        if vague and conversation.tried_articles(tracker.events):  # "still broken" after an answer
            send(dispatcher, replies.ticket_offer("not_helped", tracker.get_slot("last_article_id")))
            return awaiting("ticket_offer")
        if vague and conversation.last_decision(tracker.events) != "narrow":
            send(dispatcher, replies.narrow())  # asked once; vague again is searched, and gets its ticket offer
            return awaiting(None)
        if dismissed is None:
            dismissed = tracker.get_slot(DISMISSED) or []
        known = await known_incident(self, tracker, text, dismissed)
        if known is not None:  # before the knowledge base: during an outage, that is what they ask about
            send(dispatcher, known)
            return [*awaiting(None), SlotSet("thread", text)]
        tenant, passage, thread = self.requester(tracker).tenant, None, text
        previous = tracker.get_slot("thread")
        found: tuple[Article, ...]
        try:
            # Articles for one partner council only reach that council's staff (verified identity).
            knowledge = self.services.knowledge
            picked = self._typed_choice(tracker, text, tenant)
            if picked is not None:  # "my laptop" typed instead of pressing "Laptop or PC"
                thread = previous or text
                kind, found = DecisionKind.ANSWER, (picked,)
                passage = await asyncio.to_thread(knowledge.passage, picked, thread)
            else:
                query, wanted = text, None
                if previous and conversation.in_thread(tracker.events) and followup.could_refine(text):
                    # "on my laptop" says nothing new on its own: it refines the last question
                    thread, wanted = followup.joined(previous, text), mentioned(text)
                    query = followup.searchable(thread)
                result = await asyncio.to_thread(knowledge.search, query, tenant=tenant, wanted=wanted)
                kind, found = result.decision.kind, result.articles
                if kind is DecisionKind.ANSWER:
                    passage = await asyncio.to_thread(knowledge.passage, found[0], result.query, result.vector)
        except KnowledgeError:
            logger.exception("knowledge base unavailable; offering a ticket instead")
            kind, found = DecisionKind.ESCALATE, ()
        if kind is DecisionKind.ANSWER:
            reply, events = _answer(found[0], passage)
        elif kind is DecisionKind.CLARIFY:
            facet = facet_question([(a.id, a.facet_values) for a in found])
            if facet is not None:
                reply = replies.facet_choice(facet.question, facet.facet, facet.choices)
            else:
                reply = replies.clarify([(a.id, a.title) for a in found])
            events = awaiting(None)
        elif kind is DecisionKind.ELSEWHERE:
            team = self.services.contacts.team_for(found[0].id, tenant)
            reply, events = replies.elsewhere(found[0].id, found[0].body, team), awaiting(None)
        else:
            reply, events = replies.escalate(), awaiting("ticket_offer")
        send(dispatcher, reply)
        return [*events, SlotSet("thread", thread)]

    def _typed_choice(self, tracker: Tracker, text: str, tenant: str | None) -> Article | None:
        """The one article offered by "Which device is it on?" that ``text`` names the value of."""
        asked = conversation.facet_asked(tracker.events)
        named = mentioned(text).get(asked[0]) if asked else None
        if not asked or not named:
            return None
        offered = (self.services.knowledge.article(article_id, tenant) for article_id in asked[1])
        matches = [a for a in offered if a is not None and a.facet_values.get(asked[0]) in named]
        return matches[0] if len(matches) == 1 else None


class ActionShowArticle(ServiceAction):
    """The user picked one of the offered articles (a button with its id): the part that matches
    their question; or asked for all of an article's steps ("Show all steps")."""

    def name(self) -> str:
        return "action_show_article"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        article_id = next(tracker.get_latest_entity_values("article_id"), None)
        whole = (tracker.latest_message.get("intent") or {}).get("name") == "show_article"
        question = tracker.get_slot("thread") or conversation.last_question(tracker.events)
        knowledge = self.services.knowledge
        try:
            # A button's payload can be typed by anyone: the audience is checked here too, not only in search.
            article = knowledge.article(article_id, self.requester(tracker).tenant) if article_id else None
            passage = None
            if article is not None and question and not whole:
                passage = await asyncio.to_thread(knowledge.passage, article, question)
        except KnowledgeError:
            logger.exception("knowledge base unavailable")
            article = None
        if article is None:
            send(dispatcher, replies.ticket_offer("missing_article"))
            return awaiting("ticket_offer")
        reply, events = _answer(article, passage)
        send(dispatcher, reply)
        return events
