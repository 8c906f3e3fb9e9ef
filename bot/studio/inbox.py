"""The studio's inbox: the work the insights store proposes to each editor, for the articles they
may change. A "didn't help" on an answer is a task on its article; a question whose asker chose the
article from a clarify list is a phrasing to add to its questions (through a draft, so it is
reviewed like any change) or to reject; the latest content gaps are articles to write. Proposals
are read from the insights store each time; what editors decided is kept (bot/studio/inbox_store.py)
and a decided proposal is never shown again."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.backoffice.roles import Person
from bot.insights.figures import DAY, GapRun
from bot.insights.outcomes import MARKS, Question
from bot.insights.store import InsightsStore
from bot.knowledge.articles import article_text, split_article
from bot.knowledge.errors import Problem
from bot.studio.errors import AlreadyDecided, InvalidDraft, NotAllowed, NotInInbox, UnknownArticle
from bot.studio.inbox_store import InboxStore, TaskDecision
from bot.studio.models import StudioArticle
from bot.studio.workflow import Studio, may

WINDOW_DAYS = 90  # how far back a "didn't help" or a choice is still news to the article's editors
GAP_KEY_CHARS = 16
NOT_THEIRS = "You need the editor role for this article's councils to act on its inbox."


@dataclass(frozen=True)
class Task:
    """An answer from ``article_id`` that did not help the member of staff who asked."""

    question_id: int
    article_id: str
    text: str | None  # redacted when it was stored; None once its retention ended
    council: str | None
    channel: str
    at: float


@dataclass(frozen=True)
class Phrasing:
    """A way staff asked for an article: they chose it from a list after asking this."""

    article_id: str
    text: str  # as first asked, spaces collapsed
    key: str  # the text folded (case and spaces), as phrasings are compared and decided
    asked: int  # how many questions asked it so
    last_at: float


@dataclass(frozen=True)
class ArticleWork:
    article: StudioArticle
    tasks: tuple[Task, ...]  # newest first
    phrasings: tuple[Phrasing, ...]  # most asked first


@dataclass(frozen=True)
class GapWork:
    """A content gap of the latest run, as one editor sees it (their councils' questions only)."""

    key: str  # stable across runs while the label is the same: the new-article link names it
    label: str
    size: int
    councils: dict[str, int]
    examples: tuple[str, ...]  # redacted


@dataclass(frozen=True)
class Work:
    articles: list[ArticleWork]
    gaps: list[GapWork]
    gaps_found_at: float | None  # when the latest gap run was made; None: never
    counts: dict[str, int] = field(default_factory=dict)  # tasks, phrasings, gaps

    @property
    def flagged(self) -> frozenset[str]:
        """The ids of the articles with a "didn't help" task open."""
        return frozenset(w.article.article_id for w in self.articles if w.tasks)


def folded(text: str) -> str:
    """A question as phrasings are compared: case and runs of spaces do not count."""
    return " ".join(text.split()).casefold()


def gap_key(label: str) -> str:
    return hashlib.sha256(label.encode("utf-8")).hexdigest()[:GAP_KEY_CHARS]


def questions_of(text: str) -> list[str]:
    """The ``questions`` of an article file's text."""
    found = (split_article(text) or ({}, ""))[0].get("questions")
    return [str(q) for q in found] if isinstance(found, list) else []


def with_question(text: str, question: str) -> str:
    """The article file ``text`` with ``question`` added at the end of its questions."""
    split = split_article(text)
    if split is None:
        raise InvalidDraft([Problem(Path("article.md"), "front matter", "the working copy cannot be read")])
    front, body = split
    return article_text({**front, "questions": [*questions_of(text), question]}, body)


class Inbox:
    def __init__(
        self,
        studio: Studio,
        decisions: InboxStore,
        insights: InsightsStore,
        clock: Callable[[], float] = time.time,
        days: int = WINDOW_DAYS,
    ) -> None:
        self.studio, self.decisions, self.insights, self.clock, self.days = studio, decisions, insights, clock, days

    # -- reading ---------------------------------------------------------------------------------

    def work(self, person: Person) -> Work:
        """Everything in ``person``'s inbox: their articles' tasks and phrasings, and the gaps."""
        articles = self._theirs(person)
        since = self._since()
        tasks = self._tasks(articles, since)
        phrasings = self._phrasings(articles, since)
        grouped = [
            ArticleWork(article, tuple(tasks.get(article_id, ())), tuple(phrasings.get(article_id, ())))
            for article_id, article in articles.items()
            if article_id in tasks or article_id in phrasings
        ]
        grouped.sort(key=lambda w: w.article.title.casefold())
        gaps, found_at = self._gaps(person)
        counts = {
            "tasks": sum(len(w.tasks) for w in grouped),
            "phrasings": sum(len(w.phrasings) for w in grouped),
            "gaps": len(gaps),
        }
        return Work(grouped, gaps, found_at, counts)

    def gap_examples(self, person: Person, key: str) -> tuple[str, ...]:
        """The questions of the gap ``key`` that ``person`` sees, to start an article with; none if it is gone."""
        gaps, _ = self._gaps(person)
        return next((gap.examples for gap in gaps if gap.key == key), ())

    # -- an editor's decisions -------------------------------------------------------------------

    def decide_task(self, person: Person, question_id: int, decision: TaskDecision, note: str) -> Task:
        """The task done or dismissed, with ``note``; it leaves everyone's inbox."""
        question = self.insights.question(question_id)
        if not _is_task(question, self._since()):
            raise NotInInbox(f"there is no task {question_id}")
        assert question is not None and question.article_id is not None  # _is_task
        self._article(person, question.article_id)
        if not self.decisions.decide_task(question_id, question.article_id, decision, note, self.clock(), person.id):
            raise AlreadyDecided("Someone decided this task already.")
        return _task(question)

    def accept(self, person: Person, article_id: str, key: str, read: int) -> tuple[StudioArticle, Phrasing]:
        """The phrasing added to the article's questions as a new draft (Studio.save: its rules and
        errors, StaleDraft if the article changed since version ``read``); nothing is recorded unless
        the draft is saved."""
        article = self._article(person, article_id)
        phrasing = self._proposed(article, key)
        saved = self.studio.save(person, article_id, with_question(article.text, phrasing.text), read)
        self.decisions.decide_phrasing(article_id, key, "accepted", self.clock(), person.id)
        return saved, phrasing

    def reject(self, person: Person, article_id: str, key: str) -> Phrasing:
        """The phrasing is never proposed for this article again."""
        phrasing = self._proposed(self._article(person, article_id), key)
        if not self.decisions.decide_phrasing(article_id, key, "rejected", self.clock(), person.id):
            raise AlreadyDecided("Someone decided this phrasing already.")
        return phrasing

    # -- the parts -------------------------------------------------------------------------------

    def _since(self) -> float:
        return self.clock() - self.days * DAY

    def _theirs(self, person: Person) -> dict[str, StudioArticle]:
        """The articles ``person`` may change, by id: retired ones need no more work."""
        listed = self.studio.listed()
        return {a.article_id: a for a in listed if a.stage != "retired" and may(person, "editor", a.councils)}

    def _article(self, person: Person, article_id: str) -> StudioArticle:
        try:
            article = self.studio.get(article_id)
        except UnknownArticle:
            raise NotInInbox(f"there is no article {article_id!r}") from None
        if not may(person, "editor", article.councils):
            raise NotAllowed(NOT_THEIRS)
        return article

    def _tasks(self, articles: Mapping[str, StudioArticle], since: float) -> dict[str, list[Task]]:
        decided = self.decisions.decided_tasks(since)
        found: dict[str, list[Task]] = {}
        for question in reversed(self.insights.answers(since, feedback="not_helped")):
            if question.article_id is not None and question.article_id in articles and question.id not in decided:
                found.setdefault(question.article_id, []).append(_task(question))
        return found

    def _phrasings(self, articles: Mapping[str, StudioArticle], since: float) -> dict[str, list[Phrasing]]:
        chosen = [q for q in self.insights.answers(since, chosen=True) if q.article_id in articles]
        return _proposals(chosen, articles, self.decisions.decided_phrasings())

    def _proposed(self, article: StudioArticle, key: str) -> Phrasing:
        decided = self.decisions.decided_phrasings()
        if (article.article_id, key) in decided:
            raise AlreadyDecided("Someone decided this phrasing already.")
        chosen = self.insights.answers(self._since(), chosen=True)
        mine = [q for q in chosen if q.article_id == article.article_id]
        proposals = _proposals(mine, {article.article_id: article}, decided)
        found = next((p for p in proposals.get(article.article_id, ()) if p.key == key), None)
        if found is None:
            raise NotInInbox("That phrasing is not proposed for this article (any more).")
        return found

    def _gaps(self, person: Person) -> tuple[list[GapWork], float | None]:
        """The latest gaps as counted from ``person``'s councils' questions (every council's for an
        editor of all): a gap is a topic, so a topic found in several councils is one gap here."""
        councils = person.councils("editor")
        runs = [self.insights.gap_run(None)] if councils is None else [self.insights.gap_run(c) for c in councils]
        return _merged(r for r in runs if r is not None)


def _is_task(question: Question | None, since: float) -> bool:
    return (
        question is not None
        and question.decision == "answer"
        and question.article_id is not None
        and question.feedback == "not_helped"
        and question.at >= since
    )


def _task(question: Question) -> Task:
    assert question.article_id is not None
    return Task(question.id, question.article_id, question.text, question.tenant, question.channel, question.at)


def _proposals(
    chosen: Iterable[Question], articles: Mapping[str, StudioArticle], decided: set[tuple[str, str]]
) -> dict[str, list[Phrasing]]:
    """The phrasings of ``chosen`` questions their articles do not ask already, nor were decided;
    a text with something redacted in it is nobody's way of asking."""
    asked: dict[tuple[str, str], list[Question]] = {}
    known = {article_id: {folded(q) for q in questions_of(a.text)} for article_id, a in articles.items()}
    for question in chosen:
        text, article_id = question.text, question.article_id
        if not text or article_id is None or article_id not in articles or any(mark in text for mark in MARKS):
            continue
        key = folded(text)
        if key and key not in known[article_id] and (article_id, key) not in decided:
            asked.setdefault((article_id, key), []).append(question)
    found: dict[str, list[Phrasing]] = {}
    for (article_id, key), questions in asked.items():
        first = " ".join((questions[0].text or "").split())
        found.setdefault(article_id, []).append(
            Phrasing(article_id, first, key, len(questions), max(q.at for q in questions))
        )
    for phrasings in found.values():
        phrasings.sort(key=lambda p: (-p.asked, -p.last_at))
    return found


def _merged(runs: Iterable[GapRun]) -> tuple[list[GapWork], float | None]:
    by_label: dict[str, GapWork] = {}
    found_at: float | None = None
    for run in runs:
        found_at = max(found_at or run.at, run.at)
        for gap in run.gaps:
            seen = by_label.get(gap.label)
            if seen is None:
                by_label[gap.label] = GapWork(gap_key(gap.label), gap.label, gap.size, dict(gap.councils), gap.examples)
                continue
            councils = {**seen.councils}
            for council, count in gap.councils.items():
                councils[council] = councils.get(council, 0) + count
            examples = tuple(dict.fromkeys((*seen.examples, *gap.examples)))
            by_label[gap.label] = GapWork(seen.key, gap.label, seen.size + gap.size, councils, examples)
    return sorted(by_label.values(), key=lambda g: (-g.size, g.label)), found_at
