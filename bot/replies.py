"""The bot's messages, each with a machine-readable ``custom`` part that channels and tests rely on.

``custom`` keys (only those that apply): ``decision`` (answer | clarify | escalate),
``article_id``, ``candidates`` (article ids), ``flow`` (ticket_offer | ticket_created |
ticket_status | handoff), ``ticket_ref``. Plain Python: imported by actions and channels alike.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypedDict


class Button(TypedDict):
    title: str
    payload: str


class Reply(TypedDict):
    text: str
    buttons: list[Button]
    custom: dict[str, Any]


HELPED = Button(title="Yes, that helped", payload="/helped")
NOT_HELPED = Button(title="No, I still need help", payload="/not_helped")
YES = Button(title="Yes", payload="/affirm")
NO = Button(title="No", payload="/deny")


def choose_article_payload(article_id: str) -> str:
    return "/choose_article" + json.dumps({"article_id": article_id}, separators=(",", ":"))


def answer(article_id: str, title: str, body: str) -> Reply:
    return Reply(
        text=f"**{title}**\n\n{body}\n\nDid this help?",
        buttons=[HELPED, NOT_HELPED],
        custom={"decision": "answer", "article_id": article_id},
    )


def clarify(candidates: Sequence[tuple[str, str]]) -> Reply:
    """``candidates`` are (article id, title)."""
    many = len(candidates) > 1
    text = "I found a few articles that might help. Which is closest?" if many else "Is this what you need?"
    buttons = [Button(title=title, payload=choose_article_payload(aid)) for aid, title in candidates]
    buttons.append(Button(title="None of these", payload="/not_helped"))
    return Reply(text=text, buttons=buttons, custom={"decision": "clarify", "candidates": [a for a, _ in candidates]})


def escalate() -> Reply:
    return Reply(
        text="I couldn't find an article that fits. Would you like me to raise a ticket with the service desk?",
        buttons=[YES, NO],
        custom={"decision": "escalate", "flow": "ticket_offer"},
    )


def ticket_offer(reason: str, article_id: str | None = None) -> Reply:
    texts = {
        "not_helped": "Sorry that didn't sort it. Shall I raise a ticket so someone from the service desk can help?",
        "human": "I can pass this to the service desk team. Shall I raise a ticket so a person picks it up?",
        "missing_article": "Sorry, I can't find that article any more. Shall I raise a ticket instead?",
    }
    custom: dict[str, Any] = {"flow": "ticket_offer", "reason": reason}
    if article_id:
        custom["article_id"] = article_id
    return Reply(text=texts[reason], buttons=[YES, NO], custom=custom)


def confirm_summary(summary: str) -> Reply:
    return Reply(
        text=f'I\'ll raise a ticket with this summary:\n\n"{summary}"\n\n'
        "Shall I go ahead? Say yes, or type a better summary.",
        buttons=[YES, NO],
        custom={"flow": "ticket_offer", "step": "confirm_summary", "summary": summary},
    )


def ticket_created(ref: str, url: str | None) -> Reply:
    where = f" You can follow it at {url}." if url else ""
    return Reply(
        text=f"Done: I've raised ticket {ref} with the service desk, with our conversation attached, "
        f"so you won't need to explain it again.{where} Ask me \"what's happening with {ref}\" any time.",
        buttons=[],
        custom={"flow": "ticket_created", "ticket_ref": ref},
    )


def ticket_failed() -> Reply:
    return Reply(
        text="Sorry, I couldn't reach the service desk just now, so no ticket was raised. "
        "Please try again in a few minutes, or phone the service desk on 01632 960000.",
        buttons=[],
        custom={"error": "service_desk_unavailable"},  # no flow: nothing was created
    )


def ticket_status(lines: Sequence[tuple[str, str, str]], asked_ref: str | None) -> Reply:
    """``lines`` are (ref, status, summary) of the requester's tickets that answer the question."""
    if not lines:
        text = f"I can't find a ticket {asked_ref} raised by you." if asked_ref else "You have no open tickets with us."
    else:
        text = "Here's what I found:\n" + "\n".join(f'- {ref}: {status}, "{summary}"' for ref, status, summary in lines)
    custom: dict[str, Any] = {"flow": "ticket_status", "tickets": [ref for ref, _, _ in lines]}
    if len(lines) == 1:
        custom["ticket_ref"] = lines[0][0]
    return Reply(text=text, buttons=[], custom=custom)
