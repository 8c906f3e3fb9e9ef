"""The welcome the channels send (bot/channels/welcome.py), on a back-office database and an index
build written by bot/knowledge/layout.py from the real articles: the person's first name and their
council's starter topics; a database or index that cannot be read still gives a welcome."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.channels.welcome import Welcomes
from bot.identity import VerifiedIdentity
from bot.knowledge.articles import read_articles
from bot.knowledge.layout import make_current, new_build, write_articles, write_config
from bot.paths import KNOWLEDGE_BASE_DIR
from bot.studio.starters import EVERY_COUNCIL, StarterStore

PAT = VerifiedIdentity(id="pat", email="pat@riverside.example", name="Jones, Pat")
SAM = VerifiedIdentity(id="sam", email="sam@northbrook.example")


def build_index(root: Path) -> Path:
    """The real articles as the index build writes them (only articles.json is read here)."""
    articles, problems = read_articles(KNOWLEDGE_BASE_DIR / "articles")
    assert not problems
    build = new_build(root)
    write_config(build, {})
    write_articles(build, articles)
    make_current(root, build)
    return root


@pytest.fixture
def index(tmp_path: Path) -> Path:
    return build_index(tmp_path / "index")


def test_a_council_is_greeted_with_its_starter_topics_by_first_name(tmp_path: Path, index: Path) -> None:
    database = str(tmp_path / "backoffice.sqlite")
    store = StarterStore.open(database)
    store.set_chosen("riverside", ["walk-in-support-riverside", "vpn-connect"])
    store.set_chosen(EVERY_COUNCIL, ["password-reset"])
    welcomes = Welcomes(database, index)
    pat = asyncio.run(welcomes.welcome(PAT))
    assert pat["text"].startswith("Hello Pat, I'm AskIT")
    assert [b["title"] for b in pat["buttons"]] == [
        "Walk-in IT support desk at Riverside Civic Centre",
        "VPN or remote access will not connect",
    ]
    assert pat["custom"] == {"flow": "welcome", "starters": ["walk-in-support-riverside", "vpn-connect"]}
    sam = asyncio.run(welcomes.welcome(SAM))
    assert sam["text"].startswith("Hello, I'm AskIT") and sam["custom"]["starters"] == ["password-reset"]


def test_with_nothing_chosen_nor_asked_the_welcome_gives_examples(tmp_path: Path, index: Path) -> None:
    hello = asyncio.run(Welcomes(str(tmp_path / "new.sqlite"), index).welcome(PAT))
    assert hello["custom"] == {"flow": "welcome"} and hello["buttons"][0]["payload"] == "I forgot my password"


def test_an_unreadable_database_or_index_still_gives_a_welcome(
    tmp_path: Path, index: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a-folder.sqlite").mkdir()  # no database can be opened there
    caplog.set_level(logging.ERROR)
    no_database = Welcomes(str(tmp_path / "a-folder.sqlite"), index)
    no_index = Welcomes(str(tmp_path / "x.sqlite"), tmp_path / "none")
    for welcomes in (no_database, no_index):
        hello = asyncio.run(welcomes.welcome(PAT))
        assert hello["custom"] == {"flow": "welcome"} and hello["text"].startswith("Hello Pat")
    assert [r.message.split(":")[0] for r in caplog.records] == ["starter topics unavailable"] * 2
