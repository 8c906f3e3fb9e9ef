"""The console's incident forms as the agent typed them: read from the request, turned into
bot/incidents' values by the parsing the command line uses too (bot/incidents/parsing.py), and a
refusal (InvalidIncident names the field) put next to the form's field it concerns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

from starlette.datastructures import FormData

from bot.incidents.errors import InvalidIncident
from bot.incidents.models import Incident, IncidentFields
from bot.incidents.parsing import Changes, changes, declaration, desk_input, items, lines, typed

GENERAL = "form"  # a refusal about no one field: shown at the top of the form
# The store's names for the form's fields, where they differ.
FIELD_OF = {"next_update_at": "next_update", "text": "note"}
LABELS = {
    "title": "Title",
    "summary": "What staff will notice",
    "questions": "Questions",
    "councils": "Councils",
    "services": "Services",
    "status": "Status",
    "workaround": "Workaround",
    "next_update": "Next update due",
    "desk_ref": "Desk reference",
    "note": "Note to subscribers",
}
ONE_OF = {"questions": "Question", "services": "Service", "councils": "Council"}  # questions[2]: "Question 3"
INDEXED = re.compile(r"(\w+)\[(\d+)\]")
MAX_VERSION_DIGITS = 9
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # Unicode's Cc, but for tab and line ends
REPLACEMENT = "\ufffd"


def text_of(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""  # a file where text belongs: nothing typed


@dataclass
class Form:
    """The fields' text as typed, and what is wrong with them (the form's field: the message)."""

    errors: dict[str, str] = field(default_factory=dict, kw_only=True)
    NAMES: ClassVar[tuple[str, ...]] = ()

    def refused(self, exc: InvalidIncident) -> None:
        indexed = INDEXED.fullmatch(exc.field)
        named = indexed.group(1) if indexed else exc.field
        name = FIELD_OF.get(named, named)
        problem = str(exc).removeprefix(f"{exc.field}: ")
        if name not in self.NAMES:
            self.errors[GENERAL] = str(exc)
        elif indexed and name in ONE_OF:
            self.errors[name] = f"{ONE_OF[name]} {int(indexed.group(2)) + 1}: {problem}"
        else:
            self.errors[name] = f"{LABELS[name]}: {problem}"
        for typed_name in self.NAMES:  # shown again as typed, but for a control character: U+FFFD marks where
            value = getattr(self, typed_name)
            if isinstance(value, str):
                setattr(self, typed_name, CONTROL.sub(REPLACEMENT, value))


@dataclass
class DeclareForm(Form):
    title: str = ""
    summary: str = ""
    questions: str = ""  # one a line
    councils: tuple[str, ...] = ()
    services: str = ""  # separated by commas
    status: str = "investigating"
    workaround: str = ""
    next_update: str = ""
    desk_ref: str = ""
    NAMES: ClassVar[tuple[str, ...]] = (
        "title", "summary", "questions", "councils", "services", "status", "workaround", "next_update", "desk_ref"
    )  # fmt: skip

    @classmethod
    def read(cls, form: FormData) -> DeclareForm:
        title, summary, questions, services, status, workaround, next_update, desk_ref = (
            text_of(form, name) for name in cls.NAMES if name != "councils"
        )
        councils = tuple(v for v in form.getlist("councils") if isinstance(v, str))
        return cls(title, summary, questions, councils, services, status, workaround, next_update, desk_ref)

    def declared(self) -> IncidentFields:
        return declaration(
            title=self.title,
            summary=self.summary,
            questions=lines(self.questions),
            councils=self.councils,
            services=items(self.services),
            status_text=self.status,
            workaround=self.workaround,
            next_update=self.next_update,
            desk_ref=self.desk_ref,
        )


@dataclass
class UpdateForm(Form):
    """An update, with the version the agent read (the page carries it, so a change made in the
    meantime is found, never overwritten)."""

    version: str
    status: str
    summary: str
    workaround: str
    next_update: str
    note: str = ""
    NAMES: ClassVar[tuple[str, ...]] = ("status", "summary", "workaround", "next_update", "note")

    @classmethod
    def of(cls, incident: Incident) -> UpdateForm:
        """Filled with what the incident says now."""
        return cls(
            str(incident.version),
            incident.status,
            incident.summary,
            incident.workaround or "",
            desk_input(incident.next_update_at),
        )

    @classmethod
    def read(cls, form: FormData) -> UpdateForm:
        status, summary, workaround, next_update, note = (text_of(form, name) for name in cls.NAMES)
        return cls(text_of(form, "version"), status, summary, workaround, next_update, note)

    def version_read(self) -> int | None:
        """The version the page showed; None if the form does not carry one (not the page's own)."""
        if not self.version.isascii() or not self.version.isdigit() or len(self.version) > MAX_VERSION_DIGITS:
            return None
        return int(self.version)

    def changes(self, current: Incident) -> Changes:
        """What the agent changed, as the store takes it. The next update as the page showed it is
        left alone: an overdue one the agent did not touch must not refuse their new status."""
        shown = desk_input(current.next_update_at)
        return changes(
            status_text=self.status,
            summary=self.summary,
            workaround=self.workaround,
            next_update=None if self.next_update.strip() == shown else self.next_update,
            text=self.note,
        )

    def seen(self, incident: Incident) -> None:
        """The agent has now been shown ``incident`` as it is: their next send changes that version."""
        self.version = str(incident.version)


@dataclass
class ResolveForm(Form):
    note: str = ""  # what subscribers are told; nothing: the store's own words
    NAMES: ClassVar[tuple[str, ...]] = ("note",)

    @classmethod
    def read(cls, form: FormData) -> ResolveForm:
        return cls(text_of(form, "note"))

    def text(self) -> str | None:
        return typed("text", self.note)
