"""Who may do what to an article, and when: the studio's rules in one place, on top of the store
(drafts and history) and the folder (what is live).

- An ``editor`` creates and changes working copies and submits them for review. Any change puts the
  article back to ``draft``: what an approver approved is exactly what gets published.
- An ``approver`` who did not write the working copy approves it or asks for changes, then
  publishes it, retires a published article, or restores an old version (a new version, live at once).
- Each role is granted for every council or for one: an article for all councils needs the role
  for all; an article for some councils needs it for each of them, before and after the change.
- Nothing live changes until a publish, retire or restore: the folder is written only then, whole.

Every method takes the person and the version they read, and raises a StudioError saying why not.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import Path

from bot.backoffice.roles import Person, Role
from bot.knowledge.articles import Article, article_text, parse_article, split_article
from bot.knowledge.errors import Problem
from bot.knowledge.ids import is_article_id
from bot.knowledge.validate import collection_problems
from bot.studio.errors import InvalidDraft, NotAllowed, StaleDraft, UnknownArticle, WrongStage
from bot.studio.folder import ArticleFolder
from bot.studio.models import ALL, Stage, StudioArticle, Version
from bot.studio.store import StudioStore

SUBMITTABLE: frozenset[Stage] = frozenset({"draft", "changes_requested"})
log = logging.getLogger(__name__)
FOUND_NOTE = "as found in the articles folder"
REVIEW_PERIOD = dt.timedelta(days=365)  # how far a verification moves the review date on
MAX_ID_CHARS = 80  # a file name, and a path in every page's address
ExtraCheck = Callable[[Article], list[Problem]]  # e.g. the near-duplicate check, which needs the model


def valid_id(text: str) -> bool:
    return len(text) <= MAX_ID_CHARS and is_article_id(text)


def councils_of(article: Article) -> tuple[str, ...]:
    return (ALL,) if article.audience is None else tuple(sorted(article.audience))


def may(person: Person, role: Role, councils: Collection[str]) -> bool:
    """Whether ``person`` holds ``role`` for every council of an article for ``councils``."""
    if ALL in councils:
        return person.councils(role) is None
    return bool(councils) and all(person.can(role, council) for council in councils)


class Studio:
    def __init__(
        self,
        store: StudioStore,
        folder: ArticleFolder,
        tenants: Collection[str],
        clock: Callable[[], float],
        checks: tuple[ExtraCheck, ...] = (),
        self_approval: Collection[str] = (),
    ) -> None:
        """``checks``: more than the article's own (the near-duplicate check); ``self_approval``:
        the categories whose authors may approve their own work (bot/studio/settings.py)."""
        self.store, self.folder, self.tenants, self.clock = store, folder, frozenset(tenants), clock
        self.checks, self.self_approval = checks, frozenset(self_approval)

    # -- reading ---------------------------------------------------------------------------------

    def get(self, article_id: str) -> StudioArticle:
        """The article's working copy: the studio's row, or the live file the studio has not touched."""
        held = self.store.get(article_id) if valid_id(article_id) else None
        if held is not None:
            return held
        text = self.folder.text(article_id) if valid_id(article_id) else None
        if text is None:
            raise UnknownArticle(f"there is no article {article_id!r}")
        return self._unheld(self._parsed(text), text, "published")

    def listed(self) -> list[StudioArticle]:
        """Every article: the studio's rows, and the live files it has not touched (read once, as
        the folder's articles were just read: no query, search or parse per article)."""
        held = {a.article_id: a for a in self.store.listed()}
        live, _ = self.folder.articles()
        found = []
        for article in live:
            if article.id not in held:
                with contextlib.suppress(OSError):  # removed since it was read: not listed
                    text = Path(article.source).read_text(encoding="utf-8")
                    found.append(self._unheld(article, text, "published"))
        return sorted([*held.values(), *found], key=lambda a: a.title.casefold())

    def versions(self, article_id: str) -> list[Version]:
        return self.store.versions(article_id)

    def check(self, text: str, article_id: str | None = None) -> Article:
        """The article ``text`` describes, as the bot would load it beside the other live articles;
        InvalidDraft naming each field otherwise. ``article_id``: the article it must be."""
        split = split_article(text)
        if split is None:  # no front matter, or not YAML: the parser says which
            raise InvalidDraft(parse_article(Path("article.md"), text)[1])
        front = split[0]
        given_id, category = str(front.get("id") or ""), str(front.get("category") or "")
        if article_id is not None and given_id != article_id:
            raise InvalidDraft([Problem(Path(f"{article_id}.md"), "id", "cannot change: save it as a new article")])
        unplaced = []
        if not valid_id(given_id):
            rule = f"must be lowercase words joined by hyphens, at most {MAX_ID_CHARS} characters"
            unplaced.append(Problem(Path("article.md"), "id", rule))
        if category not in self.folder.categories():
            known = ", ".join(self.folder.categories())
            unplaced.append(Problem(Path("article.md"), "category", f"must be one of the categories: {known}"))
        if unplaced:
            raise InvalidDraft(unplaced)
        path = self.folder.path(category, given_id)
        article, problems = parse_article(path, text)
        if article is None:
            raise InvalidDraft(problems)
        live, _ = self.folder.articles()
        others = [a for a in live if a.id != article.id]
        found = [p for p in collection_problems([*others, article], self.tenants) if p.path == path]
        for extra in self.checks:
            found += extra(article)
        if found:
            raise InvalidDraft(found)
        return article

    def _parsed(self, text: str) -> Article:
        """A text the studio holds already (it was checked when it was kept), read as its file."""
        front = (split_article(text) or ({}, ""))[0]
        path = self.folder.path(str(front.get("category") or ""), str(front.get("id") or ""))
        article, problems = parse_article(path, text)
        if article is None:
            raise InvalidDraft(problems)
        return article

    # -- an editor's changes ---------------------------------------------------------------------

    def create(self, person: Person, text: str) -> StudioArticle:
        """A new article's first draft; refused if its id is taken, live or in the studio."""
        article = self.check(text)
        self._require(person, "editor", councils_of(article), "write")
        if self.store.get(article.id) is not None or self.folder.find(article.id) is not None:
            raise InvalidDraft([Problem(Path(article.source), "id", f"{article.id!r} is taken: choose another")])
        return self.store.write(
            self._changed(self._unheld(article, text, "draft"), person, text, "draft", 1, article), 0
        )

    def save(self, person: Person, article_id: str, text: str, read: int) -> StudioArticle:
        """The working copy as ``text``, back at ``draft``; nothing live changes."""
        current = self.get(article_id)
        self._require(person, "editor", current.councils, "change")
        article = self.check(text, article_id)
        self._require(person, "editor", councils_of(article), "write")
        self._keep_baseline(current)
        return self.store.write(self._changed(current, person, text, "draft", read + 1, article), read)

    def submit(self, person: Person, article_id: str, read: int) -> StudioArticle:
        current = self._at(article_id, SUBMITTABLE, "submitted")
        self._require(person, "editor", current.councils, "submit")
        self.check(current.text, article_id)
        return self._move(current, person, "in_review", read)

    def verify(self, person: Person, article_id: str, read: int, note: str) -> StudioArticle:
        """Its owner checked it is still right: the review date moves a year on, live at once, as a
        new version (only the date changes, so no review)."""
        current = self._at(article_id, {"published"}, "verified")
        self._require(person, "editor", current.councils, "verify")
        front, body = split_article(current.text) or ({}, "")
        today = dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc).date()
        text = article_text({**front, "review_by": today + REVIEW_PERIOD}, body)
        self.check(text, article_id)
        self._keep_baseline(current)
        return self._go_live(current, person, text, read, f"verified: {note}" if note else "verified")

    # -- an approver's decisions -----------------------------------------------------------------

    def request_changes(self, person: Person, article_id: str, read: int, note: str) -> StudioArticle:
        current = self._reviewable(person, article_id, {"in_review", "approved"}, "sent back")
        return self._move(current, person, "changes_requested", read, note=note.strip() or None)

    def approve(self, person: Person, article_id: str, read: int) -> StudioArticle:
        current = self._reviewable(person, article_id, {"in_review"}, "approved")
        return self._move(current, person, "approved", read)

    def publish(self, person: Person, article_id: str, read: int) -> StudioArticle:
        """The approved working copy made live: a new version, and the file in the folder."""
        current = self._reviewable(person, article_id, {"approved"}, "published")
        self.check(current.text, article_id)  # the other articles may have changed since it was approved
        return self._go_live(current, person, current.text, read, "published")

    def restore(self, person: Person, article_id: str, number: int, read: int) -> StudioArticle:
        """An old version made live again, as a new version: nothing of the history is lost."""
        current = self.get(article_id)
        self._require(person, "approver", current.councils, "restore")
        old = self.store.version(article_id, number)
        article = self.check(old.text, article_id)
        self._require(person, "approver", councils_of(article), "publish")
        self._keep_baseline(current)
        return self._go_live(current, person, old.text, read, f"restored version {number}")

    def schedule(self, person: Person, article_id: str, read: int, at: float) -> StudioArticle:
        """The approved article to go live at ``at`` (later than now), by ``publish_due``."""
        current = self._reviewable(person, article_id, {"approved"}, "scheduled")
        if at <= self.clock():
            raise WrongStage("choose a time later than now, or publish it now")
        scheduled = replace(
            current, version=read + 1, updated_at=self.clock(), updated_by=person.id,
            publish_at=at, scheduled_by=person.id, scheduled_by_name=person.name,
        )  # fmt: skip
        return self.store.write(scheduled, read)

    def publish_due(self) -> list[StudioArticle]:
        """Publish every approved article whose time has come, as the approver who scheduled it. One
        that changed meanwhile (a save clears the schedule) or that another process published first
        is left; one the other articles now conflict with stays approved, and is logged."""
        now, published = self.clock(), []
        for article in self.store.listed():
            if article.stage != "approved" or article.publish_at is None or article.publish_at > now:
                continue
            who = Person(article.scheduled_by or "", article.scheduled_by_name or "", None, None, ())
            try:
                self.check(article.text, article.article_id)
                published.append(self._go_live(article, who, article.text, article.version, "published as scheduled"))
            except (StaleDraft, InvalidDraft) as exc:
                log.warning("studio: %s was not published as scheduled: %s", article.article_id, exc)
        return published

    def retire(self, person: Person, article_id: str, read: int) -> StudioArticle:
        """Taken out of the bot's answers: the file is removed, the history kept."""
        current = self._at(article_id, {"published"}, "retired")
        self._require(person, "approver", current.councils, "retire")
        self._keep_baseline(current)
        retired = self.store.write(self._changed(current, person, current.text, "retired", read + 1), read)
        self.folder.remove(article_id)
        return retired

    # -- the rules -------------------------------------------------------------------------------

    def _require(self, person: Person, role: Role, councils: Collection[str], verb: str) -> None:
        if not may(person, role, councils):
            whose = "all councils" if ALL in councils else ", ".join(sorted(councils))
            raise NotAllowed(f"You need the {role} role for {whose} to {verb} this article.")

    def _at(self, article_id: str, stages: Collection[Stage], doing: str) -> StudioArticle:
        current = self.get(article_id)
        if current.stage not in stages:
            raise WrongStage(f"An article that is {current.stage.replace('_', ' ')} cannot be {doing}.")
        return current

    def _reviewable(self, person: Person, article_id: str, stages: Collection[Stage], doing: str) -> StudioArticle:
        current = self._at(article_id, stages, doing)
        self._require(person, "approver", current.councils, "review")
        if self.own_work(current, person):
            raise NotAllowed("You wrote this version: another approver must review it.")
        return current

    def own_work(self, article: StudioArticle, person: Person) -> bool:
        """Whether ``person`` wrote this version and its category needs a second person to approve it."""
        return article.author == person.id and article.category not in self.self_approval

    def _move(
        self, current: StudioArticle, person: Person, stage: Stage, read: int, note: str | None = None
    ) -> StudioArticle:
        moved = replace(
            current, stage=stage, note=note, version=read + 1, updated_at=self.clock(), updated_by=person.id
        )
        return self.store.write(replace(moved, publish_at=None, scheduled_by=None, scheduled_by_name=None), read)

    def _go_live(self, current: StudioArticle, person: Person, text: str, read: int, note: str) -> StudioArticle:
        number = self.store.next_number(current.article_id)
        version = Version(current.article_id, number, text, self.clock(), person.id, person.name, note)
        changed = self._changed(current, person, text, "published", read + 1)
        live = self.store.write(replace(changed, live_version=number, note=note), read, published=version)
        self.folder.write(live.category, live.article_id, text)
        return live

    def _keep_baseline(self, current: StudioArticle) -> None:
        """Before the studio first changes a live article, its file is kept as version 1, so it can be restored."""
        if current.version == 0 and current.stage == "published":
            self.store.add_baseline(
                Version(current.article_id, 1, current.text, self.clock(), "folder", "the articles folder", FOUND_NOTE)
            )

    def _unheld(self, article: Article, text: str, stage: Stage) -> StudioArticle:
        """An article the studio holds no row for (version 0): a live file's, or a new one's."""
        return StudioArticle(
            article.id, article.category, article.title, councils_of(article), article.owner, stage, text,
            author="", author_name="", note=None, version=0, updated_at=0.0, updated_by="", live_version=None,
        )  # fmt: skip

    def _changed(
        self,
        current: StudioArticle,
        person: Person,
        text: str,
        stage: Stage,
        version: int,
        article: Article | None = None,
    ) -> StudioArticle:
        """``current`` as ``person`` changes it to ``text`` at ``stage``: who wrote it changes only with the text."""
        parsed = article or self._parsed(text)
        new_text = text != current.text
        return replace(
            current,
            category=parsed.category,
            title=parsed.title,
            councils=councils_of(parsed),
            owner=parsed.owner,
            stage=stage,
            text=text,
            author=person.id if new_text or not current.author else current.author,
            author_name=person.name if new_text or not current.author_name else current.author_name,
            note=None,
            publish_at=None,  # a change undoes a schedule, as it undoes an approval
            scheduled_by=None,
            scheduled_by_name=None,
            version=version,
            updated_at=self.clock(),
            updated_by=person.id,
            live_version=current.live_version if current.version else (1 if current.stage == "published" else None),
        )
