"""Known incidents in the agent console (role ``agent``; docs/incidents.md): the active incidents and
those resolved lately, and the forms that declare, update and resolve one. Thin: a form is read
(bot/backoffice/incident_forms.py), the store checks and keeps it, the page says what happened. An
agent for some councils sees the incidents that concern them and changes only those that concern
no other council; every change is audited and recorded as the console's (source ``agent``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.backoffice import audit
from bot.backoffice.access import forbidden, requires
from bot.backoffice.incident_forms import GENERAL, DeclareForm, ResolveForm, UpdateForm
from bot.backoffice.roles import Person
from bot.backoffice.sessions import person_of
from bot.backoffice.templates import render
from bot.identity import ALL_COUNCILS
from bot.incidents import validation
from bot.incidents.errors import IncidentResolved, InvalidIncident, StaleVersion, UnknownIncident
from bot.incidents.models import RESOLVED, STATUSES, Incident
from bot.incidents.parsing import DESK_ZONE
from bot.incidents.store import RESOLVED_TEXT, IncidentStore

PATH = "/agents/incidents"
INCIDENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # anything else in the path is no incident's id
RECENT_SECONDS = 7 * 24 * 3600.0  # resolved incidents stay listed below the active ones for a week
MOST_RESOLVED = 20
NOTICE_KEY = "incident_notice"  # in the session: what the agent's last change did, shown once
STATUS_NAMES = {
    "investigating": "Investigating: the cause is not known yet",
    "identified": "Identified: the cause is known",
    "monitoring": "Monitoring: a fix is in and being watched",
    "resolved": "Resolved",
}
SOURCE_NAMES = {"agent": "the agent console", "cli": "the command line", "statuspage": "the status page",
                "desk": "the service desk"}  # fmt: skip
LIMITS = {
    "title": validation.MAX_TITLE,
    "summary": validation.MAX_SUMMARY,
    "workaround": validation.MAX_TEXT,
    "desk_ref": validation.MAX_TITLE,
    "note": validation.MAX_SUMMARY,
}
NOT_YOURS = "This incident concerns councils you are not an agent for: an agent for all councils can change it."
NO_SUCH = "There is no such incident."
NO_VERSION = "The form did not say which version of the incident it changes: reload the page and try again."
STALE = (
    "Another agent changed this incident while you were writing: it is now at version {version}, "
    "changed {at}. What it says now is shown above this form; your changes are still in the form. "
    "Check them against it, then save again."
)
Scope = frozenset[str] | None  # the councils an agent serves; None: all of them
SentForm = TypeVar("SentForm", UpdateForm, ResolveForm)


def scope_of(person: Person) -> Scope:
    councils = person.councils("agent")
    return None if councils is None else frozenset(councils)


def may_change(scope: Scope, councils: Collection[str]) -> bool:
    """An agent for every council changes any incident; an agent for some, only one that concerns
    no council but theirs."""
    return scope is None or (ALL_COUNCILS not in councils and set(councils) <= scope)


def may_see(scope: Scope, incident: Incident) -> bool:
    return scope is None or any(incident.concerns(council) for council in scope)


def shown_at(at: float, now: float | None = None) -> str:
    """A time as the desk's clock shows it: ``Tue 1 Dec, 09:12``, with the year if it is not now's."""
    local = dt.datetime.fromtimestamp(at, DESK_ZONE)
    same = now is None or dt.datetime.fromtimestamp(now, DESK_ZONE).year == local.year
    return f"{local:%a} {local.day} {local:%b}{'' if same else f' {local.year}'}, {local:%H:%M}"


def iso_at(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.timezone.utc).isoformat(timespec="minutes")


@dataclass(frozen=True)
class Row:
    """An incident as the page lists it; ``form``: its update form, if the agent may change it."""

    incident: Incident
    affected: int
    subscribed: int
    form: UpdateForm | None


def rows(
    store: IncidentStore, scope: Scope, forms: Mapping[str, UpdateForm], now: float
) -> tuple[list[Row], list[Row]]:
    """The active incidents the agent sees, newest first, and those resolved in the last week."""
    seen = [i for i in store.listed(resolved=True) if may_see(scope, i)]
    active = sorted((i for i in seen if i.is_active), key=lambda i: i.started_at, reverse=True)
    recent = [i for i in seen if not i.is_active and (i.resolved_at or 0.0) >= now - RECENT_SECONDS]
    recent = sorted(recent, key=lambda i: i.resolved_at or 0.0, reverse=True)[:MOST_RESOLVED]

    def row(incident: Incident) -> Row:
        form = None
        if incident.is_active and may_change(scope, incident.councils):
            form = forms.get(incident.id) or UpdateForm.of(incident)
        affected, subscribed = store.affected_users(incident.id), store.subscribers(incident.id)
        return Row(incident, len(affected), len(subscribed), form)

    return [row(i) for i in active], [row(i) for i in recent]


def _person(request: Request) -> Person:
    person = person_of(request)
    assert person is not None  # requires() let only a signed-in agent in
    return person


def _done(request: Request, incident: Incident, notice: str) -> Response:
    """After a change: back to the list at the incident (a reload sends nothing again)."""
    request.session[NOTICE_KEY] = notice
    return RedirectResponse(f"{PATH}#incident-{incident.id}", status_code=303)


def incidents_routes(store: IncidentStore, clock: Callable[[], float] = time.time) -> list[Route]:
    """The list, and the routes that declare, update and resolve, on ``store``."""

    async def listing(
        request: Request,
        *,
        declare: DeclareForm | None = None,
        forms: Mapping[str, UpdateForm] | None = None,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Response:
        scope = scope_of(_person(request))
        now = clock()
        active, resolved = await asyncio.to_thread(rows, store, scope, forms or {}, now)
        names: dict[str, str] = request.app.state.council_names
        offered = sorted(((c, name) for c, name in names.items() if scope is None or c in scope), key=lambda c: c[1])
        if declare is None:  # an agent of one council declares for it, unless they say otherwise
            declare = DeclareForm(councils=tuple(c for c, _ in offered) if len(offered) == 1 else ())
        context = {
            "title": "Known incidents",
            "active": active,
            "resolved": resolved,
            "declare": declare,
            "offered": offered,
            "for_all": scope is None,
            "notice": notice,
            "recent_days": round(RECENT_SECONDS / 86400),
            **_shared(names, now),
        }
        return render(request, "incidents.html", context, status_code)

    async def yours(request: Request) -> Incident | Response:
        """The path's incident, if this agent may change it; else the page that says why not."""
        incident_id = str(request.path_params["id"])
        try:
            if INCIDENT_ID.fullmatch(incident_id) is None:
                raise UnknownIncident(incident_id)
            incident = await asyncio.to_thread(store.get, incident_id)
        except UnknownIncident:
            return render(request, "error.html", {"title": "No such incident", "message": NO_SUCH}, 404)
        if not may_change(scope_of(_person(request)), incident.councils):
            return forbidden(request, NOT_YOURS)
        return incident

    async def changing(request: Request, read: Callable[[FormData], SentForm]) -> tuple[Incident, SentForm] | Response:
        """The path's incident and the form sent to change it, if this agent may; else the page that says why not."""
        current = await yours(request)
        if isinstance(current, Response):
            return current
        async with request.form() as data:
            return current, read(data)

    async def changed(request: Request, action: str, incident: Incident, detail: dict[str, Any]) -> None:
        await asyncio.to_thread(audit.record, request.app.state.db, _person(request), action, incident.id, detail)

    @requires("agent")
    async def page(request: Request) -> Response:
        return await listing(request, notice=request.session.pop(NOTICE_KEY, None))

    @requires("agent")
    async def declare(request: Request) -> Response:
        async with request.form() as data:
            form = DeclareForm.read(data)
        if form.councils and not may_change(scope_of(_person(request)), form.councils):
            return forbidden(request, "You may declare incidents for your own councils only.")
        try:
            incident = await asyncio.to_thread(store.declare, form.declared(), source="agent", now=clock())
        except InvalidIncident as exc:
            form.refused(exc)
            return await listing(request, declare=form, status_code=400)
        detail = {"title": incident.title, "councils": list(incident.councils), "status": incident.status}
        await changed(request, "incident.declare", incident, {**detail, "version": incident.version})
        return _done(request, incident, f"Declared “{incident.title}”: staff of its councils now get its card.")

    @requires("agent")
    async def update(request: Request) -> Response:
        sent = await changing(request, UpdateForm.read)
        if isinstance(sent, Response):
            return sent
        current, form = sent
        read = form.version_read()
        if read is None:
            return render(request, "error.html", {"title": "Form not recognised", "message": NO_VERSION}, 400)
        try:
            new = await asyncio.to_thread(store.update, current.id, read, now=clock(), **form.changes(current))
        except StaleVersion as exc:
            form.errors[GENERAL] = STALE.format(version=exc.incident.version, at=shown_at(exc.incident.updated_at))
            form.seen(exc.incident)
            return await listing(request, forms={current.id: form}, status_code=409)
        except IncidentResolved as exc:
            return await listing(request, notice=_over(exc.incident, "updated"), status_code=409)
        except InvalidIncident as exc:
            form.refused(exc)
            return await listing(request, forms={current.id: form}, status_code=400)
        if new.version == read:
            return _done(request, new, f"Nothing changed: “{new.title}” already says that.")
        fields = ("status", "summary", "workaround", "next_update_at")
        what = [name for name in fields if getattr(new, name) != getattr(current, name)]
        detail = {"read": read, "version": new.version, "status": new.status, "changed": what, "note": bool(form.note)}
        await changed(request, "incident.update", new, detail)
        return _done(request, new, f"Updated “{new.title}” (version {new.version}): {STATUS_NAMES[new.status]}.")

    @requires("agent")
    async def resolve_page(request: Request) -> Response:
        incident = await yours(request)
        if isinstance(incident, Response):
            return incident
        return _confirm(request, incident, ResolveForm(), clock())

    @requires("agent")
    async def resolve(request: Request) -> Response:
        sent = await changing(request, ResolveForm.read)
        if isinstance(sent, Response):
            return sent
        current, form = sent
        try:
            new = await asyncio.to_thread(store.resolve, current.id, now=clock(), text=form.text())
        except IncidentResolved as exc:
            return _confirm(request, exc.incident, form, clock(), status_code=409)
        except InvalidIncident as exc:
            form.refused(exc)
            return _confirm(request, current, form, clock(), status_code=400)
        await changed(request, "incident.resolve", new, {"version": new.version, "note": bool(form.text())})
        return _done(request, new, f"Resolved “{new.title}”: staff no longer get its card.")

    return [
        Route(PATH, page, methods=["GET"]),
        Route(PATH, declare, methods=["POST"]),
        Route(PATH + "/{id}/update", update, methods=["POST"]),
        Route(PATH + "/{id}/resolve", resolve_page, methods=["GET"]),
        Route(PATH + "/{id}/resolve", resolve, methods=["POST"]),
    ]


