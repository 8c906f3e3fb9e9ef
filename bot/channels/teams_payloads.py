"""Translate between Teams activities and Rasa messages. Pure functions, tested without a server.

In:  a message activity -> the text Rasa parses (a clicked card button's payload, or what was typed
     without @mentions) and the verified identity for the actions.
Out: a Rasa message {text, buttons, custom} -> one Teams activity: an article answer as an Adaptive
     Card (title, steps, "Open the full article", "Did this help?"), other choices as a card of
     buttons, plain text as Markdown. ``custom`` rides along in ``channelData.askit``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.channels.inbound import clean_text
from bot.identity import VerifiedIdentity
from bot.knowledge.ids import ARTICLE_ID_PATTERN
from bot.replies import answer_parts

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"  # the newest version every Teams client renders
PAYLOAD_KEY = "askit_payload"  # where a card button carries the message Rasa should receive
MAX_STEPS_CHARS = 6_000  # Teams refuses messages over ~28 KB; a longer article is cut and linked
CUSTOM_KEY = "askit"

_MENTION = re.compile(r"<at>.*?</at>", re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_KB_LINK = re.compile(rf"\[([^\]]+)\]\(kb:({ARTICLE_ID_PATTERN})\)")

ArticleLink = Callable[[str], "str | None"]  # article id -> the URL of its full text, if it has one


@dataclass(frozen=True)
class ConversationRef:
    """Where to send a user's replies, taken from their last verified activity."""

    service_url: str
    conversation_id: str
    bot: Mapping[str, Any]  # the bot's channel account ({"id", "name"}), sent as "from"
    user_id: str
    base_url: str  # this server's public URL, for links to articles


def is_activity(body: object) -> bool:
    """Enough of a Bot Framework activity to answer: a type, a sender and a conversation."""
    if not isinstance(body, Mapping):
        return False
    sender, conversation = body.get("from"), body.get("conversation")
    return (
        isinstance(body.get("type"), str)
        and isinstance(sender, Mapping)
        and _is_id(sender.get("id"))
        and isinstance(conversation, Mapping)
        and _is_id(conversation.get("id"))
    )


MAX_ID_CHARS = 1024


def _is_id(value: object) -> bool:
    """A Bot Framework id we can put in a URL: printable text (no lone surrogate), of sane length."""
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_CHARS and value.isprintable()


def conversation_ref(activity: Mapping[str, Any], base_url: str) -> ConversationRef:
    recipient = _object(activity.get("recipient"))
    return ConversationRef(
        service_url=str(activity["serviceUrl"]),
        conversation_id=str((activity.get("conversation") or {})["id"]),
        bot={"id": recipient.get("id"), "name": recipient.get("name")},
        user_id=str((activity.get("from") or {})["id"]),
        base_url=base_url,
    )


def incoming_text(activity: Mapping[str, Any]) -> str:
    """What Rasa should read: a card button's payload, else the typed text without @mentions."""
    value = activity.get("value")
    if isinstance(value, str):  # messageBack may deliver its value as a JSON string
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if isinstance(value, Mapping) and isinstance(value.get(PAYLOAD_KEY), str):
        return clean_text(str(value[PAYLOAD_KEY])) or ""
    text = _MENTION.sub("", str(activity.get("text") or ""))
    return clean_text(text) or ""


def _object(value: object) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty one: an activity's parts may be anything."""
    return value if isinstance(value, Mapping) else {}


def aad_tenant(activity: Mapping[str, Any]) -> str | None:
    tenant = _object(_object(activity.get("channelData")).get("tenant")).get("id")
    tenant = tenant or _object(activity.get("conversation")).get("tenantId")
    return str(tenant).lower() if isinstance(tenant, str) and tenant else None


