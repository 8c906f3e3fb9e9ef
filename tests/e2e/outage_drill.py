"""The outage drill of docs/incidents.md, on the real servers, for any desk: a known incident is
declared with the command line (its master ticket made at the desk first); 200 staff of two
councils, through the REST channel and the web widget, ask in their own words (the labelled
phrasings of benchmarks/data/outage-drill.jsonl: 100 about the incident, 100 not); only the affected
council's staff ever see its card. The 150 affected staff say "I'm affected too" and ask to be told
when it's fixed; 50 of them still want a ticket of their own. Then the incident is resolved.

What it must show, for the desk in hand (``Desk``): 150 people named on the master ticket and no
new ticket but the 50 insisted ones, each linked to the master and not a P1 (given its number in
the turn, or, when the desk is slow to answer fifty at once, recorded and delivered by the outbox);
every subscriber told of the resolution exactly once, pushed to the widget and on the next message
through REST.
How well their own words find the card is measured, not assumed (``Drill.recall``).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml

from bot import replies
from bot.channels.inbound import SLOW_DOWN
from bot.channels.turns import DEFAULT_RATE
from bot.incidents.store import IncidentStore
from bot.launcher import ACTIONS_PYTHON, ROOT
from bot.requester import Requester
from bot.servicedesk.models import TicketRef, TicketRequest
from bot.servicedesk.outbox import DELIVERED, Outbox
from bot.servicedesk.registry import create_service_desk
from tests.e2e.conftest import Chat
from tests.e2e.widget_client import WidgetClient
from tests.waiting import wait_until

PHRASINGS = ROOT / "benchmarks" / "data" / "outage-drill.jsonl"
DECLARED = ROOT / "benchmarks" / "data" / "incident-drill-incidents.yml"  # the CRM incident as an agent declares it
STAFF, AFFECTED, INSISTING = 200, 150, 50
PARALLEL = 12  # staff talking at once
PLAIN_QUESTION = "is the CRM down?"  # what an affected person whose own words missed the card asks next
TICKET_ANSWERS = {  # the ticket form's questions (custom step) and what an insisting person answers
    "summary": "CRM outage: I cannot log any cases for residents",
    "start_again": "/affirm",  # "No, raise the ticket": they insist
    "confirm_summary": "yes",
    "impact": "just me, I can't log any cases",
    "asset_tag": "don't know",
    "location": "Riverside House, floor 2",
    "contact_number": "don't know",
    "error_text": "it just spins",
}
SETTLED = 120.0  # seconds the background work (master ticket comments, pushes) may take at most
NAMED = re.compile(r"^- (?:[^<\n]*<)?([^>,\s]+@[^>,\s]+)>?,", re.MULTILINE)  # desk_notes.comment's lines


def named_in(comments: str) -> list[str]:
    """The e-mail addresses the master ticket's comments (bot/incidents/desk_notes.py) name."""
    return NAMED.findall(comments)