def _over(incident: Incident, tried: str) -> str:
    at = shown_at(incident.resolved_at or incident.updated_at)
    return f"“{incident.title}” was resolved already ({at}), so it was not {tried}. If it is back, declare it again."


def _confirm(request: Request, incident: Incident, form: ResolveForm, now: float, status_code: int = 200) -> Response:
    """The page that asks before resolving; for an incident resolved already, the page that says so."""
    names: dict[str, str] = request.app.state.council_names
    context = {
        "title": "Resolve an incident",
        "incident": incident,
        "form": form,
        "over": None if incident.is_active else _over(incident, "resolved again"),
        "resolved_text": RESOLVED_TEXT,
        **_shared(names, now),
    }
    return render(request, "incident_resolve.html", context, status_code)


def _shared(names: Mapping[str, str], now: float) -> dict[str, Any]:
    """What both pages' templates use to show an incident."""

    def councils(incident: Incident) -> str:
        if ALL_COUNCILS in incident.councils:
            return "All councils"
        return ", ".join(names.get(c, c) for c in incident.councils)

    return {
        "now": now,
        "shown_at": lambda at: shown_at(at, now),
        "iso_at": iso_at,
        "councils": councils,
        "status_names": STATUS_NAMES,
        "statuses": [(s, STATUS_NAMES[s]) for s in STATUSES if s != RESOLVED],
        "source_names": SOURCE_NAMES,
        "limits": LIMITS,
        "all_councils": ALL_COUNCILS,
    }
