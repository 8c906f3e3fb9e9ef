"""Load knowledge-base articles (Markdown with YAML front matter) and check their fields.

An article lives at ``articles/<category>/<id>.md``. Every problem found names the file and
the field, so a knowledge editor can fix it without reading code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.details import DETAILS
from bot.knowledge.errors import Problem
from bot.knowledge.facets import ArticleFacets, problems_with
from bot.knowledge.ids import is_article_id
from bot.priority import PRIORITIES

STATUSES = ("draft", "published")
ANSWER, ELSEWHERE = "answer", "elsewhere"
KINDS = (ANSWER, ELSEWHERE)  # elsewhere: a question the service desk does not handle; the body says who does
AUDIENCE_ALL = "all"
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.DOTALL)
ARTICLE_LINK = re.compile(r"\]\(kb:([^)\s]*)\)")  # [Reset a forgotten password](kb:password-reset)


@dataclass(frozen=True)
class Escalation:
    """Where a ticket goes when this article does not solve the problem."""

    group: str
    priority: str
    details: tuple[str, ...] = ()  # what the desk needs to know (bot/details.py), asked before raising


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    category: str
    questions: tuple[str, ...]
    audience: tuple[str, ...] | None  # None: every partner organisation
    owner: str
    review_by: dt.date
    status: str
    body: str
    escalation: Escalation | None = None
    source: str = ""  # the file it was read from, for messages to editors
    kind: str = ANSWER
    facets: tuple[tuple[str, str], ...] = ()  # (facet, value): what tells it from alike articles
    expires: dt.date | None = None  # a time-limited notice: not answered with after this day

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today

    @property
    def facet_values(self) -> ArticleFacets:
        return dict(self.facets)

    @property
    def elsewhere(self) -> bool:
        """A redirect entry: its questions are ones the service desk does not handle."""
        return self.kind == ELSEWHERE

    @property
    def links(self) -> tuple[str, ...]:
        """Ids of the articles this one links to with ``kb:`` links, in order of appearance."""
        return tuple(ARTICLE_LINK.findall(self.body))

    @property
    def published(self) -> bool:
        return self.status == "published"

    def visible_to(self, tenant: str | None) -> bool:
        """Articles for everyone are visible to all; tenant-only ones only to that tenant."""
        return self.audience is None or (tenant is not None and tenant in self.audience)


class _Fields:
    """Reads typed fields from front matter, recording a Problem for each bad one."""

    def __init__(self, path: Path, data: dict[str, Any], problems: list[Problem]) -> None:
        self.path, self.data, self.problems = path, data, problems

    def bad(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.path, field, message))

    def text(self, field: str) -> str:
        value = self.data.get(field)
        if value is None:
            self.bad(field, "is missing")
        elif not isinstance(value, str) or not value.strip():
            self.bad(field, f"must be non-empty text, got {value!r}")
        else:
            return value.strip()
        return ""

    def text_list(self, field: str) -> tuple[str, ...]:
        value = self.data.get(field)
        if value is None:
            self.bad(field, "is missing")
        elif not isinstance(value, list) or not value:
            self.bad(field, "must be a non-empty list of phrases")
        elif not all(isinstance(v, str) and v.strip() for v in value):
            self.bad(field, "every entry must be non-empty text")
        else:
            return tuple(v.strip() for v in value)
        return ()

    def date(self, field: str) -> dt.date:
        value = self.data.get(field)
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.bad(field, f"must be a date written YYYY-MM-DD, got {value!r}")
        return dt.date.min


def split_article(text: str) -> tuple[dict[str, Any], str] | None:
    """An article file's front matter (a mapping) and body, or None if it has no readable front matter."""
    match = FRONT_MATTER.match(text)
    if not match:
        return None
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return None
    return (data, match.group(2).strip()) if isinstance(data, dict) else None


