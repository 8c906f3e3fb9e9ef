"""The tracker store Rasa uses (Rasa environment): a bad sender fails one save, never the server,
and typed secrets never reach the database."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    FollowupAction,
    ReminderScheduled,
    SessionStarted,
    SlotSet,
    UserUttered,
    deserialise_events,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import SafeSQLTrackerStore, TrackerStoreError, events_from


def store(tmp_path: Path) -> SafeSQLTrackerStore:
    return SafeSQLTrackerStore(domain=Domain.empty(), host=f"sqlite:///{tmp_path / 'tracker.db'}")


def said(sender: str, text: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, slots=[])
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}, parse_data={"text": text}))
    return tracker


def stored_rows(tmp_path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        return list(db.execute("SELECT sender_id, data FROM events"))


def test_an_unencodable_sender_fails_the_save_and_does_not_exit(tmp_path: Path) -> None:
    """Finding 1: Rasa's own store called print_error_and_exit (SystemExit) for a lone surrogate."""
    with pytest.raises(TrackerStoreError) as raised:
        asyncio.run(store(tmp_path).save(said("x\udfff", "hi")))
    assert "\udfff" not in str(raised.value)


def test_rasas_fail_safe_wrapper_survives_it_and_later_turns_are_stored(tmp_path: Path) -> None:
    safe = FailSafeTrackerStore(store(tmp_path))
    asyncio.run(safe.save(said("x\udfff", "hi")))  # logged, kept in memory, no exception
    asyncio.run(safe.save(said("alice", "hello")))
    assert [sender for sender, _ in stored_rows(tmp_path)] == ["alice"]


@pytest.mark.parametrize(
    "typed,secret",
    [("my password is Winter2026! and it still fails", "Winter2026!"), ("my pass is Hunter22", "Hunter22")],
)
def test_typed_secrets_are_not_written_to_the_database(tmp_path: Path, typed: str, secret: str) -> None:
    asyncio.run(store(tmp_path).save(said("alice", typed)))
    (_, data), *_ = stored_rows(tmp_path)
    assert secret not in data and "[redacted]" in json.loads(data)["text"]
    assert "[redacted]" in json.loads(data)["parse_data"]["text"]


def test_ordinary_messages_are_stored_as_typed(tmp_path: Path) -> None:
    asyncio.run(store(tmp_path).save(said("alice", "my password has expired")))
    assert json.loads(stored_rows(tmp_path)[0][1])["text"] == "my password has expired"


def a_turn_of_every_kind(sender: str) -> DialogueStateTracker:
    """Every kind of event an AskIT conversation holds: a session, a form with its loop, buttons
    as intents, slots of each type, a reply with a custom payload, a reminder and a pause."""
    tracker = DialogueStateTracker(sender, slots=[])
    for event in [
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("raise a ticket", {"name": "ask_ticket", "confidence": 0.97}, parse_data={"text": "x"}),
        ActiveLoop("ticket_form"),
        SlotSet("requested_slot", "summary"),
        SlotSet("ticket_details", {"impact": "just me", "asset_tag": None}),
        BotUttered("What's the problem?", {"custom": {"flow": "ticket_offer", "step": "summary"}}),
        ActionExecutionRejected("ticket_form"),
        FollowupAction("action_answer_question"),
        ReminderScheduled("action_ticket_news", datetime(2026, 12, 1, 9, 0), name="news"),
        ConversationPaused(),
        ConversationResumed(),
        ActiveLoop(None),
        AllSlotsReset(),
    ]:
        tracker.update(event)
    return tracker


def test_a_conversation_reads_back_as_rasa_reads_it(tmp_path: Path) -> None:
    """The store reads events back through a table of Rasa's event classes (Rasa's own lookup walks
    every subclass for every event): the same events, and the same tracker state, as Rasa's."""
    kept = store(tmp_path)
    kept.domain = Domain.empty()
    asyncio.run(kept.save(a_turn_of_every_kind("alice")))
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        rows = [json.loads(data) for (data,) in db.execute("SELECT data FROM events ORDER BY id")]
    ours = events_from([*rows, {"event": "topic", "topic": "old"}, {"no": "type"}])
    assert ours == deserialise_events(rows) and len(ours) == len(rows)
    assert [type(e) for e in ours] == [type(e) for e in a_turn_of_every_kind("alice").events]
    loaded = asyncio.run(kept.retrieve("alice"))
    rasas = DialogueStateTracker.from_dict("alice", rows, kept.domain.slots)
    assert loaded is not None and loaded.current_state() == rasas.current_state()
