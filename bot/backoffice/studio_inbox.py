"""The studio's inbox page (``/studio/inbox``, role ``editor``): the "didn't help" tasks and the
proposed phrasings of the articles the editor may change, and the latest content gaps. Thin: the
form is read, bot/studio/inbox.py decides and does, the page says what happened. Every decision is
audited."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.backoffice import audit
from bot.backoffice.access import forbidden, requires
from bot.backoffice.incident_forms import text_of
from bot.backoffice.incidents import iso_at
from bot.backoffice.roles import Person
from bot.backoffice.sessions import person_of
from bot.backoffice.studio import MAX_NOTE_CHARS, PATH
from bot.backoffice.templates import render
from bot.insights.outcomes import MAX_QUESTION_CHARS
from bot.studio.errors import AlreadyDecided, InvalidDraft, NotAllowed, NotInInbox, StaleDraft, StudioError
from bot.studio.inbox import Inbox
from bot.studio.inbox_store import TaskDecision

INBOX = PATH + "/inbox"
NOTICE_KEY = "studio_inbox_notice"
MAX_ID_DIGITS = 18  # a question id is an event id: a BIGINT
DECISIONS: dict[str, TaskDecision] = {"done": "done", "dismiss": "dismissed"}
DONE = {"done": "Marked done: the task has left the inbox.", "dismissed": "Dismissed: the task has left the inbox."}
STALE = (
    "Someone changed “{title}” since this page was shown (now version {version}): nothing was added. "
    "The phrasing is still proposed below: accept it again to add it to the article as it is now."
)
REFUSED = "“{phrasing}” was not added to {article}: {reason}. The phrasing is still proposed below."


def _person(request: Request) -> Person:
    person = person_of(request)
    assert person is not None  # requires() let only signed-in people in
    return person


def inbox_routes(inbox: Inbox) -> list[Route]:
    """The inbox's page and its decisions, on ``inbox``."""

    async def page(request: Request, *, status_code: int = 200, problem: str | None = None) -> Response:
        work = await asyncio.to_thread(inbox.work, _person(request))
        context = {
            "title": "Inbox",
            "wide": True,
            "work": work,
            "notice": request.session.pop(NOTICE_KEY, None),
            "problem": problem,
            "council_names": request.app.state.council_names,
            "shown_at": lambda at: time.strftime("%d %b %Y, %H:%M", time.gmtime(at)) if at else "",
            "iso_at": iso_at,
            "max_note": MAX_NOTE_CHARS,
        }
        return render(request, "studio_inbox.html", context, status_code)

    async def done(request: Request, notice: str) -> Response:
        request.session[NOTICE_KEY] = notice
        return RedirectResponse(INBOX, status_code=303)

    async def audited(request: Request, action: str, target: str, detail: Mapping[str, Any]) -> None:
        await asyncio.to_thread(audit.record, request.app.state.db, _person(request), action, target, detail)

    def not_found(request: Request, message: str) -> Response:
        return render(request, "error.html", {"title": "Not in your inbox", "message": message}, 404)

    def too_long(request: Request, what: str) -> Response:
        message = f"The {what} was too long: nothing was done."
        return render(request, "error.html", {"title": "Too long", "message": message}, 400)

    @requires("editor")
    async def listing(request: Request) -> Response:
        return await page(request)

    @requires("editor")
    async def decide_task(request: Request) -> Response:
        given = str(request.path_params["id"])
        async with request.form() as data:
            decision, note = DECISIONS.get(text_of(data, "decision")), text_of(data, "note").strip()
        if not given.isdigit() or len(given) > MAX_ID_DIGITS:
            return not_found(request, "There is no such task.")
        if decision is None:
            return render(request, "error.html", {"title": "Not done", "message": "Choose done or dismiss."}, 400)
        if len(note) > MAX_NOTE_CHARS:
            return too_long(request, "note")
        try:
            task = await asyncio.to_thread(inbox.decide_task, _person(request), int(given), decision, note)
        except NotInInbox:
            return not_found(request, "There is no such task.")
        except (NotAllowed, AlreadyDecided) as exc:
            return await refused(request, exc)
        await audited(request, f"task.{decision}", task.article_id, {"question": task.question_id, "note": note})
        return await done(request, DONE[decision])

    async def refused(request: Request, exc: StudioError) -> Response:
        """What a decision that cannot be made answers: not found, not theirs, or decided already."""
        if isinstance(exc, NotInInbox):
            return not_found(request, str(exc))
        if isinstance(exc, NotAllowed):
            return forbidden(request, str(exc))
        return await done(request, f"Nothing was done: {exc}")

    async def phrasing_form(request: Request) -> tuple[str, str, str] | Response:
        async with request.form() as data:
            article_id, key, version = (text_of(data, n).strip() for n in ("article", "phrasing", "version"))
        if len(key) > MAX_QUESTION_CHARS:
            return too_long(request, "phrasing")
        return article_id, key, version

    @requires("editor")
    async def accept(request: Request) -> Response:
        read = await phrasing_form(request)
        if isinstance(read, Response):
            return read
        article_id, key, version = read
        if not version.isdigit() or len(version) > 9:
            return await done(request, "The page was out of date: nothing was added. Accept it again.")
        try:
            saved, phrasing = await asyncio.to_thread(inbox.accept, _person(request), article_id, key, int(version))
        except (NotInInbox, NotAllowed, AlreadyDecided) as exc:
            return await refused(request, exc)
        except StaleDraft as exc:
            message = STALE.format(title=exc.current.title, version=exc.current.version)
            return await page(request, status_code=409, problem=message)
        except StudioError as exc:
            problems = exc.problems if isinstance(exc, InvalidDraft) else []
            reason = "; ".join(p.message for p in problems) or str(exc)
            message = REFUSED.format(phrasing=key, article=article_id, reason=reason)
            return await page(request, status_code=400, problem=message)
        detail = {"phrasing": phrasing.text, "version": saved.version, "stage": saved.stage}
        await audited(request, "phrasing.accept", article_id, detail)
        return await done(
            request,
            f"Added “{phrasing.text}” to the questions of “{saved.title}” in a new draft: "
            "submit it for review to put it live.",
        )

    @requires("editor")
    async def reject(request: Request) -> Response:
        read = await phrasing_form(request)
        if isinstance(read, Response):
            return read
        article_id, key, _ = read
        try:
            phrasing = await asyncio.to_thread(inbox.reject, _person(request), article_id, key)
        except (NotInInbox, NotAllowed, AlreadyDecided) as exc:
            return await refused(request, exc)
        await audited(request, "phrasing.reject", article_id, {"phrasing": phrasing.text})
        return await done(request, f"Rejected “{phrasing.text}”: it will not be proposed again.")

    return [
        Route(INBOX, listing, methods=["GET"]),
        Route(INBOX + "/tasks/{id}", decide_task, methods=["POST"]),
        Route(INBOX + "/phrasings/accept", accept, methods=["POST"]),
        Route(INBOX + "/phrasings/reject", reject, methods=["POST"]),
    ]
