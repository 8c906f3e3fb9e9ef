"""A desk outage loses and duplicates nothing: 200 escalations while ServiceNow answers 503, times
out, or creates the incident and answers too late; then a worker killed with SIGKILL mid-delivery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.paths import ROOT
from bot.servicedesk.outbox import DELIVERED, SENDING, Outbox
from bot.servicedesk.servicenow import ServiceNowDesk
from bot.servicedesk.worker import OutboxWorker, RetryPolicy
from tests.servicedesk.contract import ticket_request
from tests.servicedesk.fake_servicenow import PASSWORD, USER, FakeServiceNow
from tests.waiting import wait_until

ESCALATIONS = 200


@pytest.fixture
def servicenow() -> Iterator[FakeServiceNow]:
    fake = FakeServiceNow().start()
    yield fake
    fake.stop()


def settings(fake: FakeServiceNow, outbox: Path | str, desk_timeout: float) -> dict[str, str]:
    return {
        "ASKIT_SERVICE_DESK": "servicenow",
        "ASKIT_SERVICENOW_URL": fake.url,
        "ASKIT_SERVICENOW_USER": USER,
        "ASKIT_SERVICENOW_PASSWORD": PASSWORD,
        "ASKIT_DESK_TIMEOUT": str(desk_timeout),
        "ASKIT_OUTBOX_DB": str(outbox),
        "ASKIT_OUTBOX_LEASE": "1",
        "ASKIT_OUTBOX_BACKOFF_BASE": "0.05",
        "ASKIT_OUTBOX_BACKOFF_CAP": "0.5",
        "ASKIT_OUTBOX_POLL": "0.05",
        "ASKIT_OUTBOX_MAX_ATTEMPTS": "1000",
    }


def submit_all(outbox: Outbox) -> list[str]:
    ids = [f"outage-{i:04d}" for i in range(ESCALATIONS)]

    def submit(chunk: list[str]) -> None:
        for cid in chunk:
            outbox.submit(ticket_request(cid), f"conversation-{cid}")

    threads = [threading.Thread(target=submit, args=(ids[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ids


def assert_exactly_one_incident_each(fake: FakeServiceNow, outbox: Outbox, ids: list[str]) -> None:
    made = [i["correlation_id"] for i in fake.incidents]
    assert len(made) == ESCALATIONS and sorted(made) == sorted(ids), "lost or duplicated incidents"
    number = {i["correlation_id"]: i["number"] for i in fake.incidents}
    assert all(e.ref == number[e.correlation_id] for e in outbox.entries(DELIVERED))


def test_503s_timeouts_and_late_answers_then_recovery(servicenow: FakeServiceNow, location: str) -> None:
    env = settings(servicenow, location, desk_timeout=0.3)
    outbox = Outbox(location, lease_seconds=5)
    desk = ServiceNowDesk.from_env(env)
    servicenow.hang = 1.0
    servicenow.outage = 503
    workers = [OutboxWorker(outbox, desk, RetryPolicy.from_env(env)).start() for _ in range(2)]
    try:
        ids = submit_all(outbox)
        wait_until(lambda: len(servicenow.seen) > 400, 30, "the workers to meet the outage")
        servicenow.outage, servicenow.outage_methods = "accept-then-timeout", {"POST"}
        wait_until(lambda: len(servicenow.incidents) >= 20, 30, "incidents made while answers time out")
        servicenow.outage, servicenow.outage_methods = "timeout", None
        time.sleep(1.0)  # the outage itself: a second of requests that time out with nothing made
        servicenow.outage = None
        wait_until(lambda: outbox.counts().get(DELIVERED) == ESCALATIONS, 120, "every request delivered")
    finally:
        for worker in workers:
            worker.stop()
    assert outbox.counts() == {DELIVERED: ESCALATIONS}
    assert_exactly_one_incident_each(servicenow, outbox, ids)
    assert sum(e.attempts > 1 for e in outbox.entries(DELIVERED)) >= 20  # retried, not lucky


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.servicedesk", "worker"],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def test_a_worker_killed_mid_delivery_and_restarted(servicenow: FakeServiceNow, tmp_path: Path) -> None:
    env = settings(servicenow, tmp_path / "outbox.sqlite", desk_timeout=20)
    outbox = Outbox(tmp_path / "outbox.sqlite")
    ids = submit_all(outbox)
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    try:
        wait_until(lambda: len(servicenow.incidents) >= 60, 60, "the first worker to deliver some")
        servicenow.hang, servicenow.outage, servicenow.outage_methods = 30, "accept-then-timeout", {"POST"}
        made = len(servicenow.incidents)
        wait_until(lambda: len(servicenow.incidents) > made, 10, "an incident made whose answer is held back")
        in_flight = servicenow.incidents[-1]["correlation_id"]
        entry = outbox.get(in_flight)
        assert entry and entry.state == SENDING  # the desk has it; the outbox does not know yet
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        servicenow.outage = None
        worker = start_worker(env, log)
        wait_until(lambda: outbox.counts().get(DELIVERED) == ESCALATIONS, 120, "every request delivered")
    finally:
        worker.kill()
        worker.wait(10)
    assert_exactly_one_incident_each(servicenow, outbox, ids)
    recovered = outbox.get(in_flight)
    assert recovered and recovered.attempts == 2 and recovered.ref == servicenow.incidents[made]["number"]
