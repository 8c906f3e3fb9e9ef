"""The bot's messages, each with a machine-readable ``custom`` part that channels and tests rely on.

``custom`` keys (only those that apply): ``decision`` (answer | clarify | escalate | elsewhere),
``article_id``, ``candidates`` (article ids), ``flow`` (welcome | ticket_offer | ticket_created | ticket_recorded |
ticket_undeliverable | ticket_comment | ticket_status | handoff), ``ticket_ref``, ``receipt`` (the
outbox's ASKIT-... reference, before the desk has answered). Plain Python: imported by actions and
channels alike.
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


ANSWER_PROMPT = "Did this help?"
# What a channel says when a turn fails on AskIT's side: the user must still hear something.
SORRY = "Sorry, something went wrong on my side. Please try again in a minute, or phone the service desk."


def answer(article_id: str, title: str, body: str) -> Reply:
    return Reply(
        text=f"**{title}**\n\n{body}\n\n{ANSWER_PROMPT}",
        buttons=[HELPED, NOT_HELPED],
        custom={"decision": "answer", "article_id": article_id},
    )


def answer_parts(text: str) -> tuple[str, str] | None:
    """The (title, body) of a text made by ``answer``, for channels that lay answers out as cards."""
    head, sep, rest = text.partition("\n\n")
    suffix = f"\n\n{ANSWER_PROMPT}"
    if not (sep and head.startswith("**") and head.endswith("**") and len(head) > 4 and rest.endswith(suffix)):
        return None
    return head[2:-2], rest[: -len(suffix)]


def welcome() -> Reply:
    """What a new user sees first (Teams, when the app is added): what to ask, in their words."""
    examples = ("I forgot my password", "The VPN won't connect", "How do I add a printer?")
    return Reply(
        text="Hello, I'm AskIT, the IT help assistant for council staff. Ask me an IT question in your own "
        "words and I'll find the answer in the knowledge base, or raise a ticket with the service desk for you, "
        "with our conversation attached. For example:",
        buttons=[Button(title=e, payload=e) for e in examples],
        custom={"flow": "welcome"},
    )


def clarify(candidates: Sequence[tuple[str, str]]) -> Reply:
    """``candidates`` are (article id, title)."""
    many = len(candidates) > 1
    text = "I found a few articles that might help. Which is closest?" if many else "Is this what you need?"
    buttons = [Button(title=title, payload=choose_article_payload(aid)) for aid, title in candidates]
    buttons.append(Button(title="None of these", payload="/not_helped"))
    return Reply(text=text, buttons=buttons, custom={"decision": "clarify", "candidates": [a for a, _ in candidates]})


ELSEWHERE_NOTE = "If I've got that wrong and it is an IT problem, tell me a bit more about it."


def elsewhere(article_id: str, body: str) -> Reply:
    """A question the service desk does not handle: where to go instead, and no ticket offered."""
    return Reply(
        text=f"{body}\n\n{ELSEWHERE_NOTE}", buttons=[], custom={"decision": "elsewhere", "article_id": article_id}
    )


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


MAJOR_INCIDENT_NOTE = (
    " This sounds like a major incident affecting many people, so I've marked it priority 1 for the "
    "major-incident team."
)


def ticket_created(ref: str, url: str | None, major_incident: bool = False) -> Reply:
    where = f" You can follow it at {url}." if url else ""
    major = MAJOR_INCIDENT_NOTE if major_incident else ""
    return Reply(
        text=f"Done: I've raised ticket {ref} with the service desk, with our conversation attached, "
        f"so you won't need to explain it again.{major}{where} Ask me \"what's happening with {ref}\" any time.",
        buttons=[],
        custom={"flow": "ticket_created", "ticket_ref": ref, "major_incident": major_incident},
    )


def ticket_recorded(receipt: str, major_incident: bool = False) -> Reply:
    """The request is safe in the outbox but the desk has not answered yet."""
    major = MAJOR_INCIDENT_NOTE if major_incident else ""
    return Reply(
        text=f"I've recorded your request as {receipt}, with our conversation attached.{major} The service desk "
        "system is slow to answer just now, so I'll pass it on automatically and tell you its ticket number as "
        "soon as I have it. Nothing more for you to do.",
        buttons=[],
        custom={"flow": "ticket_recorded", "receipt": receipt, "major_incident": major_incident},
    )


def ticket_news(receipt: str, ref: str | None, url: str | None) -> Reply:
    """A request recorded earlier has reached the desk (ref), or could not be delivered (no ref)."""
    if ref is None:
        return Reply(
            text=f"I'm sorry: I couldn't pass your request {receipt} to the service desk. The team has been "
            "alerted and will send it on; if it's urgent, please phone the service desk on 01632 960000.",
            buttons=[],
            custom={"flow": "ticket_undeliverable", "receipt": receipt},
        )
    where = f" ({url})" if url else ""
    return Reply(
        text=f"Update: your request {receipt} is now service desk ticket {ref}{where}.",
        buttons=[],
        custom={"flow": "ticket_created", "receipt": receipt, "ticket_ref": ref},
    )


def comment_added(ref: str) -> Reply:
    return Reply(
        text=f"I've added that to ticket {ref}.", buttons=[], custom={"flow": "ticket_comment", "ticket_ref": ref}
    )


def comment_needs(what: str, refs: Sequence[str] = ()) -> Reply:
    """Ask for what is missing: "text" (what to add) or "ticket" (which of ``refs``)."""
    if what == "text":
        text = 'What should I add? For example: "Add to my ticket: it now happens on my second laptop too".'
    elif refs:
        text = f'Which ticket should I add it to? {", ".join(refs)}. Say, for example, "add to {refs[0]}: ...".'
    else:
        text = 'You have no open tickets with us to add that to. Shall I raise a new one? Say "raise a ticket".'
    return Reply(text=text, buttons=[], custom={"flow": "ticket_comment", "missing": what, "tickets": list(refs)})


def ticket_failed() -> Reply:
    return Reply(
        text="Sorry, something went wrong on my side and I couldn't record your request, so no ticket was raised. "
        "Please try again in a few minutes, or phone the service desk on 01632 960000.",
        buttons=[],
        custom={"error": "service_desk_unavailable"},  # no flow: nothing was recorded
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
