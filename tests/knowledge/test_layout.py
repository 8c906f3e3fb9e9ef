"""The built index's layout: the one writer and reader of a build's files, and what importing it costs."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import bot.knowledge
from bot.knowledge import layout
from bot.knowledge.articles import Escalation
from bot.knowledge.errors import IndexNotBuiltError
from bot.paths import ROOT
from tests.fakes import make_article

HEAVY = ("faiss", "numpy", "torch", "sentence_transformers", "bm25s", "bot.knowledge.index", "bot.servicedesk")


def test_articles_survive_the_round_trip(tmp_path: Path) -> None:
    written = [
        make_article(
            "vpn-connect",
            escalation=Escalation("network", "P2", ("error_text", "asset_tag")),
            source="a/vpn-connect.md",
            facets=(("place", "remote"),),
        ),
        make_article("riverside-parking", audience=("riverside",), questions=("parking permit", "permit renewal")),
    ]
    layout.write_articles(tmp_path, written)
    assert layout.read_articles(tmp_path) == written


@pytest.mark.parametrize("content", ["", "[{", '{"id": "x"}', '[{"id": "broken"}]', "[1]"])
def test_an_unreadable_articles_file_is_an_index_not_built(tmp_path: Path, content: str) -> None:
    (tmp_path / layout.ARTICLES_FILE).write_text(content)
    with pytest.raises(IndexNotBuiltError, match=r"python -m bot\.knowledge build"):
        layout.read_articles(tmp_path)


def test_the_config_is_stamped_with_the_format_and_other_formats_are_refused(tmp_path: Path) -> None:
    layout.write_config(tmp_path, {"model": "fake", "format": 1})
    assert layout.read_config(tmp_path) == {"format": layout.INDEX_FORMAT, "model": "fake"}
    (tmp_path / layout.CONFIG_FILE).write_text(json.dumps({"format": layout.INDEX_FORMAT - 1}))
    with pytest.raises(IndexNotBuiltError, match="built by another version"):
        layout.read_config(tmp_path)


def test_the_current_build_is_the_last_made_current_and_old_builds_are_pruned(tmp_path: Path) -> None:
    with pytest.raises(IndexNotBuiltError, match="no index at"):
        layout.current_build(tmp_path)
    builds = []
    for _ in range(layout.KEEP_OLD_BUILDS + 2):
        with layout.build_lock(tmp_path):
            builds.append(layout.new_build(tmp_path))
            layout.write_config(builds[-1], {})  # last, as a build does: the build is complete
            layout.make_current(tmp_path, builds[-1])
            layout.prune(tmp_path, builds[-1])
        assert layout.current_build(tmp_path) == builds[-1]
    assert sorted((tmp_path / layout.BUILDS).iterdir()) == builds[-1 - layout.KEEP_OLD_BUILDS :]


def test_the_build_lock_is_one_holder_at_a_time_and_the_other_may_not_wait(tmp_path: Path) -> None:
    with layout.build_lock(tmp_path) as held:
        assert held
        with layout.build_lock(tmp_path, wait=False) as other:  # another open file: as another process
            assert not other
    with layout.build_lock(tmp_path, wait=False) as held:
        assert held


def test_builds_are_named_by_utc_time_whatever_the_time_zone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replicas in different time zones share the builds folder; its names must sort by age. One fixed
    instant: the machine's clock may be stepped back while the test runs (CI saw it go back a second)."""
    instant = 1782907200_123456789  # 2026-07-01 12:00:00.123456789 UTC: 00:00 in Auckland, 05:00 in Los Angeles
    monkeypatch.setattr(layout.time, "time_ns", lambda: instant)
    try:
        for zone in ("Pacific/Auckland", "America/Los_Angeles"):
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            stamp, fraction = layout.new_build(tmp_path / zone).name.split("-")[0].split(".")
            assert (stamp, fraction) == ("20260701T120000", "123456789")
    finally:
        monkeypatch.undo()
        time.tzset()


def test_pruning_removes_what_a_killed_builder_left_and_keeps_the_complete_builds(tmp_path: Path) -> None:
    complete = []
    for _ in range(2):
        complete.append(layout.new_build(tmp_path))
        layout.write_config(complete[-1], {})
    killed = layout.new_build(tmp_path)  # no config.json: its builder died before finishing it
    (killed / layout.ARTICLES_FILE).write_text("[]")
    current = layout.new_build(tmp_path)
    layout.prune(tmp_path, current)
    assert sorted((tmp_path / layout.BUILDS).iterdir()) == [*complete, current]


@pytest.mark.parametrize("module", ["bot.knowledge.layout", "bot.knowledge.ids", "bot.knowledge"])
def test_the_light_modules_load_no_vectors_model_or_desk(module: str) -> None:
    """The Rasa server reads builds through these; it must not pay for FAISS, numpy or a model."""
    code = f"import sys, {module}; print(' '.join(sorted(m for m in sys.modules if m.startswith({HEAVY!r}))))"
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == []


def test_the_package_exports_every_name_it_declares() -> None:
    for name in bot.knowledge.__all__:
        assert getattr(bot.knowledge, name).__name__ == name
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = bot.knowledge.nothing