class _ArticleDumper(yaml.SafeDumper):
    """Lists indented under their key, as the articles in the folder are written by hand."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def article_text(front: Mapping[str, Any], body: str) -> str:
    """The file for ``front`` and ``body``: what ``parse_article`` reads back. Dates are written
    YYYY-MM-DD (give a ``datetime.date``), keys in the order given, lines ending in LF."""
    header = yaml.dump(dict(front), Dumper=_ArticleDumper, sort_keys=False, allow_unicode=True, width=100)
    body = "\n".join(line.rstrip() for line in body.replace("\r\n", "\n").replace("\r", "\n").strip().split("\n"))
    return f"---\n{header}---\n{body}\n"


def parse_article(path: Path, text: str) -> tuple[Article | None, list[Problem]]:
    """Parse one article file's text; returns the article (if usable) and its problems."""
    problems: list[Problem] = []
    match = FRONT_MATTER.match(text)
    if not match:
        return None, [Problem(path, "front matter", "file must start with a '---' block")]
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        return None, [Problem(path, "front matter", f"is not valid YAML: {exc}")]
    if not isinstance(data, dict):
        return None, [Problem(path, "front matter", "must be a mapping of field: value")]

    f = _Fields(path, data, problems)
    article_id = f.text("id")
    if article_id and not is_article_id(article_id):
        f.bad("id", f"{article_id!r} must be lowercase words joined by hyphens")
    elif article_id and article_id != path.stem:
        f.bad("id", f"{article_id!r} must match the file name {path.stem!r}")
    category = f.text("category")
    if category and category != path.parent.name:
        f.bad("category", f"{category!r} must match the folder name {path.parent.name!r}")
    status = f.text("status")
    if status and status not in STATUSES:
        f.bad("status", f"must be one of {', '.join(STATUSES)}, got {status!r}")
    kind = data.get("kind", ANSWER)
    if kind not in KINDS:
        f.bad("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    elif kind == ELSEWHERE and "escalation" in data:
        f.bad("escalation", "a question the service desk does not handle has no escalation: remove it")
    article = Article(
        id=article_id,
        title=f.text("title"),
        category=category,
        questions=f.text_list("questions"),
        audience=_audience(f),
        owner=f.text("owner"),
        review_by=f.date("review_by"),
        status=status,
        body=match.group(2).strip(),
        escalation=_escalation(f),
        source=str(path),
        kind=kind if kind in KINDS else ANSWER,
        facets=_facets(f),
        expires=f.date("expires") if "expires" in data else None,
    )
    if not article.body:
        f.bad("body", "is empty: write the answer below the front matter")
    return (None if problems else article), problems


def _audience(f: _Fields) -> tuple[str, ...] | None:
    value = f.data.get("audience")
    if value is None:
        f.bad("audience", f"is missing: use '{AUDIENCE_ALL}' or a list of tenant ids")
    elif value == AUDIENCE_ALL:
        return None
    elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    else:
        f.bad("audience", f"must be '{AUDIENCE_ALL}' or a list of tenant ids, got {value!r}")
    return None


def _facets(f: _Fields) -> tuple[tuple[str, str], ...]:
    value = f.data.get("facets")
    if value is None:
        return ()
    found = problems_with(value)
    for field, message in found:
        f.bad(field, message)
    return () if found else tuple(sorted((str(k), str(v)) for k, v in value.items()))


def _details(f: _Fields, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        f.bad("escalation.details", f"must be a list of: {', '.join(DETAILS)}")
        return ()
    unknown = [v for v in value if v not in DETAILS]
    if unknown:
        f.bad("escalation.details", f"unknown {', '.join(map(repr, unknown))} (known: {', '.join(DETAILS)})")
    return tuple(dict.fromkeys(value))


def _escalation(f: _Fields) -> Escalation | None:
    value = f.data.get("escalation")
    if value is None:
        return None
    if not isinstance(value, dict):
        f.bad("escalation", "must be a mapping with 'group' and 'priority'")
        return None
    before = len(f.problems)
    group, priority = value.get("group"), value.get("priority")
    details = _details(f, value.get("details"))
    if not isinstance(group, str) or not group.strip():
        f.bad("escalation.group", f"must be a resolver group name, got {group!r}")
    if priority not in PRIORITIES:
        f.bad("escalation.priority", f"must be one of {', '.join(PRIORITIES)}, got {priority!r}")
    if len(f.problems) > before:
        return None
    return Escalation(group=str(group).strip(), priority=str(priority), details=details)


def read_articles(root: Path) -> tuple[list[Article], list[Problem]]:
    """Parse every ``*.md`` under ``root``: the usable articles, and every problem found on the way."""
    if not root.is_dir():
        return [], [Problem(root, "folder", "does not exist")]
    articles: list[Article] = []
    problems: list[Problem] = []
    seen: dict[str, Path] = {}
    for path in sorted(root.glob("*/*.md")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(path, "file", f"cannot be read: {exc}"))
            continue
        article, found = parse_article(path, text)
        problems.extend(found)
        if article is None:
            continue
        if article.id in seen:
            problems.append(Problem(path, "id", f"{article.id!r} is already used by {seen[article.id]}"))
            continue
        seen[article.id] = path
        articles.append(article)
    for path in sorted(root.glob("*.md")):
        problems.append(Problem(path, "folder", "articles belong in a category folder"))
    if not articles and not problems:
        problems.append(Problem(root, "folder", "holds no articles"))
    return articles, problems
