"""The timeouts (bot/handoff/timeouts.py) on SQLite and a real PostgreSQL, with the time passed in:
a queue nobody answers, an agent who accepts and says nothing, a user or an agent silent when it
is their turn. A sweep says what it did, and a second sweep at the same time does nothing."""

from __future__ import annotations

from bot.handoff.models import ClosedIdle, QueueTimedOut, ReturnedToQueue
from bot.handoff.store import HandoffStore
from tests.handoff.common import MINUTE, T0, TIMEOUTS, ask, sign_in, taken


def test_a_chat_nobody_accepts_times_out_once(store: HandoffStore) -> None:
    handoff = ask(store)
    assert store.sweep(T0 + 10 * MINUTE - 1, TIMEOUTS) == []
    [event] = store.sweep(T0 + 10 * MINUTE, TIMEOUTS)
    assert isinstance(event, QueueTimedOut) and event.handoff == store.get(handoff.id)
    assert (event.handoff.state, event.handoff.closed_by, event.handoff.close_reason) == (
        "timed_out",
        "system",
        "queue_timeout",
    )
    assert store.sweep(T0 + 10 * MINUTE, TIMEOUTS) == [] and store.sweep(T0 + 99 * MINUTE, TIMEOUTS) == []
    assert store.open_for("web-1") is None  # the user is offered a ticket, and may ask again


def test_an_agent_who_says_nothing_gives_the_chat_back_to_the_queue_in_its_place(store: HandoffStore) -> None:
    handoff = taken(store, "alex")  # accepted at T0 + 1 minute
    later = ask(store, "web-2", now=T0 + 2 * MINUTE)
    store.post(handoff.id, "u1", "user", "are you there?", now=T0 + 2 * MINUTE)  # the user speaking does not count
    store.post(handoff.id, "n1", "note", "looking", now=T0 + 2 * MINUTE, author_id="alex")  # nor a private note
    assert store.sweep(T0 + 4 * MINUTE - 1, TIMEOUTS) == []
    [event] = store.sweep(T0 + 4 * MINUTE, TIMEOUTS)
    assert event == ReturnedToQueue(store.get(handoff.id), "alex", "Alex")
    assert (event.handoff.state, event.handoff.agent_id, event.handoff.queued_at) == ("queued", None, T0 + 4 * MINUTE)
    assert store.position(handoff.id) == 1 and store.position(later.id) == 2
    assert store.sweep(T0 + 4 * MINUTE, TIMEOUTS) == []
    # back in the queue, it has a queue timeout of its own from now
    assert store.sweep(T0 + 13 * MINUTE, TIMEOUTS) == [QueueTimedOut(store.get(later.id))]
    assert [type(e) for e in store.sweep(T0 + 14 * MINUTE, TIMEOUTS)] == [QueueTimedOut]


def test_an_agent_who_answers_in_time_keeps_the_chat(store: HandoffStore) -> None:
    handoff = taken(store, "alex")
    store.post(handoff.id, "a1", "agent", "Hi Sam, looking now", now=T0 + 3 * MINUTE, author_id="alex")
    assert store.sweep(T0 + 5 * MINUTE, TIMEOUTS) == []
    assert store.get(handoff.id).state == "assigned"


def test_an_agent_given_a_chat_by_transfer_must_answer_in_time_too(store: HandoffStore) -> None:
    handoff = taken(store, "alex")
    store.post(handoff.id, "a1", "agent", "Passing you to Bea", now=T0 + 2 * MINUTE, author_id="alex")
    sign_in(store, "bea")
    store.transfer(handoff.id, "alex", now=T0 + 3 * MINUTE, to_agent="bea")
    [event] = store.sweep(T0 + 6 * MINUTE, TIMEOUTS)
    assert event == ReturnedToQueue(store.get(handoff.id), "bea", "Bea")


def test_a_user_silent_after_the_agent_spoke_is_closed_idle(store: HandoffStore) -> None:
    handoff = taken(store, "alex")
    store.post(handoff.id, "u1", "user", "it is broken", now=T0 + 2 * MINUTE)
    store.post(handoff.id, "a1", "agent", "Can you restart it?", now=T0 + 3 * MINUTE, author_id="alex")
    store.touch(handoff.id, "user", now=T0 + 5 * MINUTE)  # typing: the user is still there
    assert store.sweep(T0 + 14 * MINUTE, TIMEOUTS) == []
    [event] = store.sweep(T0 + 15 * MINUTE, TIMEOUTS)
    assert event == ClosedIdle(store.get(handoff.id), "user")
    assert (event.handoff.state, event.handoff.close_reason) == ("closed", "idle_user")
    assert store.sweep(T0 + 15 * MINUTE, TIMEOUTS) == []


def test_an_agent_silent_after_the_user_spoke_is_closed_idle(store: HandoffStore) -> None:
    handoff = taken(store, "alex")
    store.post(handoff.id, "a1", "agent", "Hello", now=T0 + 2 * MINUTE, author_id="alex")
    store.post(handoff.id, "u1", "user", "hi, my screen is blank", now=T0 + 3 * MINUTE)
    store.post(handoff.id, "n1", "note", "checking the asset", now=T0 + 10 * MINUTE, author_id="alex")
    assert store.sweep(T0 + 18 * MINUTE - 1, TIMEOUTS) == []  # the note is not a reply
    [event] = store.sweep(T0 + 18 * MINUTE, TIMEOUTS)
    assert event == ClosedIdle(store.get(handoff.id), "agent")
    assert event.handoff.close_reason == "idle_agent"


def test_one_sweep_handles_every_chat_it_finds(store: HandoffStore) -> None:
    waiting = ask(store, "web-1")
    silent = taken(store, "alex", "web-2", now=T0 + 5 * MINUTE)
    events = store.sweep(T0 + 30 * MINUTE, TIMEOUTS)
    assert events == [QueueTimedOut(store.get(waiting.id)), ReturnedToQueue(store.get(silent.id), "alex", "Alex")]
    assert store.sweep(T0 + 30 * MINUTE, TIMEOUTS) == []
