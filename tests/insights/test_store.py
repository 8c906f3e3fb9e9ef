"""The loader (bot/insights/store.py) on SQLite and a real PostgreSQL: stopped and started again at
any point, it counts every event exactly once; the text of old questions is forgotten; a question
answered with an article chosen from a clarify list is marked as chosen."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot import replies, sql
from bot.insights import store as store_module
from bot.insights.figures import Gap, GapRun
from bot.insights.outcomes import Question, Ticket
from bot.insights.store import InsightsStore
from tests.insights.history import Chat, Log
from tests.insights.test_figures import history


def rows(store: InsightsStore) -> tuple[list[Question], list[Ticket]]:
    return store.questions(), store.tickets()


def test_a_loader_restarted_mid_way_counts_every_event_once(location: str, tmp_path: Path) -> None:
    log = history(size=60).log
    events = sql.open_database(log.write(tmp_path / "events.db"))
    whole = InsightsStore.open(tmp_path / "whole.sqlite")
    whole.load(events)

    first = InsightsStore.open(location)
    loaded = first.load(events, batch=37, max_batches=2)  # stopped after two batches
    assert loaded.events == 74 and first.last_event() == 74
    again = InsightsStore.open(location)  # a new process
    rest = again.load(events, batch=37)
    assert loaded.events + rest.events == len(log.events)
    assert rows(again) == rows(whole) and again.load(events).events == 0  # nothing counted twice
    assert again.outcomes() == whole.outcomes()  # a ticket in a later batch judges earlier questions again
    assert again.figures() == whole.figures()
    assert len(again.questions()) == loaded.questions + rest.questions


def test_two_loaders_at_once_count_every_event_once(location: str, tmp_path: Path) -> None:
    """The back office's loader and a cron job's may run together: each batch is taken by one."""
    log = history(size=60).log
    events = sql.open_database(log.write(tmp_path / "events.db"))
    whole = InsightsStore.open(tmp_path / "whole.sqlite")
    whole.load(events)
    stores = [InsightsStore.open(location), InsightsStore.open(location)]
    for _ in range(2):  # the second time, both find nothing new
        with ThreadPoolExecutor(2) as loaders:
            list(loaders.map(lambda store: store.load(events, batch=11), stores))
    while stores[0].load(events, batch=11).events:  # a loader that found the other at work stopped early
        pass
    assert rows(stores[1]) == rows(whole) and stores[1].outcomes() == whole.outcomes()
    assert stores[1].last_event() == len(log.events)


def test_a_batch_that_fails_half_way_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = history(size=10).log
    events = sql.open_database(log.write(tmp_path / "events.db"))
    store = InsightsStore.open(tmp_path / "insights.sqlite")
    calls = 0
    real = store_module._record

    def failing(tx: object, change: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("the machine stopped here")
        real(tx, change)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module, "_record", failing)
    with pytest.raises(RuntimeError):
        store.load(events)
    assert rows(store) == ([], []) and store.last_event() == 0
    monkeypatch.setattr(store_module, "_record", real)
    store.load(events)
    whole = InsightsStore.open(tmp_path / "whole.sqlite")
    whole.load(events)
    assert rows(store) == rows(whole)


def test_old_question_text_is_forgotten_and_the_outcomes_kept(tmp_path: Path) -> None:
    log = history(size=30).log
    store = InsightsStore.open(tmp_path / "insights.sqlite")
    store.load(sql.open_database(log.write(tmp_path / "events.db")))
    questions = store.questions()
    cut = sorted(q.at for q in questions)[len(questions) // 2]
    forgotten = store.forget_text(cut)
    after = store.questions()
    assert forgotten == sum(q.at < cut and q.text is not None for q in questions) > 0
    assert all(q.text is None for q in after if q.at < cut) and len(after) == len(questions)
    assert [q.decision for q in after] == [q.decision for q in questions]


def test_an_unreadable_event_is_skipped_and_the_rest_loaded(tmp_path: Path) -> None:
    log = history(size=5).log
    path = log.write(tmp_path / "events.db")
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO events (sender_id, data) VALUES ('x', 'not json')")
    store = InsightsStore.open(tmp_path / "insights.sqlite")
    assert store.load(sql.open_database(path)).events == len(log.events) + 1


def test_saved_gaps_are_counted_and_quoted_per_council(location: str, tmp_path: Path) -> None:
    store = InsightsStore.open(location)
    store.load(sql.open_database(history(size=200, seed=5).log.write(tmp_path / "events.db")))
    asked = store.questions()
    by_council = {c: [q for q in asked if q.tenant == c] for c in ("riverside", "northbrook")}
    topic = [*by_council["riverside"][:6], *by_council["northbrook"][:4]]  # one topic, asked in two councils
    small = by_council["northbrook"][4:7]  # too few to show anywhere
    gaps = [
        Gap("parking permit", 10, {}, (), tuple(q.id for q in topic)),
        Gap("pool car", 3, {}, (), tuple(q.id for q in small)),
    ]
    assert store.gap_run() is None  # never run
    store.save_gaps(GapRun(1_800_000_000.0, 0.0, float("inf"), 13, gaps))

    everyone = store.gap_run()
    assert everyone is not None and (everyone.at, everyone.questions) == (1_800_000_000.0, 13)
    [gap] = everyone.gaps
    assert (gap.label, gap.size, gap.councils) == ("parking permit", 10, {"riverside": 6, "northbrook": 4})
    assert gap.examples == tuple(dict.fromkeys(q.text for q in topic if q.text))[:3]
    riverside = store.gap_run("riverside")
    assert riverside is not None and [(g.size, g.councils) for g in riverside.gaps] == [(6, {"riverside": 6})]
    assert set(riverside.gaps[0].examples) <= {q.text for q in by_council["riverside"]}  # never another council's
    northbrook = store.gap_run("northbrook")
    assert northbrook is not None and northbrook.gaps == []  # 4 of its questions: under the minimum

    store.forget_text(float("inf"))  # retention over: the examples go, the counts stay
    [kept] = store.gap_run().gaps  # type: ignore[union-attr]
    assert kept.size == 10 and kept.examples == ()
    store.save_gaps(GapRun(1_800_100_000.0, 0.0, float("inf"), 0, []))  # a new run replaces the last
    assert store.gap_run() == GapRun(1_800_100_000.0, 0.0, float("inf"), 0, [])


def test_a_question_answered_by_a_choice_from_a_clarify_list_is_marked_chosen(location: str, tmp_path: Path) -> None:
    log = Log()
    listed = Chat(log, "c1").says("printer problem").bot(replies.clarify([("printer-add", "Add"), ("scan", "Scan")]))
    listed.says('/choose_article{"article_id":"printer-add"}').bot(replies.answer("printer-add", "Add", "Steps."))
    listed.not_helped("printer-add")
    Chat(log, "c2").answered("add a printer", "printer-add")  # the bot picked it: not chosen
    Chat(log, "c3").says("scanner").bot(replies.clarify([("printer-add", "Add"), ("scan", "Scan")]))  # no choice
    store = InsightsStore.open(location)
    store.load(sql.open_database(log.write(tmp_path / "events.db")))
    marked = {q.text: (q.decision, q.article_id, q.chosen) for q in store.questions()}
    assert marked == {
        "printer problem": ("answer", "printer-add", True),
        "add a printer": ("answer", "printer-add", False),
        "scanner": ("clarify", None, False),
    }
    assert [q.text for q in store.answers(chosen=True)] == ["printer problem"]
    assert [q.text for q in store.answers(chosen=False)] == ["add a printer"]
    [unhelped] = store.answers(feedback="not_helped")
    assert store.question(unhelped.id) == unhelped and unhelped.chosen and store.question(-1) is None
