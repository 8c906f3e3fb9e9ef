"""The home page: who is signed in, their roles, and the sections those roles open."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from bot.backoffice.access import requires
from bot.backoffice.roles import Person, Role
from bot.backoffice.sessions import person_of
from bot.backoffice.templates import render


@dataclass(frozen=True)
class Section:
    title: str
    roles: tuple[Role, ...]
    purpose: str
    path: str | None = None  # None: not built yet, shown as coming soon


SECTIONS = (
    Section("Insights", ("manager",), "what staff ask, what the assistant answers, and the gaps", "/insights"),
    Section("Agent console", ("agent",), "conversations handed to a person", "/agents"),
    Section("Known incidents", ("agent",), "outages staff are told of in the chat", "/agents/incidents"),
    Section("Studio", ("editor", "approver"), "writing, reviewing and publishing articles", "/studio"),
)


def councils_text(person: Person, roles: tuple[Role, ...], names: dict[str, str]) -> str:
    scopes = [person.councils(role) for role in roles if person.can(role)]
    if any(scope is None for scope in scopes):
        return "all councils"
    ids = sorted({c for scope in scopes if scope for c in scope})
    return ", ".join(names.get(c, c) for c in ids)


@requires(None)
async def home(request: Request) -> Response:
    person = person_of(request)
    assert person is not None
    names: dict[str, str] = request.app.state.council_names
    sections = [
        {"section": s, "councils": councils_text(person, s.roles, names)}
        for s in SECTIONS
        if any(person.can(role) for role in s.roles)
    ]
    grants = [(g.role, names.get(g.council, g.council) if g.council else "all councils") for g in person.grants]
    return render(request, "home.html", {"sections": sections, "grants": grants})
