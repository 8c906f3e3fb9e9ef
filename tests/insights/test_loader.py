"""The load the back office runs by itself (bot/insights/loader.py): chats reach the managers'
dashboard with no cron job, each event once; a setting that cannot work stops the start naming it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.backoffice.__main__ import build
from bot.config import ConfigurationError
from bot.insights.loader import LOAD_SECONDS_SETTING, loading_job
from bot.insights.settings import InsightsSettings
from bot.insights.store import InsightsStore
from tests.insights.history import Chat, Log
from tests.waiting import wait_until

WAIT = 30.0


def append(events: Path, log: Log) -> None:
    with sqlite3.connect(events) as db:
        db.executemany(
            "INSERT INTO events (sender_id, data) VALUES (?, ?)", [(e["sender_id"], json.dumps(e)) for e in log.events]
        )


def test_the_back_office_loads_new_chats_by_itself_each_once(tmp_path: Path) -> None:
    first, later = Log(), Log()
    Chat(first, "pat").answered("I forgot my password", "password-reset").helped()
    Chat(later, "jo", at=2_000_000_000.0).answered("the vpn won't connect", "vpn-connect")
    events = first.write(tmp_path / "events.db")
    env = {"EVENTS_DB_URL": f"sqlite:///{events}", LOAD_SECONDS_SETTING: "3600"}
    store = InsightsStore.open(tmp_path / "insights.sqlite")
    job = loading_job(store, InsightsSettings.load(), env)
    assert job is not None and job.every == 3600
    job.start()  # its first load runs at once
    try:
        wait_until(lambda: len(store.questions()) == 1, WAIT, "the first chat to be loaded", interval=0.05)
        append(events, later)
        job.nudge()  # as if the hour had passed
        wait_until(lambda: len(store.questions()) == 2, WAIT, "the later chat to be loaded", interval=0.05)
        job.nudge()
        job.nudge()
    finally:
        job.stop()
    assert sorted(q.conversation for q in store.questions()) == ["jo", "pat"]  # loaded again: nothing twice


def test_unset_or_blank_leaves_loading_to_cron(tmp_path: Path) -> None:
    store = InsightsStore.open(tmp_path / "insights.sqlite")
    assert loading_job(store, InsightsSettings.load(), {}) is None
    assert loading_job(store, InsightsSettings.load(), {LOAD_SECONDS_SETTING: " "}) is None


@pytest.mark.parametrize("value", ["soon", "0", "-60", "inf", "nan"])
def test_a_load_interval_that_cannot_work_is_refused_naming_the_setting(value: str, tmp_path: Path) -> None:
    store = InsightsStore.open(tmp_path / "insights.sqlite")
    with pytest.raises(ConfigurationError, match=f"{LOAD_SECONDS_SETTING} must be a positive number of seconds"):
        loading_job(store, InsightsSettings.load(), {LOAD_SECONDS_SETTING: value})


def test_the_back_office_starts_its_loader_and_refuses_a_malformed_rabbitmq_url(tmp_path: Path) -> None:
    events = Log()
    Chat(events, "pat").answered("I forgot my password", "password-reset")
    env = {
        "ASKIT_BACKOFFICE_SECRET": "a-session-key-for-this-test-only-0123456789",
        "ASKIT_BACKOFFICE_DB": str(tmp_path / "backoffice.sqlite"),
        "EVENTS_DB_URL": f"sqlite:///{events.write(tmp_path / 'events.db')}",
        LOAD_SECONDS_SETTING: "3600",
    }
    with TestClient(build(env, dev=True, port=5057)):  # its lifespan starts the jobs
        store = InsightsStore.open(tmp_path / "backoffice.sqlite")
        wait_until(lambda: len(store.questions()) == 1, WAIT, "the back office to load the chat", interval=0.05)
    with pytest.raises(ValueError, match="EVENTS_AMQP_URL must look like"):
        build({**env, "EVENTS_AMQP_URL": "amqp://rabbit.internal/"}, dev=True, port=5057)
