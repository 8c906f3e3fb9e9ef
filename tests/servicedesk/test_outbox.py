from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.servicedesk import RateLimited, RejectedData, ServiceDeskUnavailable, TicketRef
from bot.servicedesk.outbox import DEAD, DELIVERED, PENDING, SENDING, Outbox, receipt_for
from bot.servicedesk.worker import OutboxWorker, RetryPolicy
from tests.fakes import ScriptedDesk
from tests.servicedesk.contract import ticket_request

FAST = RetryPolicy(base=0.01, cap=0.05, max_attempts=4, idle_poll=0.01)


def test_submit_is_idempotent_and_gives_a_receipt(location: str, tmp_path: Path) -> None:
    outbox = Outbox(location)
    first = outbox.submit(ticket_request("abc-123"), "conv-1")
    again = outbox.submit(ticket_request("abc-123"), "conv-1")
    assert first == again and first.state == PENDING and first.receipt == receipt_for("abc-123") == "ASKIT-ABC123"
    assert first.request == ticket_request("abc-123")
    assert outbox.counts() == {PENDING: 1}


def test_delivery_stores_the_ref_and_the_user_hears_once(location: str, tmp_path: Path) -> None:
    outbox, desk = Outbox(location), ScriptedDesk(tmp_path / "desk.sqlite")
    outbox.submit(ticket_request("c1"), "conv-1")
    assert OutboxWorker(outbox, desk, FAST).deliver_due() == 1
    entry = outbox.get("c1")
    assert entry and entry.state == DELIVERED and entry.ticket == TicketRef("LOC-000001")
    assert desk.lookups == 0  # a first attempt has nothing to look up
    assert [e.ref for e in outbox.take_news("conv-1")] == ["LOC-000001"]
    assert outbox.take_news("conv-1") == [] and outbox.take_news("conv-2") == []


def test_a_failed_attempt_backs_off_then_looks_up_before_creating(location: str, tmp_path: Path) -> None:
    outbox = Outbox(location)
    desk = ScriptedDesk(tmp_path / "desk.sqlite", ServiceDeskUnavailable("503"))
    outbox.submit(ticket_request("c1"), "conv-1")
    worker = OutboxWorker(outbox, desk, RetryPolicy(base=60, cap=600, max_attempts=4))
    worker.deliver_due()
    entry = outbox.get("c1")
    assert entry and entry.state == PENDING and entry.attempts == 1 and "503" in (entry.last_error or "")
    assert 30 <= entry.next_attempt_at - entry.created_at <= 61  # base 60: between half and all of it
    assert outbox.claim() is None  # not due yet
    claimed = outbox.claim(now=entry.next_attempt_at + 1)
    assert claimed is not None
    worker.deliver(claimed)
    assert desk.lookups == 1 and desk.creates == 2 and outbox.counts() == {DELIVERED: 1}


def test_retry_after_is_honoured() -> None:
    policy = RetryPolicy(base=1, cap=600)
    assert policy.delay(1, 120.0, rand=lambda: 0) == 120.0
    assert policy.delay(1, None, rand=lambda: 0) == 0.5
    assert policy.delay(3, None, rand=lambda: 1) == 4.0
    assert policy.delay(30, 10_000, rand=lambda: 1) == 600  # capped, whatever the desk asks


def test_rate_limited_waits_as_long_as_the_desk_asked(location: str, tmp_path: Path) -> None:
    outbox = Outbox(location)
    desk = ScriptedDesk(tmp_path / "desk.sqlite", RateLimited("429", retry_after=42))
    outbox.submit(ticket_request("c1"), "conv-1")
    OutboxWorker(outbox, desk, RetryPolicy(base=0.01, cap=600)).deliver_due()
    entry = outbox.get("c1")
    assert entry and 41 <= entry.next_attempt_at - entry.created_at <= 43


def test_rejected_data_is_parked_at_once_and_an_operator_can_retry(location: str, tmp_path: Path) -> None:
    outbox = Outbox(location)
    desk = ScriptedDesk(tmp_path / "desk.sqlite", RejectedData("400 bad group"))
    outbox.submit(ticket_request("c1"), "conv-1")
    worker = OutboxWorker(outbox, desk, FAST)
    worker.deliver_due()
    assert outbox.counts() == {DEAD: 1} and desk.creates == 1
    assert [e.state for e in outbox.take_news("conv-1")] == [DEAD]  # the user is told it did not get through
    assert outbox.requeue_dead("ASKIT-C1") == 1
    worker.deliver_due()
    assert outbox.counts() == {DELIVERED: 1}


def test_too_many_attempts_park_the_request_with_an_error_log(
    location: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outbox = Outbox(location)
    desk = ScriptedDesk(tmp_path / "desk.sqlite", *[ServiceDeskUnavailable("down")] * 10)
    outbox.submit(ticket_request("c1"), "conv-1")
    worker = OutboxWorker(outbox, desk, RetryPolicy(base=0.001, cap=0.001, max_attempts=3))
    for _ in range(3):
        entry = outbox.claim(now=outbox.get("c1").next_attempt_at + 1)  # type: ignore[union-attr]
        assert entry is not None
        worker.deliver(entry)
    assert outbox.counts() == {DEAD: 1} and desk.creates == 3
    assert any(r.levelname == "ERROR" and "parked after 3 attempts" in r.message for r in caplog.records)


def test_a_crashed_workers_lease_runs_out_and_the_next_worker_finds_the_ticket(location: str, tmp_path: Path) -> None:
    outbox, desk = Outbox(location, lease_seconds=30), ScriptedDesk(tmp_path / "desk.sqlite")
    outbox.submit(ticket_request("c1"), "conv-1")
    crashed = outbox.claim()
    assert crashed and crashed.state == SENDING
    desk.create_ticket(crashed.request)  # the desk made the ticket, then the worker died
    assert outbox.claim() is None  # still leased
    taken_over = outbox.claim(now=crashed.next_attempt_at + 31)
    assert taken_over and taken_over.attempts == 2
    OutboxWorker(outbox, desk, FAST).deliver(taken_over)
    assert desk.creates == 1 and desk.lookups == 1 and len(desk.all_tickets()) == 1


def test_an_unexpected_adapter_error_is_retried_not_lost(location: str, tmp_path: Path) -> None:
    outbox = Outbox(location)
    desk = ScriptedDesk(tmp_path / "desk.sqlite", KeyError("bug"))
    outbox.submit(ticket_request("c1"), "conv-1")
    OutboxWorker(outbox, desk, RetryPolicy(base=60)).deliver_due()
    entry = outbox.get("c1")
    assert entry and entry.state == PENDING and entry.last_error == "KeyError: 'bug'"


def test_the_worker_thread_delivers_when_nudged(location: str, tmp_path: Path) -> None:
    outbox, desk = Outbox(location), ScriptedDesk(tmp_path / "desk.sqlite")
    worker = OutboxWorker(outbox, desk, RetryPolicy(idle_poll=30)).start()
    try:
        outbox.submit(ticket_request("c1"), "conv-1")
        worker.nudge()
        done = threading.Event()
        for _ in range(100):
            if outbox.counts() == {DELIVERED: 1}:
                done.set()
                break
            threading.Event().wait(0.05)
        assert done.is_set()
    finally:
        worker.stop()


def test_a_receipt_is_found_only_in_its_own_conversation(location: str) -> None:
    outbox = Outbox(location)
    entry = outbox.submit(ticket_request("abc-123"), "conv-1")
    assert outbox.by_receipt("conv-1", entry.receipt.lower()) == entry
    assert outbox.by_receipt("conv-2", entry.receipt) is None
