"""The starter topics: the few articles the welcome offers staff as buttons before they ask. Editors
choose them in the studio per council, and one list for every council; a council with no list of
its own gets that one, and with neither, the articles its staff were most often answered with in
the last 30 days. Only live articles its staff may see are ever offered.

Plain (standard library, bot/sql.py and the light knowledge modules): the back office's page saves
the lists and the Rasa server's channels read them, each in its own environment.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from bot import sql
from bot.knowledge.articles import Article
from bot.knowledge.layout import current_build, read_articles
from bot.studio.errors import StudioError
from bot.studio.models import ALL
from bot.studio.store import MIGRATIONS

MAX_STARTERS = 5  # more buttons than this push the greeting off a phone's screen
MOST_ASKED_DAYS = 30
EVERY_COUNCIL = ALL  # the list for every council's staff
Starter = tuple[str, str]  # (article id, title)


class StarterRefused(StudioError):
    """A list that cannot be saved: the message says which article, or how many, in an editor's words."""


def live_titles(articles: Iterable[Article], council: str | None, today: dt.date) -> dict[str, str]:
    """Article id -> title of the ``articles`` staff of ``council`` may be answered with today
    (``council`` None or EVERY_COUNCIL: only articles for every council)."""
    tenant = None if council == EVERY_COUNCIL else council
    return {a.id: a.title for a in articles if a.published and not a.expired(today) and a.visible_to(tenant)}


def check_choice(council: str, article_ids: Sequence[str], live: Mapping[str, str]) -> list[str]:
    """The list an editor asked for, blanks dropped, if it may be saved for ``council`` (``live``:
    ``live_titles`` for that council); StarterRefused naming what is wrong otherwise."""
    chosen = [a for a in article_ids if a]
    if len(chosen) > MAX_STARTERS:
        raise StarterRefused(f"Choose at most {MAX_STARTERS} starter topics; {len(chosen)} were chosen.")
    for article_id in chosen:
        if article_id not in live:
            raise StarterRefused(
                f"“{article_id[:80]}” is not a live article its staff can see: choose another, or none."
            )
    doubled = sorted({a for a in chosen if chosen.count(a) > 1})
    if doubled:
        raise StarterRefused(f"“{live[doubled[0]]}” is chosen twice: choose each article once.")
    return chosen


def pick(
    own: Sequence[str], every: Sequence[str], live: Mapping[str, str], most_asked: Callable[[], Sequence[str]]
) -> list[Starter]:
    """The topics to offer: the council's ``own`` list, else the ``every``-council list, else
    ``most_asked()``; of whichever is first not empty once articles gone from ``live`` are dropped,
    at most MAX_STARTERS, in order."""
    for source in (lambda: own, lambda: every, most_asked):
        shown = [(a, live[a]) for a in dict.fromkeys(source()) if a in live][:MAX_STARTERS]
        if shown:
            return shown
    return []


class StarterStore:
    """The editors' lists in the back office's database (the studio's migrations make the table)."""

    def __init__(self, db: sql.Database) -> None:
        self.db = db
        sql.migrate(db, MIGRATIONS)

    @classmethod
    def open(cls, location: str | Path) -> StarterStore:
        return cls(sql.open_database(location))

    def chosen(self, council: str) -> list[str]:
        """The article ids chosen for ``council`` (a tenant id, or EVERY_COUNCIL), in order; [] for none."""
        with self.db.transaction() as tx:
            rows = tx.execute(
                "SELECT article_id FROM studio_starters WHERE council = ? ORDER BY position", (council,)
            ).fetchall()
        return [r["article_id"] for r in rows]

    def set_chosen(self, council: str, article_ids: Sequence[str]) -> None:
        """Replace ``council``'s list with ``article_ids`` in one transaction ([]: none chosen).
        The caller checks the articles (``check_choice``); this refuses only what the table cannot hold."""
        if len(article_ids) > MAX_STARTERS or len(set(article_ids)) != len(article_ids):
            raise StarterRefused(f"at most {MAX_STARTERS} different articles, got {list(article_ids)!r}")
        with self.db.transaction(immediate=True) as tx:
            tx.execute("DELETE FROM studio_starters WHERE council = ?", (council,))
            for position, article_id in enumerate(article_ids, start=1):
                tx.execute(
                    "INSERT INTO studio_starters (council, position, article_id) VALUES (?, ?, ?)",
                    (council, position, article_id),
                )

    def starters(
        self, council: str | None, live: Mapping[str, str], most_asked: Callable[[], Sequence[str]]
    ) -> list[Starter]:
        """What the welcome offers staff of ``council`` (None: of no known council): see ``pick``.
        ``live``: ``live_titles`` for that council; ``most_asked()`` is read only when no list applies."""
        own = self.chosen(council) if council is not None and council != EVERY_COUNCIL else []
        return pick(own, self.chosen(EVERY_COUNCIL), live, most_asked)


class LiveArticles:
    """The current index build's articles (``articles.json``, through bot/knowledge/layout.py),
    read again only when a rebuild makes another build current."""

    def __init__(self, index_root: Path) -> None:
        self.index_root = index_root
        self._lock = threading.Lock()
        self._build: Path | None = None
        self._articles: list[Article] = []

    def articles(self) -> list[Article]:
        """KnowledgeError (IndexNotBuiltError) when there is no readable build."""
        with self._lock:
            build = current_build(self.index_root)
            if build != self._build:
                self._articles, self._build = read_articles(build), build
            return self._articles

    def titles(self, council: str | None, today: dt.date) -> dict[str, str]:
        return live_titles(self.articles(), council, today)
