"""Multi-turn conversations kept as data (tests/conversations/*.yml), played against the real servers.

A file holds a list of dialogues::

    - name: a vague first message gets one question, not a ticket
      point: vague                    # what the conversation issue asked for (POINTS)
      tenant: southmere               # optional: a signed-in member of this council's staff (widget token)
      turns:
        - say: "its broken"           # or  click: "Printing"  (a button of the previous reply),
                                      # or  desk: "text" (the desk replies on their latest ticket)
          expect: {decision: narrow}  # the reply's custom part: each key equal (a list: one of; null: absent)
          says: ["what is it about"]  # text the reply contains (any case)
          not_says: ["ticket"]
          buttons: ["Printing"]       # buttons the reply offers
          not_buttons: ["No ticket"]  # buttons it must not offer
      tickets: 0                      # optional: tickets raised for this person by the end
      ticket_says: ["Location: ..."]  # optional: text their latest ticket's summary or description holds

``play`` returns what went wrong, one line per broken expectation, so a run can count passes per point.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.paths import ROOT
from tests.e2e.conftest import Chat
from tests.e2e.widget_client import WidgetClient

DIALOGUES_DIR = ROOT / "tests" / "conversations"
POINTS = {
    "vague": "vague first messages get one question, never a ticket offer first",
    "not_it": "not IT: where to go, per council, and no IT ticket",
    "person": "a person, when asked: phone line, open now, and the ticket; no ticket respected",
    "leave_form": "every step of the ticket form can be left; nothing raised",
    "ticket": "tickets say who has them and when to expect a reply; follow-ups raise no second ticket",
    "how_to": "how-to questions the articles answer are answered, not ticketed",
    "wording": "one vocabulary for the feedback buttons",
    "short": "answers sized for a chat: the matching steps, the rest behind a button",
    "follow_up": "follow-ups keep the thread; one question about the facet that tells articles apart",
    "details": "tickets ask for what the desk needs and the conversation lacks, each skippable",
}
TURN_KEYS = {"say", "click", "desk", "expect", "says", "not_says", "buttons", "not_buttons"}
DIALOGUE_KEYS = {"name", "point", "tenant", "turns", "tickets", "ticket_says"}

FALLBACK = "sorry, i didn't get that"  # utter_default (domain.yml), in lower case as ``check`` compares
Messages = list[dict[str, Any]]


@dataclass(frozen=True)
class Dialogue:
    name: str
    point: str
    turns: Sequence[dict[str, Any]]
    tenant: str | None = None
    tickets: int | None = None
    source: str = ""
    ticket_says: Sequence[str] = ()


@dataclass
class Outcome:
    dialogue: Dialogue
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def load(directory: Path = DIALOGUES_DIR) -> list[Dialogue]:
    """Every dialogue, checked: a malformed one raises ValueError naming the file and the dialogue."""
    dialogues = []
    for path in sorted(directory.glob("*.yml")):
        for i, entry in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")) or []):
            where = f"{path.relative_to(ROOT)}[{i}]"
            if not isinstance(entry, dict) or set(entry) - DIALOGUE_KEYS or entry.get("point") not in POINTS:
                raise ValueError(f"{where}: a dialogue has name, point (one of {', '.join(POINTS)}), turns")
            for turn in entry.get("turns") or []:
                if set(turn) - TURN_KEYS or sum(k in turn for k in ("say", "click", "desk")) != 1:
                    raise ValueError(
                        f"{where} {entry.get('name')!r}: each turn has say, click or desk, then expectations"
                    )
            dialogues.append(
                Dialogue(
                    entry["name"],
                    entry["point"],
                    entry["turns"],
                    entry.get("tenant"),
                    entry.get("tickets"),
                    where,
                    tuple(entry.get("ticket_says") or ()),
                )
            )
    return dialogues


def _custom(messages: Messages) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for message in messages:
        merged.update(message.get("custom") or {})
    return merged


def _buttons(messages: Messages) -> list[dict[str, str]]:
    """The REST channel's ``buttons``, or the widget's ``quick_replies``."""
    return [b for m in messages for b in (m.get("buttons") or m.get("quick_replies") or [])]


def check(turn: dict[str, Any], messages: Messages) -> list[str]:
    """What of ``turn``'s expectations the reply ``messages`` does not meet."""
    problems = []
    custom, text = _custom(messages), " ".join(m.get("text") or "" for m in messages).lower()
    for key, wanted in (turn.get("expect") or {}).items():
        got = custom.get(key)
        ok = got in wanted if isinstance(wanted, list) else (key not in custom if wanted is None else got == wanted)
        if not ok:
            problems.append(f"{key}: wanted {wanted!r}, got {got!r}")
    problems += [f"does not say {s!r}" for s in turn.get("says") or [] if s.lower() not in text]
    problems += [f"says {s!r}" for s in turn.get("not_says") or [] if s.lower() in text]
    titles = [b["title"] for b in _buttons(messages)]
    problems += [f"no button {b!r} (has {titles})" for b in turn.get("buttons") or [] if b not in titles]
    problems += [f"a button {b!r}" for b in turn.get("not_buttons") or [] if b in titles]
    if FALLBACK in text:  # Rasa's fallback: no rule knew what to do next, whatever else was said
        problems.append(f"the fallback reply {FALLBACK!r}")
    return problems


