"""Answer a question from the knowledge base: one article, a choice of articles, or a ticket offer."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.news import tell_news
from actions.requester import requester_of
from actions.utter import awaiting, send
from bot import replies
from bot.knowledge import Article, DecisionKind, KnowledgeError

logger = logging.getLogger(__name__)


def _answer(article: Article) -> tuple[replies.Reply, list[EventType]]:
    reply = replies.answer(article.id, article.title, article.body)
    return reply, [SlotSet("last_article_id", article.id), *awaiting("feedback")]


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        tell_news(dispatcher, tracker)
        try:
            # Articles for one partner council only reach that council's staff (verified identity).
            tenant = requester_of(tracker).tenant
            result = services.knowledge_base().search(tracker.latest_message.get("text") or "", tenant=tenant)
            kind, found = result.decision.kind, result.articles
        except KnowledgeError:
            logger.exception("knowledge base unavailable; offering a ticket instead")
            kind, found = DecisionKind.ESCALATE, ()
        if kind is DecisionKind.ANSWER:
            reply, events = _answer(found[0])
        elif kind is DecisionKind.CLARIFY:
            reply, events = replies.clarify([(a.id, a.title) for a in found]), awaiting(None)
        else:
            reply, events = replies.escalate(), awaiting("ticket_offer")
        send(dispatcher, reply)
        return events


class ActionShowArticle(Action):
    """The user picked one of the offered articles (a button with its id)."""

    def name(self) -> str:
        return "action_show_article"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        article_id = next(tracker.get_latest_entity_values("article_id"), None)
        try:
            # A button's payload can be typed by anyone: the audience is checked here too, not only in search.
            tenant = requester_of(tracker).tenant
            article = services.knowledge_base().article(article_id, tenant) if article_id else None
        except KnowledgeError:
            logger.exception("knowledge base unavailable")
            article = None
        if article is None:
            reply = replies.ticket_offer("missing_article")
            send(dispatcher, reply)
            return awaiting("ticket_offer")
        reply, events = _answer(article)
        send(dispatcher, reply)
        return events
