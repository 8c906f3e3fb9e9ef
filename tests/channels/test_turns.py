"""Per-sender turns: order, concurrency between senders, refusals (queue and rate), failures, and
that nothing stays behind. Tests wait on events and drain(), never on time; the rate's clock is fake."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest

from bot.channels.turns import DEFAULT_BURST, DEFAULT_MAX_PENDING, DEFAULT_RATE, RELAYED_MAX_PENDING, SenderTurns

GUARD_SECONDS = 5  # only against a hang if the code is wrong; a passing test never waits this long


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Gate:
    """A handler that records what it handled, and holds chosen senders' turns until released."""

    def __init__(self, *held: str) -> None:
        self.held = set(held)
        self.handled: list[tuple[str, int]] = []
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, item: tuple[str, int]) -> None:
        if item[0] in self.held:
            self.started.set()
            await self.release.wait()
        self.handled.append(item)


def say(turns: SenderTurns[tuple[str, int]], sender: str, number: int) -> bool:
    return turns.submit(sender, (sender, number))


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), GUARD_SECONDS))


def test_one_senders_turns_are_handled_in_order_one_at_a_time() -> None:
    handled: list[int] = []
    running = 0

    async def handle(item: int) -> None:
        nonlocal running
        running += 1
        assert running == 1, "two turns of one sender at once"
        await asyncio.sleep(0)  # give the next turn every chance to start early
        handled.append(item)
        running -= 1

    async def scenario() -> None:
        turns = SenderTurns(handle, max_pending=100, burst=100)
        assert all(turns.submit("ann", i) for i in range(100))
        await turns.drain()

    run(scenario)
    assert handled == list(range(100))


def test_a_slow_sender_does_not_hold_up_another() -> None:
    async def scenario() -> None:
        gate = Gate("ann")
        b_done = asyncio.Event()

        async def handle(item: tuple[str, int]) -> None:
            await gate(item)
            if item[0] == "bob":
                b_done.set()

        turns = SenderTurns(handle)
        assert say(turns, "ann", 1) and say(turns, "ann", 2) and say(turns, "bob", 1)
        await gate.started.wait()
        await b_done.wait()  # while Ann's first turn is still held
        assert gate.handled == [("bob", 1)]
        gate.release.set()
        await turns.drain()
        assert gate.handled == [("bob", 1), ("ann", 1), ("ann", 2)]

    run(scenario)


def test_a_full_queue_refuses_until_turns_are_handled() -> None:
    async def scenario() -> None:
        gate = Gate("ann")
        turns = SenderTurns(gate, max_pending=3, burst=100)
        assert [say(turns, "ann", i) for i in range(4)] == [True, True, True, False]
        assert turns.pending("ann") == 3
        await gate.started.wait()  # the first turn is being handled, so no longer waiting
        assert turns.pending("ann") == 2
        assert say(turns, "ann", 3) is True
        assert say(turns, "ann", 4) is False
        assert say(turns, "bob", 0) is True  # one sender's full queue is not another's
        gate.release.set()
        await turns.drain()
        assert [i for s, i in gate.handled if s == "ann"] == [0, 1, 2, 3]
        assert say(turns, "ann", 5) is True
        await turns.drain()

    run(scenario)


def test_the_rate_refuses_a_burst_and_accepts_again_as_the_clock_moves() -> None:
    async def scenario() -> None:
        clock = Clock()
        gate = Gate()
        turns = SenderTurns(gate, max_pending=100, rate=1.0, burst=3, clock=clock)
        assert [say(turns, "ann", i) for i in range(5)] == [True, True, True, False, False]
        assert say(turns, "bob", 0) is True  # Ann's rate is Ann's alone
        clock.now += 1
        assert [say(turns, "ann", i) for i in range(2)] == [True, False]
        clock.now += 0.5
        assert say(turns, "ann", 0) is False
        clock.now += 0.5
        assert say(turns, "ann", 0) is True
        clock.now += 3600  # a long pause restores the burst, no more
        assert [say(turns, "ann", i) for i in range(4)] == [True, True, True, False]
        await turns.drain()
        assert len(gate.handled) == 3 + 1 + 1 + 1 + 3

    run(scenario)


def test_a_paste_flood_with_the_defaults_is_refused_loudly_and_every_accepted_turn_is_handled() -> None:
    # The review's finding: 100 messages at once, 57 answered and 43 dropped without a word.
    async def scenario() -> None:
        gate = Gate()
        turns = SenderTurns(gate, clock=Clock())
        accepted = [i for i in range(100) if say(turns, "ann", i)]
        await turns.drain()
        assert accepted == list(range(min(DEFAULT_BURST, DEFAULT_MAX_PENDING)))
        assert gate.handled == [("ann", i) for i in accepted]

    run(scenario)


