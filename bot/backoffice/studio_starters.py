"""The studio's starter topics page (role ``editor``): the up to five articles the welcome offers
each council's staff as buttons, and the list for every council. An editor for one council sets
that council's list; an editor for all councils sets any, and the every-council list. Thin: the
lists and their rules are bot/studio/starters.py's; every save is audited (``starters.set``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.backoffice import audit
from bot.backoffice.access import forbidden, requires
from bot.backoffice.incident_forms import text_of
from bot.backoffice.roles import Person
from bot.backoffice.sessions import person_of
from bot.backoffice.templates import render
from bot.knowledge.errors import KnowledgeError
from bot.studio.starters import EVERY_COUNCIL, MAX_STARTERS, LiveArticles, StarterRefused, StarterStore, check_choice

PATH = "/studio/starters"
NOTICE_KEY = "starters_notice"
MAX_ID_CHARS = 200  # longer than any article id: a longer field is not one
FIELD = "topic-"  # topic-1 .. topic-5: the places in the list, first shown first
TOPIC_FIELD = re.compile(r"topic-[1-9][0-9]?")


@dataclass(frozen=True)
class CouncilList:
    """One council's form: its name, the articles its staff may be offered (id -> title) and its
    list now (or, after a refusal, the list as the editor sent it)."""

    council: str
    name: str
    live: dict[str, str]
    chosen: list[str]
    error: str | None = None


def _person(request: Request) -> Person:
    person = person_of(request)
    assert person is not None  # requires() let only signed-in people in
    return person


def starters_routes(store: StarterStore, articles: LiveArticles, clock: Callable[[], float] = time.time) -> list[Route]:
    """The page on ``store``'s lists; ``articles``: the index build the bot answers from."""

    def names(request: Request) -> dict[str, str]:
        found: dict[str, str] = request.app.state.council_names
        return found

    def editable(person: Person, request: Request) -> list[str]:
        """The lists ``person`` may set: every-council first, then councils by name."""
        councils = sorted(names(request), key=lambda c: names(request)[c])
        own = person.councils("editor")
        return [EVERY_COUNCIL, *councils] if own is None else [c for c in councils if c in own]

    def title_of(request: Request, council: str) -> str:
        return "Every council" if council == EVERY_COUNCIL else names(request).get(council, council)

    async def lists(request: Request, councils: list[str], refused: CouncilList | None = None) -> list[CouncilList]:
        today = dt.datetime.fromtimestamp(clock(), dt.timezone.utc).date()
        shown = []
        for council in councils:
            if refused is not None and refused.council == council:
                shown.append(refused)
                continue
            live = await asyncio.to_thread(articles.titles, council, today)
            chosen = await asyncio.to_thread(store.chosen, council)
            shown.append(CouncilList(council, title_of(request, council), live, chosen))
        return shown

    async def page(request: Request, forms: list[CouncilList], status_code: int = 200) -> Response:
        context = {
            "title": "Starter topics",
            "forms": forms,
            "slots": range(MAX_STARTERS),
            "notice": request.session.pop(NOTICE_KEY, None),
            "every": EVERY_COUNCIL,
        }
        return render(request, "studio_starters.html", context, status_code)

    def no_index(request: Request) -> Response:
        message = "The knowledge base's index cannot be read now, so no articles can be offered: try again shortly."
        return render(request, "error.html", {"title": "Starter topics", "message": message}, 503)

    @requires("editor")
    async def listing(request: Request) -> Response:
        try:
            return await page(request, await lists(request, editable(_person(request), request)))
        except KnowledgeError:
            return no_index(request)

    @requires("editor", council_param="council")
    async def save(request: Request) -> Response:
        person, council = _person(request), str(request.path_params["council"])
        if council != EVERY_COUNCIL and council not in names(request):
            return render(
                request, "error.html", {"title": "No such council", "message": "There is no such council."}, 404
            )
        if council not in editable(person, request):
            return forbidden(request, "Only an editor for every council sets the every-council list.")
        async with request.form() as data:
            places = sorted(int(k[len(FIELD) :]) for k in data if TOPIC_FIELD.fullmatch(k))
            asked = [text_of(data, f"{FIELD}{n}").strip()[:MAX_ID_CHARS] for n in places]
        today = dt.datetime.fromtimestamp(clock(), dt.timezone.utc).date()
        try:
            live = await asyncio.to_thread(articles.titles, council, today)
        except KnowledgeError:
            return no_index(request)
        try:
            chosen = check_choice(council, asked, live)
            await asyncio.to_thread(store.set_chosen, council, chosen)
        except StarterRefused as exc:
            refused = CouncilList(council, title_of(request, council), live, asked, str(exc))
            forms = await lists(request, editable(person, request), refused)
            return await page(request, forms, 400)
        await asyncio.to_thread(
            audit.record, request.app.state.db, person, "starters.set", council, {"articles": chosen}
        )
        said = "none: staff see the most asked articles" if not chosen else ", ".join(live[a] for a in chosen)
        request.session[NOTICE_KEY] = f"Saved the starter topics for {title_of(request, council)}: {said}."
        return RedirectResponse(f"{PATH}#starters-{council}", status_code=303)

    return [
        Route(PATH, listing, methods=["GET"]),
        Route(PATH + "/{council}", save, methods=["POST"]),
    ]
