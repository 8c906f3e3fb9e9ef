"""The studio (roles ``editor`` and ``approver``; docs/editors.md): the articles, the editor with
its preview and "Try it" pane, the review workflow and each article's history. Thin: a form is read
(bot/backoffice/article_forms.py), bot/studio/workflow.py decides and does, the page says what
happened. Every change is audited; nothing live changes but by publish, restore or retire."""

from __future__ import annotations

import asyncio
import datetime as dt
import difflib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.backoffice import audit
from bot.backoffice.access import Endpoint, forbidden, requires
from bot.backoffice.article_forms import LABELS, ArticleForm
from bot.backoffice.incident_forms import GENERAL, text_of
from bot.backoffice.roles import Person, Role
from bot.backoffice.sessions import person_of
from bot.backoffice.templates import render
from bot.incidents.parsing import DESK_ZONE, desk_input
from bot.insights.figures import ArticleFigures
from bot.knowledge.articles import Article, split_article
from bot.periodic import Periodic
from bot.priority import PRIORITIES
from bot.sql import Database
from bot.studio.errors import InvalidDraft, NotAllowed, StaleDraft, StudioError, UnknownArticle, WrongStage
from bot.studio.inbox import Work
from bot.studio.models import ALL, STAGE_NAMES, STAGES, StudioArticle
from bot.studio.workflow import Studio, may, valid_id

PATH = "/studio"
NOTICE_KEY = "studio_notice"
FIGURES_DAYS = 30
MAX_QUESTION_CHARS = 500
MAX_NOTE_CHARS = 1000
SCHEDULE_SECONDS = 30.0  # how often scheduled articles are looked for: they go live within this
KIND_NAMES = {  # what each decision does, as the Try it pane says it
    "answer": "The assistant answers with the article marked (shown).",
    "clarify": "The assistant offers the marked articles as a choice.",
    "escalate": "Nothing fits well enough: the assistant offers a ticket or a person.",
    "elsewhere": "The assistant says this is not for the IT service desk, and who does it.",
}
MAX_GAP_KEY_CHARS = 64
STALE = (
    "Someone else saved this article while you were writing: it is now at version {version}. "
    "The differences between what it says now and your text are shown below; your text is still in "
    "the form. Check it, then save again."
)


class Trying(Protocol):
    """What the "Try it" pane needs of bot/studio/trial.py."""

    def try_question(self, question: str, council: str | None, draft: Article | None) -> Any: ...

    def impact(self, draft: Article) -> list[Any]: ...


Checked = TypeVar("Checked")
Step = Callable[[Studio, Person, str, int, str], StudioArticle]


@dataclass(frozen=True)
class DiffRow:
    kind: str  # same | changed | removed | added
    left: str
    right: str


def side_by_side(before: str, after: str) -> list[DiffRow]:
    """The two texts line by line, as a two-column table shows them."""
    a, b = before.splitlines(), after.splitlines()
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [DiffRow("same", x, x) for x in a[i1:i2]]
        else:
            left, right = a[i1:i2], b[j1:j2]
            for n in range(max(len(left), len(right))):
                x = left[n] if n < len(left) else ""
                y = right[n] if n < len(right) else ""
                kind = "changed" if n < len(left) and n < len(right) else ("removed" if n < len(left) else "added")
                rows.append(DiffRow(kind, x, y))
    return rows


def _person(request: Request) -> Person:
    person = person_of(request)
    assert person is not None  # requires() let only signed-in people in
    return person


def _studio_person(request: Request) -> Person | Response:
    person = _person(request)
    if not (person.can("editor") or person.can("approver")):
        return forbidden(request, "The studio needs the editor or approver role.")
    return person


