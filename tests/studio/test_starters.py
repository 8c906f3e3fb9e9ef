"""The starter topics (bot/studio/starters.py) on SQLite and PostgreSQL, with an index build written
by bot/knowledge/layout.py from the real articles and answers loaded by the real insights loader:
a council's own list, else the every-council list, else its most answered articles of the last 30
days; never more than five, never an article that is not live or not for that council."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from bot import sql
from bot.insights.store import InsightsStore, most_answered
from bot.knowledge.articles import Article, read_articles
from bot.knowledge.layout import make_current, new_build, write_articles, write_config
from bot.paths import KNOWLEDGE_BASE_DIR
from bot.studio.starters import (
    EVERY_COUNCIL,
    MOST_ASKED_DAYS,
    LiveArticles,
    StarterRefused,
    StarterStore,
    check_choice,
    live_titles,
    pick,
)
from tests.insights.history import DAY, START, Chat, Log

NOW = START + 40 * DAY
TODAY = dt.datetime.fromtimestamp(NOW, dt.timezone.utc).date()
RIVERSIDE = "pat@riverside.example"
NORTHBROOK = "sam@northbrook.example"


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    found, problems = read_articles(KNOWLEDGE_BASE_DIR / "articles")
    assert not problems
    return found


def built_index(root: Path, articles: list[Article]) -> LiveArticles:
    """An index build of ``articles``, written as the index build writes one (its articles.json)."""
    build = new_build(root)
    write_config(build, {})
    write_articles(build, articles)
    make_current(root, build)
    return LiveArticles(root)


@pytest.fixture
def index(tmp_path: Path, articles: list[Article]) -> LiveArticles:
    return built_index(tmp_path / "index", articles)


def answers(log: Log, email: str, article_id: str, times: int, days_ago: float) -> None:
    for n in range(times):
        chat = Chat(log, f"{article_id}-{email}-{days_ago}-{n}", at=NOW - days_ago * DAY, email=email)
        chat.answered("how do I ...", article_id)


@pytest.fixture
def most_asked(location: str, tmp_path: Path) -> sql.Database:
    """A back-office database whose insights hold answers of the last weeks, and older ones."""
    log = Log()
    answers(log, RIVERSIDE, "vpn-connect", 3, days_ago=2)
    answers(log, RIVERSIDE, "laptop-slow", 2, days_ago=10)
    answers(log, RIVERSIDE, "walk-in-support-riverside", 1, days_ago=5)
    answers(log, RIVERSIDE, "retired-long-ago", 4, days_ago=3)  # in no build any more
    answers(log, RIVERSIDE, "mfa-setup", 9, days_ago=MOST_ASKED_DAYS + 5)  # before the window
    answers(log, NORTHBROOK, "password-reset", 7, days_ago=1)  # another council's staff
    db = sql.open_database(location)
    InsightsStore(db).load(sql.open_database(log.write(tmp_path / "events.db")))
    return db


def offered(store: StarterStore, index: LiveArticles, council: str | None) -> list[str]:
    since = NOW - MOST_ASKED_DAYS * DAY
    live = index.titles(council, TODAY)
    return [a for a, _ in store.starters(council, live, lambda: most_answered(store.db, since, council, 20))]


def test_a_councils_list_comes_first_then_every_councils_then_its_most_asked(
    most_asked: sql.Database, index: LiveArticles
) -> None:
    store = StarterStore(most_asked)
    assert offered(store, index, "riverside") == ["vpn-connect", "laptop-slow", "walk-in-support-riverside"]
    assert offered(store, index, "northbrook") == ["password-reset"]
    assert offered(store, index, None) == ["password-reset", "vpn-connect", "laptop-slow"]  # for all staff only

    store.set_chosen(EVERY_COUNCIL, ["password-reset", "mfa-setup"])
    assert offered(store, index, "riverside") == offered(store, index, "northbrook") == ["password-reset", "mfa-setup"]

    store.set_chosen("riverside", ["walk-in-support-riverside", "vpn-connect"])
    assert store.chosen("riverside") == ["walk-in-support-riverside", "vpn-connect"]
    assert offered(store, index, "riverside") == ["walk-in-support-riverside", "vpn-connect"]
    assert offered(store, index, "northbrook") == ["password-reset", "mfa-setup"]
    starters = store.starters("riverside", index.titles("riverside", TODAY), lambda: [])
    assert starters[0] == ("walk-in-support-riverside", "Walk-in IT support desk at Riverside Civic Centre")

    store.set_chosen("riverside", [])  # none chosen: the every-council list again
    assert store.chosen("riverside") == [] and offered(store, index, "riverside") == ["password-reset", "mfa-setup"]


def test_the_most_asked_are_read_only_when_no_list_applies(most_asked: sql.Database, index: LiveArticles) -> None:
    store = StarterStore(most_asked)
    store.set_chosen("riverside", ["vpn-connect"])
    asked: list[str] = []

    def read_most_asked() -> list[str]:
        asked.append("riverside")
        return []

    store.starters("riverside", index.titles("riverside", TODAY), read_most_asked)
    assert asked == []


def test_a_list_shows_only_what_is_live_now_and_at_most_five() -> None:
    live = {f"a-{n}": f"Article {n}" for n in range(8)}
    assert pick(["a-9", "a-1", "a-1", "a-2"], ["a-3"], live, lambda: []) == [("a-1", "Article 1"), ("a-2", "Article 2")]
    assert pick(["a-9"], ["a-3"], live, lambda: []) == [("a-3", "Article 3")]  # its own list is all gone
    assert len(pick([], [], live, lambda: list(live))) == 5
    assert pick([], [], {}, lambda: ["a-1"]) == []


def test_live_means_published_not_expired_and_for_that_council(articles: list[Article]) -> None:
    reset = next(a for a in articles if a.id == "password-reset")
    walk_in = next(a for a in articles if a.id == "walk-in-support-riverside")
    draft = dataclasses.replace(reset, id="draft-one", status="draft")
    expired = dataclasses.replace(reset, id="old-notice", expires=TODAY - dt.timedelta(days=1))
    lasting = dataclasses.replace(reset, id="new-notice", expires=TODAY)
    shown = [reset, walk_in, draft, expired, lasting]
    assert list(live_titles(shown, "riverside", TODAY)) == ["password-reset", "walk-in-support-riverside", "new-notice"]
    assert list(live_titles(shown, "northbrook", TODAY)) == ["password-reset", "new-notice"]
    assert list(live_titles(shown, EVERY_COUNCIL, TODAY)) == list(live_titles(shown, None, TODAY))
    assert "walk-in-support-riverside" not in live_titles(shown, EVERY_COUNCIL, TODAY)


@pytest.mark.parametrize(
    "council,chosen,refusal",
    [
        ("riverside", ["a-1", "a-2", "a-3", "a-4", "a-5", "a-6"], "at most 5 starter topics; 6 were chosen"),
        ("riverside", ["a-1", "no-such-article"], "“no-such-article” is not a live article its staff can see"),
        ("riverside", ["southmere-only"], "“southmere-only” is not a live article"),
        ("riverside", ["a-1", "a-1"], "“Article 1” is chosen twice"),
    ],
)
def test_a_choice_that_cannot_be_offered_is_refused_in_words(council: str, chosen: list[str], refusal: str) -> None:
    live = {f"a-{n}": f"Article {n}" for n in range(8)}  # what staff of the council may see
    with pytest.raises(StarterRefused, match=refusal):
        check_choice(council, chosen, live)
    assert check_choice(council, ["", "a-2", "", "a-1", ""], live) == ["a-2", "a-1"]  # blanks are places not used


def test_the_store_holds_no_more_than_five_nor_an_article_twice(location: str) -> None:
    store = StarterStore.open(location)
    store.set_chosen("riverside", ["a-1", "a-2"])
    for wrong in (["a-1", "a-2", "a-3", "a-4", "a-5", "a-6"], ["a-1", "a-1"]):
        with pytest.raises(StarterRefused):
            store.set_chosen("riverside", wrong)
    assert store.chosen("riverside") == ["a-1", "a-2"]  # a refused list changes nothing
    assert StarterStore.open(location).chosen(EVERY_COUNCIL) == []  # a second opening migrates nothing again