def verified_identity(activity: Mapping[str, Any], member: Mapping[str, Any] | None) -> VerifiedIdentity:
    """The user's identity from a verified activity, completed by the conversation members API
    (which alone knows the UPN and e-mail)."""
    sender = activity.get("from") or {}
    member = member or {}
    identity = VerifiedIdentity(id=str(member.get("aadObjectId") or sender.get("aadObjectId") or sender["id"]))
    email = member.get("email") or member.get("userPrincipalName")
    if email:
        identity["email"] = str(email)
    name = member.get("name") or sender.get("name")
    if name:
        identity["name"] = str(name)
    tenant = aad_tenant(activity) or member.get("tenantId")
    if tenant:
        identity["aad_tenant_id"] = str(tenant).lower()
    return identity


def message_activity(ref: ConversationRef, content: Mapping[str, Any]) -> dict[str, Any]:
    """A bot activity into the user's conversation."""
    return {
        "from": dict(ref.bot),
        "conversation": {"id": ref.conversation_id},
        "recipient": {"id": ref.user_id},
        **content,
    }


def typing() -> dict[str, Any]:
    return {"type": "typing"}


def reply(message: Mapping[str, Any], article_link: ArticleLink) -> dict[str, Any]:
    """The activity content for one Rasa message (text, buttons or quick_replies, custom)."""
    text = str(message.get("text") or "")
    buttons = list(message.get("buttons") or message.get("quick_replies") or [])
    custom = message.get("custom") if isinstance(message.get("custom"), Mapping) else None
    parts = answer_parts(text) if custom and custom.get("decision") == "answer" else None
    if parts and custom and custom.get("article_id"):
        card = _answer_card(str(custom["article_id"]), *parts, buttons, article_link)
        content: dict[str, Any] = {"type": "message", "attachments": [_attachment(card)]}
    elif buttons:
        card = _card([_text_block(teams_markdown(text, article_link))], [_submit(b) for b in buttons])
        content = {"type": "message", "attachments": [_attachment(card)]}
    else:
        content = {"type": "message", "text": teams_markdown(text, article_link), "textFormat": "markdown"}
    if custom:
        content["channelData"] = {CUSTOM_KEY: dict(custom)}
    return content


def teams_markdown(text: str, article_link: ArticleLink) -> str:
    """Article Markdown as Teams renders it: headings become bold lines, ``kb:`` links real links
    (or plain text where the article has no page), and HTML tags are dropped (Teams renders some)."""
    text = _TAG.sub("", text)
    text = _HEADING.sub(lambda m: f"**{m.group(1)}**", text)

    def kb_link(match: re.Match[str]) -> str:
        url = article_link(match.group(2))
        return f"[{match.group(1)}]({url})" if url else match.group(1)

    return _KB_LINK.sub(kb_link, text)


def _answer_card(
    article_id: str, title: str, body: str, buttons: Sequence[Mapping[str, Any]], article_link: ArticleLink
) -> dict[str, Any]:
    url = article_link(article_id)
    steps = teams_markdown(body, article_link)
    if len(steps) > MAX_STEPS_CHARS:
        steps = steps[:MAX_STEPS_CHARS].rsplit("\n\n", 1)[0] + "\n\n…the rest is in the full article."
    blocks = [
        {"type": "TextBlock", "text": title, "style": "heading", "size": "Medium", "weight": "Bolder", "wrap": True},
        _text_block(steps),
        {"type": "TextBlock", "text": "Did this help?", "weight": "Bolder", "wrap": True},
    ]
    actions = [_submit(b) for b in buttons]
    if url:  # an article only one council sees has no public page unless the council publishes one
        actions.append({"type": "Action.OpenUrl", "title": "Open the full article", "url": url})
    return _card(blocks, actions)


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION, "body": body, "actions": actions}


def _text_block(text: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True}


def _submit(button: Mapping[str, Any]) -> dict[str, Any]:
    """A card button that sends its payload to the bot and shows its title as the user's message."""
    title, payload = str(button.get("title") or ""), str(button.get("payload") or button.get("title") or "")
    return {
        "type": "Action.Submit",
        "title": title,
        "data": {
            PAYLOAD_KEY: payload,
            "msteams": {"type": "messageBack", "displayText": title, "text": payload, "value": {PAYLOAD_KEY: payload}},
        },
    }


def _attachment(card: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": ADAPTIVE_CARD, "content": card}