def studio_routes(
    studio: Studio,
    figures: Callable[[float], list[ArticleFigures]] = lambda since: [],
    trials: Callable[[], Trying] | None = None,
    groups: tuple[str, ...] = (),
    clock: Callable[[], float] = time.time,
    warm: Callable[[], None] = lambda: None,
    inbox: Callable[[Person], Work] | None = None,
    gap_examples: Callable[[Person, str], tuple[str, ...]] = lambda person, key: (),
) -> list[Route]:
    """The studio's pages on ``studio``; ``figures(since)``: each article's answers and feedback from
    the insights store; ``trials()``: the "Try it" engine, loaded on the first call (None: not
    available here); ``groups``: the escalation groups the routing configuration knows; ``warm()``:
    get "Try it" ready in the background, called when an editor opens an article; ``inbox(person)``:
    their inbox (bot/backoffice/studio_inbox.py; None: no inbox here);
    ``gap_examples(person, key)``: the questions of a content gap, for a new article started from it."""

    def names(request: Request) -> dict[str, str]:
        found: dict[str, str] = request.app.state.council_names
        return found

    def shared(request: Request) -> dict[str, Any]:
        return {
            "stage_names": STAGE_NAMES,
            "councils": sorted(names(request).items(), key=lambda c: c[1]),
            "council_names": names(request),
            "all": ALL,
            "categories": studio.folder.categories(),
            "groups": groups,
            "priorities": PRIORITIES,
            "labels": LABELS,
            "kind_names": KIND_NAMES,
            "desk_input": desk_input,
            "shown_at": lambda at: time.strftime("%d %b %Y, %H:%M", time.gmtime(at)) if at else "",
        }

    async def done(request: Request, article_id: str, notice: str) -> Response:
        request.session[NOTICE_KEY] = notice
        return RedirectResponse(f"{PATH}/articles/{article_id}", status_code=303)

    async def changed(request: Request, action: str, article: StudioArticle, detail: Mapping[str, Any]) -> None:
        summary = {"version": article.version, "stage": article.stage, **detail}
        await asyncio.to_thread(
            audit.record, request.app.state.db, _person(request), action, article.article_id, summary
        )

    async def editor(
        request: Request,
        article: StudioArticle | None,
        form: ArticleForm,
        *,
        status_code: int = 200,
        notice: str | None = None,
        trial: Any = None,
        impact: list[Any] | None = None,
        diff: list[DiffRow] | None = None,
        asked: tuple[str, str] = ("", ""),
    ) -> Response:
        person = _person(request)
        councils = article.councils if article else form.councils
        context = {
            "title": f"Edit “{article.title}”" if article else "New article",
            "wide": True,
            "article": article,
            "form": form,
            "notice": notice,
            "can_edit": may(person, "editor", councils) if councils else person.can("editor"),
            "can_review": bool(article) and may(person, "approver", article.councils if article else ()),
            "own_work": article is not None and studio.own_work(article, person),
            "trial": trial,
            "impact": impact,
            "diff": diff,
            "asked": asked,
            "trying": trials is not None,
            **shared(request),
        }
        return render(request, "studio_article.html", context, status_code)

    @requires(None)
    async def listing(request: Request) -> Response:
        person = _studio_person(request)
        if isinstance(person, Response):
            return person
        names = ("stage", "category", "council", "owner", "review", "flagged")
        wanted = {k: str(request.query_params.get(k, "")) for k in names}
        work = await asyncio.to_thread(inbox, person) if inbox and person.can("editor") else None
        flagged = work.flagged if work else frozenset()
        articles = await asyncio.to_thread(studio.listed)
        now = clock()
        by_id = {f.article_id: f for f in await asyncio.to_thread(figures, now - FIGURES_DAYS * 86400)}
        today = dt.datetime.fromtimestamp(now, dt.timezone.utc).date()
        reviews = {a.article_id: _review_by(a) for a in articles}

        def shown(a: StudioArticle) -> bool:
            review = reviews[a.article_id]
            due = review is not None and review <= today + dt.timedelta(days=30)
            return (
                (not wanted["stage"] or a.stage == wanted["stage"])
                and (not wanted["category"] or a.category == wanted["category"])
                and (not wanted["council"] or wanted["council"] in a.councils or ALL in a.councils)
                and (not wanted["owner"] or wanted["owner"].casefold() in a.owner.casefold())
                and (not wanted["review"] or (wanted["review"] == "due" and due))
                and (not wanted["flagged"] or a.article_id in flagged)
            )

        context = {
            "title": "Studio",
            "wide": True,
            "rows": [(a, by_id.get(a.article_id), reviews[a.article_id]) for a in articles if shown(a)],
            "total": len(articles),
            "wanted": wanted,
            "stages": STAGES,
            "today": today,
            "notice": request.session.pop(NOTICE_KEY, None),
            "can_write": person.can("editor"),
            "inbox": work.counts if work else None,
            "flagged": flagged,
            **shared(request),
        }
        return render(request, "studio.html", context)

    @requires("editor")
    async def new_page(request: Request) -> Response:
        today = dt.datetime.fromtimestamp(clock(), dt.timezone.utc).date()
        own = _person(request).councils("editor")
        warm()
        form = ArticleForm.new(today, (ALL,) if own is None else tuple(own))
        gap = str(request.query_params.get("gap", ""))[:MAX_GAP_KEY_CHARS]
        if gap:  # started from a content gap in the inbox: its questions are the article's first
            form.questions = "\n".join(await asyncio.to_thread(gap_examples, _person(request), gap))
        return await editor(request, None, form)

    @requires("editor")
    async def create(request: Request) -> Response:
        async with request.form() as data:
            form = ArticleForm.read(data)
        try:
            article = await _checked(form, lambda text: studio.create(_person(request), text))
        except StudioError as exc:
            return await refused(request, None, form, exc)
        await changed(request, "article.create", article, {"title": article.title})
        return await done(request, article.article_id, "Saved as a draft. Nothing staff see has changed yet.")

    async def _checked(form: ArticleForm, act: Callable[[str], Checked]) -> Checked:
        problems = form.problems()
        if problems:
            raise InvalidDraft(problems)
        return await asyncio.to_thread(act, form.text())

    async def refused(request: Request, article: StudioArticle | None, form: ArticleForm, exc: StudioError) -> Response:
        if isinstance(exc, InvalidDraft):
            form.refused(exc.problems)
            return await editor(request, article, form, status_code=400)
        if isinstance(exc, StaleDraft):
            form.errors[GENERAL] = STALE.format(version=exc.current.version)
            form.version = str(exc.current.version)  # saved again, it is meant to replace what they have now seen
            diff = side_by_side(exc.current.text, form.text())
            return await editor(request, exc.current, form, status_code=409, diff=diff)
        if isinstance(exc, NotAllowed):
            return forbidden(request, str(exc))
        return await editor(request, article, form, status_code=409, notice=str(exc))

    async def found(request: Request) -> StudioArticle | Response:
        article_id = str(request.path_params["id"])
        try:
            if not valid_id(article_id):
                raise UnknownArticle(article_id)
            return await asyncio.to_thread(studio.get, article_id)
        except UnknownArticle:
            message = "There is no such article."
            return render(request, "error.html", {"title": "No such article", "message": message}, 404)

    async def readable(request: Request) -> tuple[Person, StudioArticle] | Response:
        """Who is reading, and the path's article; else the page that says why not."""
        person = _studio_person(request)
        if isinstance(person, Response):
            return person
        article = await found(request)
        return article if isinstance(article, Response) else (person, article)

    @requires(None)
    async def article_page(request: Request) -> Response:
        read = await readable(request)
        if isinstance(read, Response):
            return read
        _, article = read
        form = ArticleForm.of(article.text, article.version)
        warm()
        return await editor(request, article, form, notice=request.session.pop(NOTICE_KEY, None))

    @requires("editor")
    async def save(request: Request) -> Response:
        article = await found(request)
        if isinstance(article, Response):
            return article
        async with request.form() as data:
            form = ArticleForm.read(data, article.text)
        read = form.read_version()
        if read is None:
            form.errors[GENERAL] = "The form did not say which version it changes: reload the page and try again."
            return await editor(request, article, form, status_code=400)
        try:
            saved = await _checked(form, lambda text: studio.save(_person(request), article.article_id, text, read))
        except StudioError as exc:
            return await refused(request, article, form, exc)
        await changed(request, "article.save", saved, {"read": read})
        return await done(request, saved.article_id, "Saved as a draft. Staff still see the published version.")

    @requires(None)
    async def try_it(request: Request) -> Response:
        person = _studio_person(request)
        if isinstance(person, Response):
            return person
        async with request.form() as data:
            question = text_of(data, "question").strip()[:MAX_QUESTION_CHARS]
            council = text_of(data, "council")
            article_id = text_of(data, "id").strip()
            held = await asyncio.to_thread(studio.store.get, article_id) if valid_id(article_id) else None
            form = ArticleForm.read(data, held.text if held else None)
            wants_impact = bool(text_of(data, "impact"))
        article = held
        if article is None and valid_id(article_id):
            try:
                article = await asyncio.to_thread(studio.get, article_id)
            except UnknownArticle:
                article = None
        if trials is None:
            form.errors[GENERAL] = "Trying questions is not available on this server."
            return await editor(request, article, form, status_code=503)
        engine = await asyncio.to_thread(trials)  # the first call loads the model: seconds
        try:
            draft = await _checked(form, lambda text: _draft_of(studio, text))
        except InvalidDraft as exc:
            form.refused(exc.problems)
            return await editor(request, article, form, status_code=400, asked=(question, council))
        chosen = council if council in names(request) else None
        trial = await asyncio.to_thread(engine.try_question, question, chosen, draft) if question else None
        impact = await asyncio.to_thread(engine.impact, draft) if wants_impact else None
        return await editor(request, article, form, trial=trial, impact=impact, asked=(question, council))

    def _workflow(action: str, role: Role, act: Step, notice: str) -> Endpoint:
        """The route of one workflow step: the form names the version it read, and a ``note`` or a ``number``."""

        @requires(role)
        async def step(request: Request) -> Response:
            article = await found(request)
            if isinstance(article, Response):
                return article
            async with request.form() as data:
                read_text, note = text_of(data, "version"), text_of(data, "note").strip()[:MAX_NOTE_CHARS]
                number = text_of(data, "number") or text_of(data, "publish_at")
            if not read_text.isdigit() or len(read_text) > 9:
                return await done(request, article.article_id, "The form was out of date: nothing was done.")
            try:
                moved = await asyncio.to_thread(
                    act, studio, _person(request), article.article_id, int(read_text), note or number
                )
            except NotAllowed as exc:
                return forbidden(request, str(exc))
            except StaleDraft as exc:
                version = exc.current.version
                message = f"Someone else changed this article meanwhile (now version {version}): nothing was done."
                return await done(request, article.article_id, message)
            except (WrongStage, InvalidDraft) as exc:
                return await done(request, article.article_id, f"Nothing was done: {exc}")
            await changed(request, f"article.{action}", moved, {"note": note} if note else {})
            return await done(request, moved.article_id, notice)

        return step

    @requires(None)
    async def history(request: Request) -> Response:
        read = await readable(request)
        if isinstance(read, Response):
            return read
        person, article = read
        versions = await asyncio.to_thread(studio.versions, article.article_id)
        compared = [(v, side_by_side(versions[i + 1].text, v.text) if i + 1 < len(versions) else None)
                    for i, v in enumerate(versions)]  # fmt: skip
        context = {
            "title": f"History of “{article.title}”",
            "wide": True,
            "article": article,
            "compared": compared,
            "draft_diff": side_by_side(versions[0].text, article.text)
            if versions and versions[0].text != article.text
            else None,
            "can_restore": may(person, "approver", article.councils),
            **shared(request),
        }
        return render(request, "studio_history.html", context)

    return [
        Route(PATH, listing, methods=["GET"]),
        Route(PATH + "/new", new_page, methods=["GET"]),
        Route(PATH + "/new", create, methods=["POST"]),
        Route(PATH + "/try", try_it, methods=["POST"]),
        Route(PATH + "/articles/{id}", article_page, methods=["GET"]),
        Route(PATH + "/articles/{id}", save, methods=["POST"]),
        Route(PATH + "/articles/{id}/history", history, methods=["GET"]),
        *(
            Route(f"{PATH}/articles/{{id}}/{name}", _workflow(action, role, act, notice), methods=["POST"])
            for name, (action, role, act, notice) in STEPS.items()
        ),
    ]


