"""The watcher rebuilds the index when an editor adds, changes or deletes an article."""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path

import pytest

from bot.knowledge import layout
from bot.knowledge.config import KnowledgeConfig
from bot.knowledge.decision import DecisionKind
from bot.knowledge.search import KnowledgeBase
from bot.knowledge.watch import ArticleWatcher, snapshot
from tests.fakes import FakeEmbedder
from tests.knowledge.test_articles import GOOD, write
from tests.knowledge.test_validate import article_file
from tests.waiting import wait_until


@pytest.fixture
def setup(tmp_path: Path) -> tuple[ArticleWatcher, KnowledgeBase, FakeEmbedder, Path]:
    articles = tmp_path / "articles"
    write(articles, "connectivity/vpn-connect.md", GOOD)
    config = dataclasses.replace(
        KnowledgeConfig.load({}), articles_dir=articles, index_dir=tmp_path / "index", poll_seconds=0.05
    )
    embedder = FakeEmbedder()
    watcher = ArticleWatcher(config, embedder)
    assert watcher.check()  # the first look builds
    return watcher, KnowledgeBase(config.index_dir, embedder, config.thresholds), embedder, articles


def test_added_changed_and_deleted_articles_are_picked_up(setup: tuple) -> None:
    watcher, kb, embedder, articles = setup
    assert not watcher.check()  # nothing changed, nothing rebuilt

    write(
        articles,
        "printing/toner-low.md",
        article_file("toner-low", "printing").replace("title: VPN will not connect", "title: Printer toner is low"),
    )
    assert watcher.check()
    assert kb.search("toner-low question").decision.article_ids == ("toner-low",)

    embedder.embedded.clear()
    path = articles / "printing" / "toner-low.md"
    path.write_text(
        path.read_text().replace("  - toner-low question\n", "  - toner-low question\n  - cartridge empty\n")
    )
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert watcher.check()
    assert embedder.embedded == ["cartridge empty"]  # only the new text was embedded
    assert kb.search("cartridge empty").decision.article_ids == ("toner-low",)

    path.unlink()
    assert watcher.check()
    assert kb.article("toner-low", None) is None
    assert "toner-low" not in [a for a, _ in kb.search("toner-low question").ranked]


def test_a_broken_edit_is_logged_and_the_old_index_keeps_answering(
    setup: tuple, caplog: pytest.LogCaptureFixture
) -> None:
    watcher, kb, _, articles = setup
    before = kb.index.build
    write(articles, "connectivity/vpn-connect.md", GOOD.replace("review_by: 2027-06-30", "review_by: next year"))
    with caplog.at_level(logging.ERROR):
        assert not watcher.check()
    assert "vpn-connect.md: review_by: must be a date written YYYY-MM-DD, got 'next year'" in caplog.text
    assert kb.index.build == before
    assert kb.search("vpn not working").decision.kind is DecisionKind.ANSWER

    write(articles, "connectivity/vpn-connect.md", GOOD)  # put back as it was built: nothing to build
    assert not watcher.check()
    assert kb.index.build == before
    write(articles, "connectivity/vpn-connect.md", GOOD.replace("review_by: 2027-06-30", "review_by: 2027-12-31"))
    assert watcher.check()  # fixed: the next check rebuilds


def test_the_thread_rebuilds_without_being_asked(setup: tuple) -> None:
    watcher, kb, _, articles = setup
    watcher.start()
    try:
        write(articles, "printing/toner-low.md", article_file("toner-low", "printing"))
        wait_until(lambda: kb.article("toner-low", None) is not None, 5, "the watcher to index the new article")
    finally:
        watcher.stop()


def test_a_change_another_process_already_built_is_not_built_again(setup: tuple) -> None:
    watcher, kb, _, articles = setup
    other = ArticleWatcher(watcher.config, FakeEmbedder())  # a replica sharing the folder and the index
    assert not other.check()  # it starts after the first build: nothing to do
    write(articles, "printing/toner-low.md", article_file("toner-low", "printing"))
    assert watcher.check()
    built = kb.index.build
    assert not other.check()  # the current build was made from the folder it sees
    assert other.seen == snapshot(articles)
    path = articles / "printing" / "toner-low.md"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert not watcher.check()  # touched, not changed: the same content is not built again
    assert kb.index.build == built


def test_while_another_process_builds_a_watcher_builds_nothing_and_looks_again(setup: tuple) -> None:
    watcher, kb, _, articles = setup
    write(articles, "printing/toner-low.md", article_file("toner-low", "printing"))
    with layout.build_lock(watcher.config.index_dir):  # another replica's build
        assert not watcher.check()
    assert kb.article("toner-low", None) is None
    assert watcher.check()  # the other build never came: this one builds
    assert kb.article("toner-low", None) is not None


def test_a_lock_that_cannot_be_opened_is_reported_once_per_change(setup: tuple) -> None:
    watcher, kb, _, articles = setup
    lock = watcher.config.index_dir / layout.LOCK_FILE
    lock.unlink()
    lock.mkdir()  # cannot be opened for writing, as on a read-only volume
    write(articles, "printing/toner-low.md", article_file("toner-low", "printing"))
    with pytest.raises(OSError):
        watcher.check()
    assert not watcher.check()  # logged by the thread once, not at every look
    assert kb.search("vpn not working").decision.kind is DecisionKind.ANSWER  # the build there was serves
