"""The events table's retention (bot/insights/events.py): once loaded, events older than the retention
period are deleted from the oldest on, on SQLite and a real PostgreSQL; nothing the loader has not
read goes, and the newest row stays so that SQLite never gives its id to a new event."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import sql
from bot.insights import cli, loader
from bot.insights.events import append_relayed, forget_events, prepare_for_relay, read_events
from bot.insights.store import InsightsStore
from tests.insights.history import DAY, START, Chat, Log


def table(location: str, stamps: list[float]) -> sql.Database:
    db = sql.open_database(location)
    prepare_for_relay(db)
    with db.transaction() as tx:
        body = [json.dumps({"event": "user", "sender_id": "pat", "timestamp": t}).encode() for t in stamps]
        append_relayed(tx, body, now=START)
    return db


def left(db: sql.Database) -> list[float]:
    return [e.at for e in read_events(db, 0, 1_000)]


def test_loaded_events_older_than_the_cut_go_from_the_oldest_on(location: str) -> None:
    db = table(location, [1.0, 2.0, 3.0, 9.0, 4.0, 10.0, 11.0])
    assert forget_events(db, before=5.0, loaded=7) == 3  # 4.0 came late, after a younger one: it stays
    assert left(db) == [9.0, 4.0, 10.0, 11.0]
    assert forget_events(db, before=5.0, loaded=7) == 0


def test_a_long_run_of_old_events_goes_whole(location: str) -> None:
    db = table(location, [float(t) for t in range(1, 301)] + [400.0, 401.0])  # read in growing chunks
    assert forget_events(db, before=350.0, loaded=302) == 300
    assert left(db) == [400.0, 401.0]


def test_what_the_loader_has_not_read_stays(location: str) -> None:
    db = table(location, [1.0, 2.0, 3.0, 4.0])
    assert forget_events(db, before=100.0, loaded=2) == 2
    assert left(db) == [3.0, 4.0]


def test_the_newest_event_stays_so_its_id_is_never_given_again(tmp_path: Path) -> None:
    db = table(str(tmp_path / "events.db"), [1.0, 2.0])
    assert forget_events(db, before=100.0, loaded=2) == 1
    with db.transaction() as tx:
        append_relayed(tx, [b'{"event": "user", "sender_id": "jo", "timestamp": 50.0}'], now=START)
    assert [e.id for e in read_events(db, 2, 10)] == [3]  # past the loader's mark: it will be read


def test_the_relays_record_of_old_messages_goes_too(tmp_path: Path) -> None:
    db = table(str(tmp_path / "events.db"), [1.0])
    forget_events(db, before=START + 1, loaded=1)
    with db.transaction() as tx:
        assert tx.execute("SELECT COUNT(*) AS n FROM relayed_events").fetchone()["n"] == 0


def test_load_deletes_events_past_the_retention_period_and_keeps_the_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log = Log()
    Chat(log, "long-ago").answered("I forgot my password", "password-reset").helped()  # 2026-09-21
    Chat(log, "today", at=START + 200 * DAY).answered("the vpn won't connect", "vpn-connect")
    events = log.write(tmp_path / "events.db")
    monkeypatch.setenv("EVENTS_DB_URL", f"sqlite:///{events}")
    monkeypatch.setenv("ASKIT_BACKOFFICE_DB", str(tmp_path / "insights.sqlite"))
    monkeypatch.setattr(loader.time, "time", lambda: START + 200 * DAY)  # retention: 90 days
    assert cli.main(["load"]) == 0
    assert capsys.readouterr().out.endswith("text of 1 older questions and 8 older events forgotten\n")
    assert {e.sender_id for e in read_events(sql.open_database(events), 0, 100)} == {"today"}
    store = InsightsStore.open(tmp_path / "insights.sqlite")
    assert sum(row.questions for row in store.figures().values()) == 2  # the outcomes stay
