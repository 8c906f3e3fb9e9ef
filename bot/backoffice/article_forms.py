"""The studio's article form as the editor typed it: read from the request, turned into the
article file's text (bot/knowledge/articles.py writes it, so the studio writes what the bot reads),
and back; a refusal (a Problem naming the field) put next to the form's field it concerns."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData

from bot.backoffice.incident_forms import CONTROL, GENERAL, REPLACEMENT, text_of
from bot.knowledge.articles import AUDIENCE_ALL, article_text, split_article
from bot.knowledge.errors import Problem
from bot.studio.models import ALL
from bot.studio.workflow import REVIEW_PERIOD

MAX_FIELD_CHARS = 200
MAX_BODY_CHARS = 20_000
MAX_QUESTIONS = 100
NO_GROUP = ""  # no escalation block: a ticket after it goes where triage sends it
# The article file's fields as the form names them.
FIELD_OF = {"audience": "councils", "escalation": "group", "escalation.group": "group",
            "escalation.priority": "priority", "front matter": GENERAL, "file": GENERAL, "folder": GENERAL}  # fmt: skip
LABELS = {"id": "Article id", "title": "Title", "category": "Category", "questions": "Questions staff ask",
          "councils": "Whose staff see it", "owner": "Owner", "review_by": "Review by", "expires": "Show until",
          "group": "Escalation group",
          "priority": "Escalation priority", "body": "Answer"}  # fmt: skip
KEPT = ("kind", "facets")  # front-matter fields the form does not show: kept as they are


def one_line(form: FormData, name: str) -> str:
    """A one-line field as sent: line ends and runs of spaces (a crafted request's) made one space."""
    return " ".join(text_of(form, name).split())[:MAX_FIELD_CHARS]


@dataclass
class ArticleForm:
    id: str = ""
    title: str = ""
    category: str = ""
    questions: str = ""  # one a line
    councils: tuple[str, ...] = ()  # tenant ids, or (ALL,)
    owner: str = ""
    review_by: str = ""
    expires: str = ""  # a time-limited notice's last day; empty: none
    group: str = NO_GROUP
    priority: str = "P4"
    body: str = ""
    version: str = "0"
    kept: dict[str, Any] = field(default_factory=dict)  # front matter the form does not show
    details: list[str] = field(default_factory=list)  # escalation.details, kept
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def new(cls, today: dt.date, councils: tuple[str, ...]) -> ArticleForm:
        return cls(review_by=(today + REVIEW_PERIOD).isoformat(), councils=councils)

    @classmethod
    def of(cls, text: str, version: int) -> ArticleForm:
        """The form showing an article file's text."""
        split = split_article(text)
        front, body = split if split else ({}, text)
        audience = front.get("audience")
        found = front.get("escalation")
        escalation: dict[str, Any] = found if isinstance(found, dict) else {}
        questions = front.get("questions")
        return cls(
            id=str(front.get("id") or ""),
            title=str(front.get("title") or ""),
            category=str(front.get("category") or ""),
            questions="\n".join(str(q) for q in questions) if isinstance(questions, list) else "",
            councils=(ALL,) if audience == AUDIENCE_ALL else tuple(str(c) for c in audience or ()),
            owner=str(front.get("owner") or ""),
            review_by=str(front.get("review_by") or ""),
            expires=str(front.get("expires") or ""),
            group=str(escalation.get("group") or NO_GROUP),
            priority=str(escalation.get("priority") or "P4"),
            body=body,
            version=str(version),
            kept={k: front[k] for k in KEPT if k in front},
            details=[str(d) for d in escalation.get("details") or ()],
        )

    @classmethod
    def read(cls, form: FormData, base: str | None = None) -> ArticleForm:
        """What was sent; ``base``: the article's text before, whose fields the form does not show are kept."""
        kept = cls.of(base, 0) if base else cls()
        councils = tuple(str(c) for c in form.getlist("councils") if isinstance(c, str))
        return cls(
            id=one_line(form, "id"),
            title=one_line(form, "title"),
            category=one_line(form, "category"),
            questions=text_of(form, "questions").replace("\r\n", "\n")[:MAX_BODY_CHARS],
            councils=(ALL,) if ALL in councils else councils,
            owner=one_line(form, "owner"),
            review_by=one_line(form, "review_by"),
            expires=one_line(form, "expires"),
            group=one_line(form, "group"),
            priority=one_line(form, "priority"),
            body=text_of(form, "body").replace("\r\n", "\n")[:MAX_BODY_CHARS],
            version=text_of(form, "version").strip()[:9],
            kept=kept.kept,
            details=kept.details,
        )

    def read_version(self) -> int | None:
        return int(self.version) if self.version.isdigit() else None

    def question_list(self) -> list[str]:
        return [q.strip() for q in self.questions.split("\n") if q.strip()][: MAX_QUESTIONS + 1]

    def text(self) -> str:
        """The article file this form describes (always ``status: published``: the studio holds
        drafts in its database, and writes a file only to publish it)."""
        front: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "category": self.category,
            "questions": self.question_list(),
            "audience": AUDIENCE_ALL if ALL in self.councils or not self.councils else list(self.councils),
            "owner": self.owner,
            "review_by": _date(self.review_by),
            "expires": _date(self.expires),
            "status": "published",
            **self.kept,
        }
        front = {k: v for k, v in front.items() if v != ""}  # left empty: the article's check says "is missing"
        if self.group:
            escalation: dict[str, Any] = {"group": self.group, "priority": self.priority}
            if self.details:
                escalation["details"] = self.details
            front["escalation"] = escalation
        return article_text(front, CONTROL.sub(REPLACEMENT, self.body))

    def problems(self) -> list[Problem]:
        """What is wrong with the form before it is an article: the article's own checks do the rest."""
        found = []
        if not self.councils:
            found.append(Problem(Path("form"), "audience", "choose every council, or the councils whose staff see it"))
        if len(self.question_list()) > MAX_QUESTIONS:
            found.append(Problem(Path("form"), "questions", f"at most {MAX_QUESTIONS}: merge or remove some"))
        return found

    def refused(self, problems: list[Problem]) -> None:
        for problem in problems:
            name = FIELD_OF.get(problem.field, problem.field)
            if name not in LABELS:
                name = GENERAL
            message = problem.message if name == GENERAL else f"{LABELS[name]}: {problem.message}"
            self.errors.setdefault(name, message)


def _date(typed: str) -> Any:
    """A date typed YYYY-MM-DD as a date; anything else as typed, for the article's own check to name."""
    with contextlib.suppress(ValueError):
        return dt.date.fromisoformat(typed)
    return typed