def _schedule(studio: Studio, person: Person, article_id: str, read: int, when: str) -> StudioArticle:
    """``when``: the form's date and time, on the desk's clock (UK time)."""
    try:
        at = dt.datetime.fromisoformat(when.strip()).replace(tzinfo=DESK_ZONE).timestamp()
    except ValueError:
        raise WrongStage("choose the date and time to publish it") from None
    return studio.schedule(person, article_id, read, at)


def scheduled_publisher(studio: Studio, db: Database, every: float = SCHEDULE_SECONDS) -> Periodic:
    """The job that publishes scheduled articles when their time comes, each audited as its scheduler's."""

    def step() -> None:
        for article in studio.publish_due():
            detail = {"version": article.version, "stage": article.stage, "scheduled": True}
            audit.record(db, article.updated_by, "article.publish", article.article_id, detail)

    return Periodic("studio-scheduled-publishing", step, every)


def _restore(studio: Studio, person: Person, article_id: str, read: int, number: str) -> StudioArticle:
    if not number.isdigit() or len(number) > 9:
        raise WrongStage("choose a version to restore")
    return studio.restore(person, article_id, int(number), read)


# Each workflow step: its path, its audit action, who may take it, what it does (the form's note,
# or for restore the version's number, as the last argument) and what the page then says.
STEPS: dict[str, tuple[str, Role, Step, str]] = {
    "submit": ("submit", "editor", lambda s, p, a, r, _: s.submit(p, a, r),
               "Submitted for review: an approver will look at it."),
    "verify": ("verify", "editor", lambda s, p, a, r, note: s.verify(p, a, r, note),
               "Verified: its review date is a year on."),
    "approve": ("approve", "approver", lambda s, p, a, r, _: s.approve(p, a, r),
                "Approved. Publish it to put it live."),
    "changes": ("request_changes", "approver", lambda s, p, a, r, note: s.request_changes(p, a, r, note),
                "Sent back to its author with your note."),
    "publish": ("publish", "approver", lambda s, p, a, r, _: s.publish(p, a, r),
                "Published: the assistant answers with it within seconds."),
    "schedule": ("schedule", "approver", _schedule, "Scheduled: it goes live at the time you chose."),
    "retire": ("retire", "approver", lambda s, p, a, r, _: s.retire(p, a, r),
               "Retired: the assistant no longer answers with it."),
    "restore": ("restore", "approver", _restore,
                "Restored: the assistant answers with that version within seconds."),
}  # fmt: skip


def _draft_of(studio: Studio, text: str) -> Article:
    """The draft as the bot would load it, checked as a save is (InvalidDraft otherwise)."""
    return studio.check(text)


def _review_by(article: StudioArticle) -> dt.date | None:
    split = split_article(article.text)
    value = split[0].get("review_by") if split else None
    return value if isinstance(value, dt.date) else None
