"""Answer a question from the knowledge base: one article, a choice of articles, where to go for a
question the service desk does not handle, or a ticket offer."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.news import tell_news
from actions.utter import ServiceAction, awaiting, send
from bot import replies
from bot.knowledge import Article, DecisionKind, KnowledgeError

logger = logging.getLogger(__name__)


def _answer(article: Article) -> tuple[replies.Reply, list[EventType]]:
    reply = replies.answer(article.id, article.title, article.body)
    return reply, [SlotSet("last_article_id", article.id), *awaiting("feedback")]


class ActionAnswerQuestion(ServiceAction):
    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        await tell_news(self.services.tickets, dispatcher, tracker)
        text = tracker.latest_message.get("text") or ""
        try:
            # Articles for one partner council only reach that council's staff (verified identity).
            result = await asyncio.to_thread(
                self.services.knowledge.search, text, tenant=self.requester(tracker).tenant
            )
            kind, found = result.decision.kind, result.articles
        except KnowledgeError:
            logger.exception("knowledge base unavailable; offering a ticket instead")
            kind, found = DecisionKind.ESCALATE, ()
        if kind is DecisionKind.ANSWER:
            reply, events = _answer(found[0])
        elif kind is DecisionKind.CLARIFY:
            reply, events = replies.clarify([(a.id, a.title) for a in found]), awaiting(None)
        elif kind is DecisionKind.ELSEWHERE:
            reply, events = replies.elsewhere(found[0].id, found[0].body), awaiting(None)
        else:
            reply, events = replies.escalate(), awaiting("ticket_offer")
        send(dispatcher, reply)
        return events


class ActionShowArticle(ServiceAction):
    """The user picked one of the offered articles (a button with its id)."""

    def name(self) -> str:
        return "action_show_article"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        article_id = next(tracker.get_latest_entity_values("article_id"), None)
        try:
            # A button's payload can be typed by anyone: the audience is checked here too, not only in search.
            article = (
                self.services.knowledge.article(article_id, self.requester(tracker).tenant) if article_id else None
            )
        except KnowledgeError:
            logger.exception("knowledge base unavailable")
            article = None
        if article is None:
            send(dispatcher, replies.ticket_offer("missing_article"))
            return awaiting("ticket_offer")
        reply, events = _answer(article)
        send(dispatcher, reply)
        return events
