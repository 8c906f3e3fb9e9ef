"""The operator commands, run as the engineer on call would, against the local desk and an outbox."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.paths import ROOT
from bot.servicedesk import RejectedData
from bot.servicedesk.outbox import DEAD, DELIVERED, Outbox
from bot.servicedesk.worker import OutboxWorker
from tests.fakes import ScriptedDesk
from tests.servicedesk.contract import ticket_request


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    settings = {
        "ASKIT_LOCAL_DESK_DB": str(tmp_path / "desk.sqlite"),
        "ASKIT_OUTBOX_DB": str(tmp_path / "outbox.sqlite"),
        "PATH": "/usr/bin:/bin",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.servicedesk", *args], cwd=ROOT, env=settings, capture_output=True, text=True
    )


def test_check_and_create_against_the_configured_desk(tmp_path: Path) -> None:
    checked = run(tmp_path, "check")
    assert checked.returncode == 0 and "ok: the local desk answered" in checked.stdout
    created = run(tmp_path, "create", "--summary", "AskIT test ticket", "--requester", "ops@northbrook.example")
    assert created.returncode == 0 and created.stdout.startswith("created LOC-000001")
    broken = run(tmp_path, "check", ASKIT_SERVICE_DESK="servicenow")
    assert broken.returncode == 1 and "ASKIT_SERVICENOW_URL is not set" in broken.stderr


def test_outbox_listing_and_operator_retry_of_a_parked_request(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite")
    entry = outbox.submit(ticket_request("cli-1"), "conv-1")
    OutboxWorker(outbox, ScriptedDesk(tmp_path / "desk.sqlite", RejectedData("queue gone"))).deliver_due()
    listed = run(tmp_path, "outbox", "--state", DEAD)
    assert entry.receipt in listed.stdout and "last error: rejected: queue gone" in listed.stdout
    assert "1 dead" in listed.stdout
    assert run(tmp_path, "retry").returncode == 2
    retried = run(tmp_path, "retry", entry.receipt)
    assert retried.returncode == 0 and "1 request(s)" in retried.stdout
    delivered = run(tmp_path, "worker", "--once")
    assert delivered.returncode == 0 and "1 request(s) attempted" in delivered.stdout
    assert outbox.counts() == {DELIVERED: 1}
    assert run(tmp_path, "retry", "--dead").returncode == 1  # nothing parked any more