def play(
    dialogue: Dialogue,
    say: Callable[[str, str | None, str], Messages],
    tickets: Callable[[str], list[dict[str, Any]]],
    desk_reply: Callable[[str, str], None] | None = None,
) -> Outcome:
    """Play ``dialogue`` as a new person: ``say(sender, tenant, text)`` returns the turn's messages,
    ``tickets(sender)`` their tickets in the desk, oldest first, and ``desk_reply(ref, text)`` has the
    desk answer a ticket. Stops at the first turn that goes wrong."""
    sender, outcome = f"dlg-{uuid.uuid4().hex[:10]}", Outcome(dialogue)
    previous: Messages = []
    for n, turn in enumerate(dialogue.turns, 1):
        if "desk" in turn:
            raised = tickets(sender)
            if desk_reply is None or not raised:
                outcome.problems.append(f"turn {n}: no ticket for the desk to reply to")
                return outcome
            desk_reply(raised[-1]["ref"], str(turn["desk"]))
            continue
        text = turn.get("say")
        if "click" in turn:
            button = next((b for b in _buttons(previous) if b["title"] == turn["click"]), None)
            if button is None:
                outcome.problems.append(f"turn {n}: no button {turn['click']!r} to click")
                return outcome
            text = button["payload"]
        previous = say(sender, dialogue.tenant, str(text))
        problems = check(turn, previous)
        if problems:
            shown = " / ".join(m.get("text", "")[:160] for m in previous)
            outcome.problems += [f"turn {n} ({text!r}): {p}" for p in problems] + [f"  the bot said: {shown}"]
            return outcome
    raised = tickets(sender)
    if dialogue.tickets is not None and len(raised) != dialogue.tickets:
        outcome.problems.append(f"wanted {dialogue.tickets} tickets, the desk has {len(raised)}")
    if dialogue.ticket_says:
        written = f"{raised[-1]['summary']}\n{raised[-1]['description']}" if raised else ""
        outcome.problems += [f"the ticket does not say {s!r}" for s in dialogue.ticket_says if s not in written]
    return outcome


class Players:
    """Says a dialogue's messages, over REST or, for a council's staff, over the widget's socket."""

    def __init__(self, chat: Chat) -> None:
        self.chat = chat
        self.widgets: dict[str, WidgetClient] = {}
        self.requesters: dict[str, str] = {}  # sender -> the requester id its tickets carry

    def say(self, sender: str, tenant: str | None, text: str) -> Messages:
        if tenant is None:
            self.requesters[sender] = f"rest:{sender}"
            return self.chat.say(sender, text)
        widget = self.widgets.get(sender)
        if widget is None:
            token = self.chat.widget_token(sender, email=f"{sender}@{tenant}.example", name="Dee Alogue")
            widget = self.widgets[sender] = WidgetClient(self.chat.stack.rasa_url, token)
            self.requesters[sender] = sender
        start = len(widget.received)
        widget.say(text, lambda m: bool(m.get("custom")))
        return widget.received[start:]

    def tickets(self, sender: str) -> list[dict[str, Any]]:
        return [t for t in self.chat.tickets() if t["requester_id"] == self.requesters[sender]]

    def close(self) -> None:
        for widget in self.widgets.values():
            widget.client.disconnect()
