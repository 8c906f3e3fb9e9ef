"""Translate between Teams activities and Rasa messages. Pure functions, tested without a server.

In:  a message activity -> the text Rasa parses (a clicked card button's payload, or what was typed
     without @mentions) and the verified identity for the actions.
Out: a Rasa message {text, buttons, custom} -> one Teams activity: an Adaptive Card where the
     message has buttons or more than paragraphs (bot/channels/teams_cards.py), else Markdown text.
     ``custom`` rides along in ``channelData.askit``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.channels.inbound import clean_text
from bot.channels.teams_cards import PAYLOAD_KEY, Used, card, markdown_text
from bot.channels.teams_markdown import ArticleLink
from bot.identity import VerifiedIdentity

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CUSTOM_KEY = "askit"

_MENTION = re.compile(r"<at>.*?</at>", re.DOTALL)


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
    payload = pressed(activity)
    if payload is not None:
        return payload
    text = _MENTION.sub("", str(activity.get("text") or ""))
    return clean_text(text) or ""


def pressed(activity: Mapping[str, Any]) -> str | None:
    """The payload of the card button the activity reports pressed; None for typed text."""
    value = activity.get("value")
    if isinstance(value, str):  # messageBack may deliver its value as a JSON string
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if isinstance(value, Mapping) and isinstance(value.get(PAYLOAD_KEY), str):
        return clean_text(str(value[PAYLOAD_KEY])) or ""
    return None


def pressed_card(activity: Mapping[str, Any]) -> str | None:
    """The id of the activity whose card was pressed (Teams sends it as ``replyToId``)."""
    card = activity.get("replyToId")
    return str(card) if _is_id(card) else None


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


def reply(message: Mapping[str, Any], article_link: ArticleLink, used: Used | None = None) -> dict[str, Any]:
    """The activity content for one Rasa message (text, buttons or quick_replies, custom): a card
    (bot/channels/teams_cards.py) or Markdown text. ``used``: draw the card with its buttons used."""
    custom = message.get("custom") if isinstance(message.get("custom"), Mapping) else None
    shown = card(message, article_link, used)
    if shown is not None:
        content: dict[str, Any] = {"type": "message", "attachments": [{"contentType": ADAPTIVE_CARD, "content": shown}]}
    else:
        text = markdown_text(str(message.get("text") or ""), article_link)
        content = {"type": "message", "text": text, "textFormat": "markdown"}
    if custom:
        content["channelData"] = {CUSTOM_KEY: dict(custom)}
    return content
