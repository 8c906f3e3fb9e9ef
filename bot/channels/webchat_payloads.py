"""What crosses the web widget's socket: the browser's message in, one whole bot message out.

Pure functions, tested without a server. The browser's payload is reduced to its text: whatever
else it sends (metadata, a sender, an identity) is dropped, because identity comes from the token.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypedDict

from bot.channels.inbound import clean_text


class QuickReply(TypedDict):
    title: str
    payload: str


class BotMessage(TypedDict):
    """The ``bot_uttered`` event: ``custom`` is the reply's machine-readable part (bot/replies.py)."""

    text: str
    quick_replies: list[QuickReply]
    custom: dict[str, Any]


def user_text(data: object) -> str | None:
    """The cleaned text of a ``user_uttered`` event ``{"message": "..."}``; None if there is none."""
    return clean_text(data.get("message") if isinstance(data, Mapping) else None)


def bot_message(message: Mapping[str, Any], article_link: Callable[[str], str | None]) -> BotMessage:
    """One Rasa response (text, buttons, custom) as one event. An answer's ``custom`` gains
    ``article_url`` when ``article_link`` knows a page for the article."""
    choices = message.get("buttons") or message.get("quick_replies") or []
    quick_replies = [
        QuickReply(title=str(c["title"]), payload=str(c["payload"]))
        for c in choices
        if isinstance(c, Mapping) and c.get("title") and c.get("payload")
    ]
    raw_custom = message.get("custom")
    custom = dict(raw_custom) if isinstance(raw_custom, Mapping) else {}
    article_id = custom.get("article_id")
    if custom.get("decision") == "answer" and isinstance(article_id, str):
        url = article_link(article_id)
        if url:
            custom["article_url"] = url
    return BotMessage(text=str(message.get("text") or ""), quick_replies=quick_replies, custom=custom)