def test_messages_relayed_to_a_person_are_bounded_not_rate_limited_and_keep_their_order() -> None:
    # A user handed to a service-desk agent who writes fifty lines at once: each reaches the agent,
    # in order, after the bot turn already waiting; a flood beyond the bound is still refused.
    async def scenario() -> None:
        gate = Gate("ann")
        turns = SenderTurns(gate, clock=Clock())
        assert say(turns, "ann", 0)
        await gate.started.wait()
        relayed = [i for i in range(1, RELAYED_MAX_PENDING + 10) if turns.submit("ann", ("ann", i), relayed=True)]
        assert relayed == list(range(1, RELAYED_MAX_PENDING + 1))
        gate.release.set()
        await turns.drain()
        assert gate.handled == [("ann", i) for i in range(RELAYED_MAX_PENDING + 1)]

    run(scenario)


def test_a_failed_turn_is_logged_once_without_its_content_and_the_next_one_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handled: list[str] = []

    async def handle(text: str) -> None:
        if text.startswith("boom"):
            raise ValueError(f"cannot parse {text!r}")
        handled.append(text)

    async def scenario() -> None:
        turns = SenderTurns(handle)
        for text in ("first", "boom: my password is hunter2", "after"):
            assert turns.submit("webchat-abc", text)
        await turns.drain()

    with caplog.at_level(logging.DEBUG, logger="bot.channels.turns"):
        run(scenario)
    assert handled == ["first", "after"]
    [record] = [r for r in caplog.records if r.name == "bot.channels.turns"]
    assert record.levelno == logging.ERROR
    logged = caplog.text
    assert "webchat-abc" in logged and "ValueError" in logged and "hunter2" not in logged


def test_nothing_is_left_behind_once_idle() -> None:
    async def scenario() -> None:
        clock = Clock()
        gate = Gate()
        turns = SenderTurns(gate, clock=clock)
        tasks_before = asyncio.all_tasks()
        for sender in range(1000):
            assert say(turns, f"s{sender}", 0)
        await turns.drain()
        assert asyncio.all_tasks() == tasks_before
        assert len(gate.handled) == 1000
        # Each sender spent some allowance: forgetting it at once would hand a flood a fresh burst.
        assert turns.senders == 1000
        assert say(turns, "s0", 1) and say(turns, "s0", 2)
        clock.now += DEFAULT_BURST / DEFAULT_RATE  # every allowance is whole again
        await turns.drain()
        assert turns.senders == 0
        assert turns.pending("s0") == 0
        assert say(turns, "new", 0) and turns.senders == 1
        await turns.drain()

    run(scenario)


def test_the_submitters_disconnect_or_a_cancelled_drain_does_not_cancel_accepted_turns() -> None:
    async def scenario() -> None:
        gate = Gate("ann")
        turns = SenderTurns(gate)

        async def socket_handler() -> None:  # as a socket.io event handler: it ends with the socket
            assert say(turns, "ann", 1) and say(turns, "ann", 2)
            await asyncio.Event().wait()

        connection = asyncio.create_task(socket_handler())
        await gate.started.wait()
        connection.cancel()
        waiter = asyncio.create_task(turns.drain())
        await asyncio.sleep(0)  # let drain() start waiting
        waiter.cancel()
        gate.release.set()
        await turns.drain()
        assert gate.handled == [("ann", 1), ("ann", 2)]

    run(scenario)


def test_turns_cancelled_at_shutdown_are_logged_not_lost_silently(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        gate = Gate("ann")
        turns = SenderTurns(gate)
        assert say(turns, "ann", 1) and say(turns, "ann", 2) and say(turns, "ann", 3)
        await gate.started.wait()
        # returning leaves the worker for asyncio.run to cancel, as a server's shutdown does

    with caplog.at_level(logging.WARNING, logger="bot.channels.turns"):
        asyncio.run(scenario())
    assert "ann: 3 accepted turns not finished" in caplog.text  # the one held, and two waiting


def test_a_worker_cancelled_before_it_ran_is_logged_and_forgotten(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        gate = Gate()
        turns = SenderTurns(gate)
        tasks_before = asyncio.all_tasks()
        assert say(turns, "ann", 1) and say(turns, "ann", 2)
        workers = asyncio.all_tasks() - tasks_before
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        assert "ann: 2 accepted turns not finished" in caplog.text
        assert turns.pending("ann") == 0
        assert say(turns, "ann", 3)  # a new worker for the sender
        await turns.drain()
        assert gate.handled == [("ann", 3)]

    with caplog.at_level(logging.WARNING, logger="bot.channels.turns"):
        run(scenario)


@pytest.mark.parametrize("settings", [{"max_pending": 0}, {"burst": 0}, {"rate": 0.0}, {"rate": float("nan")}])
def test_settings_that_would_refuse_everything_are_errors(settings: dict[str, float]) -> None:
    async def handle(item: object) -> None:
        pass

    with pytest.raises(ValueError):
        SenderTurns(handle, **settings)  # type: ignore[arg-type]
