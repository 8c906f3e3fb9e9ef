"""``python -m bot.incidents`` (bot/incidents/cli.py) on a SQLite file: declare, update, resolve,
list and show, one line on success; every mistake one line naming the field, exit status 2."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.incidents import cli
from bot.incidents.store import IncidentStore

DECLARE = [
    *("declare", "--title", "VPN unavailable", "--summary", "The VPN will not connect from home."),
    *("--question", "vpn not connecting", "--question", "cannot get on the vpn from home"),
    *("--council", "riverside", "--service", "VPN", "--desk-ref", "MI-1042"),
]


def run(argv: list[str], env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv, env)
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"ASKIT_BACKOFFICE_DB": str(tmp_path / "backoffice.sqlite")}


def test_declare_update_resolve_from_the_command_line(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([*DECLARE, "--next-update", "2099-12-01T10:00"], env, capsys)
    incident_id = out.split()[1].rstrip(":")
    assert code == 0 and out == f"declared {incident_id}: VPN unavailable (riverside, investigating)"
    incident = IncidentStore.open(env["ASKIT_BACKOFFICE_DB"]).get(incident_id)
    assert (
        incident.next_update_at == dt.datetime(2099, 12, 1, 10, tzinfo=dt.timezone.utc).timestamp()
    )  # London's winter
    assert (incident.desk_ref, incident.services) == ("MI-1042", ("VPN",))
    update = ["update", incident_id, "--status", "identified", "--workaround", "Use Citrix from the browser."]
    assert run(update, env, capsys) == (0, f"updated {incident_id} to version 2: identified", "")
    assert run(update, env, capsys)[1] == f"{incident_id} unchanged: it already says that (version 2)"
    code, _, err = run(["update", incident_id, "--version", "1", "--summary", "Worse"], env, capsys)
    assert code == 2 and "changed since version 1 was read: it is at version 2" in err
    assert run(["list", "--council", "riverside"], env, capsys)[1].startswith(f"{incident_id}  identified  ")
    assert run(["list", "--council", "southmere"], env, capsys)[1] == "no active incidents"
    code, out, _ = run(["resolve", incident_id, "--text", "Fixed at 10:05."], env, capsys)
    assert code == 0 and out.startswith(f"resolved {incident_id} at ") and out.endswith("(version 3)")
    code, _, err = run(["resolve", incident_id], env, capsys)
    assert code == 2 and err.startswith(f"error: incident {incident_id} is resolved already")
    assert run(["list"], env, capsys)[1] == "no active incidents"
    assert run(["list", "--all"], env, capsys)[1].startswith(f"{incident_id}  resolved  ")
    code, out, _ = run(["show", incident_id], env, capsys)
    assert code == 0 and "workaround: Use Citrix from the browser." in out and "v3 " in out
    assert out.splitlines()[-1].endswith("resolved: Fixed at 10:05.")


@pytest.mark.parametrize(
    "argv,message",
    [
        ([*DECLARE[:5], "--council", "riverside"], "error: questions: needs at least one"),
        ([*DECLARE, "--council", "westfield"], "error: councils[1]: is not a council of tenants.yml"),
        (DECLARE[:9], "error: councils: needs all or at least one council"),
        ([*DECLARE, "--next-update", "tomorrow"], "error: --next-update: must be a date and time"),
        (["update", "inc-nothing", "--status", "identified"], "error: no incident inc-nothing"),
        (["show", "inc-nothing"], "error: no incident inc-nothing"),
    ],
)
def test_a_mistake_is_one_line_naming_the_field(
    argv: list[str], message: str, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(argv, env, capsys)
    assert (code, out) == (2, "") and err.startswith(message) and "\n" not in err


def test_a_missing_argument_is_one_line_too(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(DECLARE[:3], env)
    err = capsys.readouterr().err.strip()
    assert exited.value.code == 2 and "\n" not in err
    assert err.startswith("error: the following arguments are required: --summary")


def test_update_refuses_resolving_and_a_bad_status(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    incident_id = run(DECLARE, env, capsys)[1].split()[1].rstrip(":")
    for status, message in (("resolved", "resolve an incident with resolve"), ("down", "must be one of")):
        code, _, err = run(["update", incident_id, "--status", status], env, capsys)
        assert code == 2 and err.startswith("error: status: ") and message in err


def test_a_bad_database_setting_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["list"], {"ASKIT_BACKOFFICE_DB": "mysql://db/askit"}, capsys)
    assert code == 2 and err == "error: ASKIT_BACKOFFICE_DB: must be a SQLite file path or a postgresql:// URL"
