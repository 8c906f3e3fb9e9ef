"""The operator commands, run as the engineer on call would, against the local desk and an outbox."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.paths import ROOT
from bot.servicedesk import RejectedData
from bot.servicedesk.outbox import DEAD, DELIVERED, Outbox
from bot.servicedesk.registry import ADAPTERS
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
    assert broken.returncode == 1
    assert broken.stderr == (
        "error: ConfigError: ASKIT_SERVICENOW_URL: is not set (the instance, e.g. https://council.service-now.com)\n"
    )


def test_check_offline_checks_the_declared_settings_without_calling_the_desk(tmp_path: Path) -> None:
    zendesk = {"ASKIT_SERVICE_DESK": "zendesk", "ASKIT_ZENDESK_URL": "https://127.0.0.1:9"}
    zendesk |= {"ASKIT_ZENDESK_EMAIL": "askit@northbrook.example", "ASKIT_ZENDESK_API_TOKEN": "zd-secret-token"}
    fine = run(tmp_path, "check", "--offline", **zendesk)
    assert (fine.returncode, fine.stdout, fine.stderr) == (0, "ok: the zendesk desk's 5 settings are valid\n", "")
    bad = run(tmp_path, "check", "--offline", **{**zendesk, "ASKIT_ZENDESK_API_TOKEN": "zd secret"})
    expected = "ASKIT_ZENDESK_API_TOKEN: is not valid (must be a token without spaces or control characters)"
    assert (bad.returncode, bad.stderr) == (1, f"error: ConfigError: {expected}\n")


def test_settings_lists_every_desk_and_never_a_secret(tmp_path: Path) -> None:
    listed = run(tmp_path, "settings", ASKIT_SERVICE_DESK="rt", ASKIT_RT_TOKEN="rt-secret-never-shown")
    assert listed.returncode == 0 and "rt-secret-never-shown" not in listed.stdout
    for name, adapter in ADAPTERS.items():
        assert f"\n{name}" + ("  (the configured desk)" if name == "rt" else "") + "\n" in listed.stdout
        for setting in adapter.settings:
            assert f"  {setting.name}  [" in listed.stdout
    assert "  ASKIT_RT_TOKEN  [required, secret; set]\n" in listed.stdout
    assert "  ASKIT_RT_URL  [required; not set]\n" in listed.stdout
    assert "  ASKIT_OUTBOX_LEASE  [optional; default 60]\n" in listed.stdout
    one = run(tmp_path, "settings", "--desk", "webhook")
    assert "\nwebhook\n" in one.stdout and "ASKIT_RT_URL" not in one.stdout


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
