"""A member of staff going through the ticket form to the end, whatever it asks: the load benchmark
(benchmarks/load.py) and the scale-out tests play it through the real servers."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

RAISED = ("ticket_created", "ticket_recorded")
START_AGAIN = "/start_again"  # the ticket form's "read this article instead"
MAX_TICKET_TURNS = 8  # the form's questions: summary, confirm, impact, and what an article needs
SUMMARIES = ("the plotter prints everything in pink", "my second monitor stays black", "the scanner jams every page")

Say = Callable[[str], "list[dict[str, Any]] | None"]


class TicketFlowError(AssertionError):
    """The form did not raise a ticket within MAX_TICKET_TURNS answers."""


def raised(replies: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The custom part of the reply that says a ticket was raised, if one does."""
    return next((c for m in replies if (c := m.get("custom") or {}).get("flow") in RAISED), None)


def complete_ticket_flow(say: Say, rng: random.Random) -> dict[str, Any] | None:
    """Ask for a ticket and answer what the form asks (a summary; yes; the first button offered)
    until it is raised; the raising reply's custom part, or None if ``say`` gave no reply."""
    replies = say("raise a ticket")
    for _ in range(MAX_TICKET_TURNS):
        if replies is None:
            return None
        done = raised(replies)
        if done is not None:
            return done
        customs = [m.get("custom") or {} for m in replies]
        # Past an article the form suggests: this user wants the ticket.
        buttons = [b["payload"] for m in replies for b in m.get("buttons") or () if b["payload"] != START_AGAIN]
        if any(c.get("step") == "summary" for c in customs):
            answer = rng.choice(SUMMARIES)
        else:
            answer = buttons[0] if buttons else "yes"
        replies = say(answer)
    if replies is not None and (done := raised(replies)) is not None:
        return done
    asked = [c.get("step") or c.get("flow") for c in ((m.get("custom") or {}) for m in replies or [])]
    raise TicketFlowError(f"a ticket flow not raised within {MAX_TICKET_TURNS} turns (last asked: {asked})")
