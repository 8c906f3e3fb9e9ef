"""What every channel does to a message before Rasa sees it: a safe sender id, and text that is a
valid, bounded string with typed secrets already taken out.

Rasa stores the sender id and the text in the tracker store as they arrive: a lone surrogate or a
NUL there once made the SQL store fail and Rasa exit, a 100 KB message made DIET exhaust memory,
and a typed password stayed on disk. Every input channel (REST, web widget, Teams) calls these.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.redaction import redact_typed_secrets
from bot.replies import SORRY

if TYPE_CHECKING:
    from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)

# DIET's memory and time grow with the square of a message's length (benchmarks/nlu_length.py,
# docs/benchmarks.md): 2,000 characters cost the Rasa server 0.15 s and 7 MiB; 16,000 cost 2.8 s
# and 657 MiB, while every other conversation waited. Longer than any question; a pasted error log
# keeps its first 2,000 characters.
MAX_TEXT_CHARS = 2_000
MAX_SENDER_CHARS = 128
SAFE_SENDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+-]*")
DIGEST_PREFIX = "sender-"
SLOW_DOWN = "You're sending messages faster than I can answer. Please wait a moment, then try again."
# A button's payload, as the bot sends them (bot/replies.py): /intent or /intent{"entity":"value"}.
# Anyone can type one, so the entities must be plain short values; Rasa unpacks whatever is left.
PAYLOAD = re.compile(r"/(?P<intent>[a-z_]{1,40})(?P<entities>\{.*\})?", re.DOTALL)
PAYLOAD_ENTITY = re.compile(r"[a-z_]{1,40}")
PAYLOAD_VALUE = re.compile(r"[A-Za-z0-9 ._:@-]{1,100}")
# Control characters other than newline and tab, and the bidirectional overrides that can make a
# transcript read differently from what was sent.
_UNWANTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _valid_unicode(text: str) -> str:
    """``text`` with lone surrogates (which no UTF-8 store or tokenizer accepts) replaced by "?"."""
    return text.encode("utf-8", "replace").decode("utf-8") if _has_surrogate(text) else text


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def clean_text(text: object) -> str | None:
    """The message as Rasa may see and store it; None when ``text`` is not a string."""
    if not isinstance(text, str):
        return None
    text = _valid_unicode(text[: MAX_TEXT_CHARS * 2])  # bound the work before normalising
    text = _UNWANTED.sub("", unicodedata.normalize("NFC", text)).strip()
    if text.startswith("/"):
        return clean_payload(text)
    return redact_typed_secrets(text[:MAX_TEXT_CHARS])


def clean_words(text: object, limit: int = MAX_TEXT_CHARS) -> str | None:
    """A person's words as written (a service-desk agent's: not redacted, never read as a button
    payload), valid Unicode without control characters; None when not text or longer than ``limit``."""
    if not isinstance(text, str) or len(text) > limit * 2:
        return None
    text = _UNWANTED.sub("", unicodedata.normalize("NFC", _valid_unicode(text))).strip()
    return text if len(text) <= limit else None


def clean_payload(text: str) -> str:
    """A button payload kept only when its entities are flat, short, plain values; otherwise its
    intent alone (or "/" when it is no payload at all, which the NLU reads as unreadable)."""
    match = PAYLOAD.fullmatch(text)
    if match is None:
        return "/"
    intent, entities = match["intent"], match["entities"]
    if entities is None:
        return text
    try:
        values = json.loads(entities)
    except ValueError:
        return f"/{intent}"
    plain = isinstance(values, dict) and all(
        isinstance(v, str) and PAYLOAD_ENTITY.fullmatch(k) and PAYLOAD_VALUE.fullmatch(v) for k, v in values.items()
    )
    return text if plain else f"/{intent}"


def clean_sender(sender: object) -> str | None:
    """A conversation id safe to store and log: ``sender`` itself when it is short plain ASCII,
    else a stable digest of it; None when there is no usable sender."""
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip():
        return None
    if len(sender) <= MAX_SENDER_CHARS and SAFE_SENDER.fullmatch(sender):
        return sender
    raw = sender.encode("utf-8", "surrogatepass")
    return DIGEST_PREFIX + hashlib.sha256(raw).hexdigest()[:32]


async def answer_or_apologise(on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage) -> None:
    """Run one turn; if it fails on AskIT's side, the user hears an apology and the error is logged
    once with the conversation id, never with what was said."""
    try:
        await on_new_message(message)
    except Exception as exc:
        logger.error("turn failed for conversation %s: %s", message.sender_id, type(exc).__name__)
        await message.output_channel.send_text_message(message.sender_id, SORRY)
