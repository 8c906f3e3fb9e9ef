"""A handoff's messages (bot/handoff/store.py) on SQLite and a real PostgreSQL: each stored once and
in order whatever is posted twice, refused with a reason once the chat has ended, redacted where
they are kept or passed on, and each reader's delivery cursor carried across a restart."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.handoff.errors import HandoffClosed, NotAssigned
from bot.handoff.models import Handoff
from bot.handoff.store import HandoffStore
from bot.redaction import REDACTED
from tests.handoff.common import MINUTE, T0, TIMEOUTS, ask, taken


def test_fifty_messages_posted_while_queued_some_twice_are_kept_once_each_in_order(store: HandoffStore) -> None:
    handoff = ask(store)
    for i in range(50):
        first = store.post(handoff.id, f"m{i}", "user", f"message {i}", now=T0 + i)
        if i % 7 == 0:  # the channel retried: same id, and even another text, is the same message
            assert store.post(handoff.id, f"m{i}", "user", f"message {i} again", now=T0 + i + 0.5) == first
    messages = store.messages(handoff.id)
    assert [(m.seq, m.message_id, m.text) for m in messages] == [(i + 1, f"m{i}", f"message {i}") for i in range(50)]
    assert store.get(handoff.id).last_seq == 50 and store.get(handoff.id).last_user_at == T0 + 49


def ended(store: HandoffStore, how: str) -> Handoff:
    """A handoff ended one way or another."""
    handoff = ask(store) if how in ("cancelled", "timed out") else taken(store)
    ends: dict[str, Callable[[], object]] = {
        "closed": lambda: store.close(handoff.id, by="alex", now=T0 + 2 * MINUTE, reason="resolved"),
        "cancelled": lambda: store.cancel(handoff.id, now=T0 + 2 * MINUTE),
        "timed out": lambda: store.sweep(T0 + 60 * MINUTE, TIMEOUTS),
        "failed": lambda: store.fail(handoff.id, "the widget's socket is gone", now=T0 + 2 * MINUTE),
    }
    ends[how]()
    return store.get(handoff.id)


@pytest.mark.parametrize("how", ["closed", "cancelled", "timed out", "failed"])
def test_a_message_to_an_ended_chat_is_refused_with_the_reason(store: HandoffStore, how: str) -> None:
    handoff = ended(store, how)
    for sender, author in (("agent", "alex"), ("user", None), ("note", "alex")):
        with pytest.raises(HandoffClosed, match=f"handoff {handoff.id} is {how} \\(by ") as refused:
            store.post(handoff.id, f"late-{sender}", sender, "hello?", now=T0 + 61 * MINUTE, author_id=author)  # type: ignore[arg-type]
        assert refused.value.handoff == handoff
    assert store.messages(handoff.id) == [] and store.get(handoff.id) == handoff


def test_a_message_posted_before_the_end_and_retried_after_it_is_the_same_message(store: HandoffStore) -> None:
    handoff = taken(store)
    sent = store.post(handoff.id, "a1", "agent", "Try restarting it", now=T0 + 2 * MINUTE, author_id="alex")
    store.close(handoff.id, by="alex", now=T0 + 3 * MINUTE)
    assert store.post(handoff.id, "a1", "agent", "Try restarting it", now=T0 + 4 * MINUTE, author_id="alex") == sent


def test_only_the_agent_who_holds_the_chat_speaks_in_it(store: HandoffStore) -> None:
    waiting = ask(store, "web-2")
    with pytest.raises(NotAssigned, match="nobody holds it"):
        store.post(waiting.id, "x", "agent", "Hello", now=T0, author_id="alex")
    handoff = taken(store, "alex")
    with pytest.raises(NotAssigned, match="bea does not hold"):
        store.post(handoff.id, "y", "agent", "Hello", now=T0, author_id="bea")
    # a note is for the agents: any of them may leave one, queued or not
    store.post(waiting.id, "n1", "note", "Known issue, see INC0099", now=T0, author_id="bea", author_name="Bea")
    assert [m.sender for m in store.messages(waiting.id)] == ["note"]
    with pytest.raises(ValueError):
        store.post(handoff.id, "z", "bot", "Hello", now=T0)  # type: ignore[arg-type]


def test_a_user_s_secret_is_never_stored_and_the_transcript_redacts_every_line(store: HandoffStore) -> None:
    handoff = taken(store)
    store.post(handoff.id, "u1", "user", "my password is Winter2026! and it fails", now=T0 + 2 * MINUTE)
    store.post(
        handoff.id, "a1", "agent", "Your temporary password is Blue-Kettle-42", now=T0 + 3 * MINUTE, author_id="alex"
    )
    store.post(handoff.id, "n1", "note", "Reset done, password: Blue-Kettle-42", now=T0 + 4 * MINUTE, author_id="alex")
    stored = store.messages(handoff.id)
    assert stored[0].text == f"my password is {REDACTED} and it fails"  # the agent sees the words, not the secret
    assert stored[1].text == "Your temporary password is Blue-Kettle-42"  # it must reach the user
    transcript = store.transcript(handoff.id)
    assert [m.sender for m in transcript] == ["user", "agent"]  # notes are private unless asked for
    assert all("Winter2026" not in m.text and "Blue-Kettle-42" not in m.text for m in transcript)
    with_notes = store.transcript(handoff.id, notes=True)
    assert [m.sender for m in with_notes] == ["user", "agent", "note"] and REDACTED in with_notes[2].text
    assert store.messages(handoff.id, notes=False) == stored[:2] and store.messages(handoff.id, after=2) == stored[2:]


def test_each_reader_gets_its_own_messages_and_its_cursor_never_moves_back(store: HandoffStore) -> None:
    handoff = taken(store)
    store.post(handoff.id, "s1", "system", "Alex (Service Desk) has joined", now=T0 + 2 * MINUTE)
    store.post(handoff.id, "u1", "user", "hi", now=T0 + 3 * MINUTE)
    store.post(handoff.id, "a1", "agent", "Hello Sam", now=T0 + 4 * MINUTE, author_id="alex", author_name="Alex")
    store.post(handoff.id, "n1", "note", "private", now=T0 + 5 * MINUTE, author_id="alex")
    assert [m.seq for m in store.undelivered(handoff.id, to="user")] == [1, 3]  # the agents' and the system's
    assert [m.seq for m in store.undelivered(handoff.id, to="console")] == [1, 2, 3, 4]
    store.mark_delivered(handoff.id, 1)
    store.mark_delivered(handoff.id, 1)  # idempotent
    assert [m.seq for m in store.undelivered(handoff.id)] == [3]
    store.mark_delivered(handoff.id, 3)
    store.mark_delivered(handoff.id, 1)  # a late acknowledgement does not move it back
    assert store.undelivered(handoff.id) == [] and store.get(handoff.id).delivered_to_user == 3
    store.mark_delivered(handoff.id, 2, to="console")
    assert [m.seq for m in store.undelivered(handoff.id, to="console")] == [3, 4]
    with pytest.raises(ValueError, match="no message 5"):
        store.mark_delivered(handoff.id, 5)


def test_after_a_restart_exactly_the_undelivered_messages_are_sent_again(location: str) -> None:
    before = HandoffStore.open(location)
    handoff = taken(before)
    for i in range(1, 4):
        before.post(handoff.id, f"a{i}", "agent", f"step {i}", now=T0 + i * MINUTE, author_id="alex")
    before.mark_delivered(handoff.id, 1)  # the server stopped after delivering the first
    before.close(handoff.id, by="alex", now=T0 + 5 * MINUTE)  # ... and the chat ended meanwhile
    quiet = taken(before, "bea", "web-2")

    after = HandoffStore.open(location)
    assert [h.id for h in after.with_undelivered(to="user")] == [handoff.id]  # open or ended
    assert [m.text for m in after.undelivered(handoff.id)] == ["step 2", "step 3"]
    after.mark_delivered(handoff.id, 3)
    assert after.with_undelivered(to="user") == [] and after.undelivered(quiet.id) == []
    assert [h.id for h in after.with_undelivered(to="console")] == [handoff.id]