def incidents(chat: Chat, *args: str) -> str:
    """``python -m bot.incidents`` on the stack's database, as the service desk would run it."""
    env = {"ASKIT_BACKOFFICE_DB": chat.stack.extra_env["ASKIT_BACKOFFICE_DB"], "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [str(ACTIONS_PYTHON), "-m", "bot.incidents", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class Desk(Protocol):
    """What the drill reads back from the desk in hand."""

    def named_on(self, master: str) -> list[str]:
        """Every e-mail address the master ticket's comments name, each time it is named."""

    def tickets_after(self, master: str) -> list[tuple[str, str]]:
        """(priority, description) of every ticket made after the master."""


SLOW_DOWN_RETRIES = 5  # a person told to slow down tries again a few times


@dataclass
class Person:
    n: int
    council: str
    channel: str  # "rest" or "webchat"
    text: str
    about: bool  # the phrasing is about the incident
    widget: WidgetClient | None = None
    carded: bool = False  # their own words got the card
    ticket: str = ""  # "ticket_created" (the desk's number in the turn) or "ticket_recorded" (the outbox's)

    @property
    def sender(self) -> str:
        return f"drill-{self.channel}-{self.n}"

    def say(self, chat: Chat, text: str) -> list[dict[str, Any]]:
        """The turn's replies: all of them through REST; through the widget, up to the first with a
        ``custom`` part (every reply the drill waits for has one, if only an empty one). Told to
        slow down (answers now come faster than the channel lets one person type: a form answered
        in a second), the person waits a moment and says it again, as they are asked to."""
        for _ in range(SLOW_DOWN_RETRIES):
            if self.widget is None:
                reply = chat.say(self.sender, text)
            else:
                reply = [self.widget.say(text, lambda m: "custom" in m)]
            if not any(m.get("text") == SLOW_DOWN for m in reply):
                return reply
            time.sleep(1 / DEFAULT_RATE)  # the channel's sustained rate: one message a second
        raise AssertionError(f"{self.sender}: still told to slow down after {SLOW_DOWN_RETRIES} tries")


def flows(messages: list[dict[str, Any]]) -> list[str]:
    return [m["custom"].get("flow") or m["custom"].get("decision") for m in messages if m.get("custom")]


@dataclass
class Drill:
    chat: Chat
    desk: Desk
    affected: str  # the council the incident concerns; REST users are its staff (the stack's dev domain)
    other: str
    people: list[Person] = field(default_factory=list)
    incident_id: str = ""
    master: str = ""

    def run(self) -> None:
        self.master = self._master().ref
        self.incident_id = self._declare()
        self.people = self._staff()
        with ExitStack() as widgets:
            for person in self.people:
                if person.channel == "webchat":
                    token = self.chat.widget_token(
                        person.sender, email=self._email(person), name=f"Drill {person.n}", tenant=person.council
                    )
                    person.widget = widgets.enter_context(WidgetClient(self.chat.stack.rasa_url, token))
            insisting = {p.n for p in self._affected()[:: AFFECTED // INSISTING][:INSISTING]}
            with ThreadPoolExecutor(PARALLEL) as pool:
                list(pool.map(lambda p: self._morning(p, p.n in insisting), self.people))
            self._check_desk()
            incidents(self.chat, "resolve", self.incident_id, "--text", "The datacentre link is repaired.")
            self._check_told()

    # -- the morning ---------------------------------------------------------------------------

    def _morning(self, person: Person, insists: bool) -> None:
        first = person.say(self.chat, person.text)
        person.carded = "known_incident" in flows(first)
        if person.council == self.other:
            assert not person.carded, (person.text, first)  # never another council's card
            return
        if not person.carded:
            self._ask_plainly(person)
        counted = person.say(self.chat, replies.incident_payload("affected", self.incident_id))
        assert flows(counted) == ["incident_affected"], counted
        subscribed = person.say(self.chat, replies.incident_payload("subscribe", self.incident_id))
        assert flows(subscribed) == ["incident_subscribed"], subscribed
        if insists:
            self._insist(person)

    def _ask_plainly(self, person: Person) -> None:
        """Their own words missed the card (or started a ticket): "is the CRM down?" shows it, or,
        typed as a ticket's summary, offers it instead of the ticket ("Yes, show me")."""
        reply = person.say(self.chat, PLAIN_QUESTION)
        offered = [m["custom"] for m in reply if (m.get("custom") or {}).get("step") == "start_again"]
        if offered:
            assert offered[0]["incident_id"] == self.incident_id, offered
            reply = person.say(self.chat, "/start_again")
        assert "known_incident" in flows(reply), (person, reply)

    def _insist(self, person: Person) -> None:
        """ "I still want a ticket": the ticket form, answered as a busy person would."""
        reply = person.say(self.chat, "I still want to log a ticket")
        for _ in range(len(TICKET_ANSWERS) + 2):
            [custom] = [m["custom"] for m in reply if m.get("custom")][-1:]
            if custom.get("flow") in ("ticket_created", "ticket_recorded"):
                person.ticket = custom["flow"]
                return
            assert custom.get("flow") == "ticket_offer" and custom.get("step") in TICKET_ANSWERS, reply
            reply = person.say(self.chat, TICKET_ANSWERS[custom["step"]])
        raise AssertionError(f"{person.sender}: no ticket after {reply}")

    # -- what it must show ---------------------------------------------------------------------

    def _check_desk(self) -> None:
        store = IncidentStore.open(self.chat.stack.extra_env["ASKIT_BACKOFFICE_DB"])
        wait_until(
            lambda: all(a.noted_at for a in store.affected_users(self.incident_id)),
            SETTLED,
            "everyone on the master ticket",
        )
        assert sorted(self.desk.named_on(self.master)) == sorted(self._email(p) for p in self._affected())
        outbox = Outbox(self.chat.stack.extra_env["ASKIT_OUTBOX_DB"])
        staff = {self._email(p) for p in self.people}

        def drill_tickets() -> list[str]:
            return [e.state for e in outbox.entries() if e.request.requester.email in staff]

        wait_until(lambda: set(drill_tickets()) == {DELIVERED}, SETTLED, "every insisted ticket delivered")
        assert len(drill_tickets()) == INSISTING
        linked = self.desk.tickets_after(self.master)
        assert len(linked) == INSISTING  # and no other ticket: 150 affected, zero new tickets
        for priority, description in linked:
            assert priority != "P1" and f"master ticket {self.master}, AskIT {self.incident_id}" in description

    def _check_told(self) -> None:
        store = IncidentStore.open(self.chat.stack.extra_env["ASKIT_BACKOFFICE_DB"])
        version = store.get(self.incident_id).version
        pushed = [p for p in self._affected() if p.widget is not None]
        wait_until(
            lambda: all(s.version == version for s in store.subscribers(self.incident_id) if s.channel == "webchat"),
            SETTLED,
            "every widget subscriber told",
        )
        for person in pushed:
            assert person.widget is not None
            person.widget.wait_for(lambda m: (m.get("custom") or {}).get("flow") == "incident_update")
            updates = [m for m in person.widget.received if (m.get("custom") or {}).get("flow") == "incident_update"]
            assert [u["custom"]["status"] for u in updates] == ["resolved"], person.sender
        for person in self._affected():
            if person.widget is None:  # REST cannot be pushed to: the next question tells it, once
                numbered = 0  # and a ticket recorded in the morning gets its desk number once, likewise
                for told in (["incident_update", "decision"], ["decision"]):
                    said = flows(person.say(self.chat, "how do I reset my password"))
                    numbered += said.count("ticket_created")
                    said = [f for f in said if f != "ticket_created"]
                    assert [f if f == "incident_update" else "decision" for f in said] == told, (person, said)
                assert numbered == (person.ticket == "ticket_recorded"), person

    # -- the cast ------------------------------------------------------------------------------

    def _staff(self) -> list[Person]:
        """Staff n = 0..199 ask phrasing n (the 100 about the incident, then the 100 not). Of each
        hundred, the first 75 are the affected council's staff (150: the first 50 of each hundred
        through REST, the next 25 the widget) and the last 25 the other council's (50, the widget)."""
        rows = [json.loads(line) for line in PHRASINGS.read_text().splitlines() if line.startswith("{")]
        about = [r["text"] for r in rows if r["incident"]]
        unrelated = [r["text"] for r in rows if not r["incident"]]
        assert len(about) == len(unrelated) == STAFF // 2
        people = []
        for n, (text, is_about) in enumerate([(t, True) for t in about] + [(t, False) for t in unrelated]):
            place = n % (STAFF // 2)
            channel = "rest" if place < 50 else "webchat"
            people.append(Person(n, self.affected if place < AFFECTED // 2 else self.other, channel, text, is_about))
        return people

    def _affected(self) -> list[Person]:
        return [p for p in self.people if p.council == self.affected]

    def _email(self, person: Person) -> str:
        return f"{person.sender}@{person.council}.example"

    def _master(self) -> TicketRef:
        """The service desk's major incident ticket, made at the desk before the incident is declared."""
        request = TicketRequest(
            summary="MAJOR INCIDENT: CRM unavailable (datacentre link)",
            description="Major incident raised by the service desk.",
            requester=Requester("service-desk", email=f"service.desk@{self.affected}.example"),
            category="incident",
            priority="P1",
            resolver_group="network",
            correlation_id=f"drill-master-{time.time_ns()}",
        )
        return create_service_desk(self.chat.stack.extra_env).create_ticket(request)

    def _declare(self) -> str:
        [crm] = [i for i in yaml.safe_load(DECLARED.read_text())["incidents"] if i["id"] == "crm-datacentre-link"]
        questions = [arg for q in crm["questions"] for arg in ("--question", q)]
        declared = incidents(
            self.chat,
            "declare",
            "--title", "CRM unavailable",
            "--summary", crm["summary"],
            *questions,
            "--service", "crm",
            "--council", self.affected,
            "--workaround", "Take details on the paper form and enter them later.",
            "--desk-ref", self.master,
        )  # fmt: skip
        return declared.split()[1].rstrip(":")

    def measured(self) -> str:
        """How often their own words found the card: the affected council's staff asking about it,
        and everyone's unrelated questions (the drill asserts neither: benchmarks/ measure it)."""
        about = [p for p in self._affected() if p.about]
        unrelated = [p for p in self.people if not p.about]
        found, false = sum(p.carded for p in about) / len(about), sum(p.carded for p in unrelated) / len(unrelated)
        numbered = sum(p.ticket == "ticket_created" for p in self.people)
        return (
            f"card for {found:.0%} of own-words questions about it, {false:.0%} of unrelated ones; "
            f"{numbered} of {INSISTING} insisted tickets numbered by the desk within the turn"
        )
