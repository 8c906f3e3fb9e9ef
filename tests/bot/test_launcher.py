"""The launcher's pieces without the real servers: the command lines it builds, the restart policy,
and supervision of stand-in servers (tests/e2e/test_launcher.py runs the real ones)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from bot.launcher import ROOT, Stack, cors_origins, events_db_url, free_port, tracker_db_url
from bot.rasa_server import RASA_TOKEN_SETTING, RasaServerError, rasa_argv
from bot.supervisor import Backoff, LaunchError, Server, Supervisor, private_dir
from tests.waiting import wait_until

WAIT = 30.0
POLL = 0.05
INTRANET = "https://intranet.example"
# A stand-in server: answers GET / on its port once it has touched the file it is given.
FAKE_SERVER = (
    "import http.server, pathlib, sys; pathlib.Path(sys.argv[2]).touch(); "
    "http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()"
)
FAILING_SERVER = "import sys; sys.exit(3)"
# A stand-in server that touches its own file at once but serves only once the file in argv[3]
# exists: the other server's mark that it has started.
WAITING_SERVER = (
    "import http.server, pathlib, sys, time\n"
    "pathlib.Path(sys.argv[2]).touch()\n"
    "while not pathlib.Path(sys.argv[3]).exists(): time.sleep(0.02)\n"
    "http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()"
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_stack_never_shows_its_secrets() -> None:
    # A failed start prints the Stack in pytest's traceback: CI once showed a desk token that way.
    stack = Stack(
        api_token="api-token-value",
        action_token="action-token-value",
        identity_key="identity-key-value",
        extra_env={"ASKIT_RT_TOKEN": "desk-token-value"},
    )
    shown = repr(stack)
    for secret in ("api-token-value", "desk-token-value", "action-token-value", "identity-key-value"):
        assert secret not in shown
    assert "rasa_port=5005" in shown


def test_the_command_lines_carry_no_secret() -> None:
    # ps shows every process's command line to everyone on the machine.
    stack = Stack(api_token="-api-token-value", action_token="action-token-value")
    for command in (stack.rasa_command(), stack.action_command()):
        line = " ".join(command)
        assert "api-token-value" not in line and "action-token-value" not in line and "--auth-token" not in line
    assert "--enable-api" in stack.rasa_command()


def test_the_servers_use_two_malloc_arenas_unless_the_operator_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without it the action server's memory grew 10.3% in the 10,000-request fuzz run (bound: 10%).
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert Stack().env()["MALLOC_ARENA_MAX"] == "2"
    assert Stack(extra_env={"MALLOC_ARENA_MAX": "4"}).env()["MALLOC_ARENA_MAX"] == "4"


def test_the_rasa_server_is_told_where_the_agent_console_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASKIT_BACKOFFICE_PUBLIC_URL", raising=False)
    assert Stack(backoffice_port=5057).env()["ASKIT_BACKOFFICE_PUBLIC_URL"] == "http://127.0.0.1:5057"
    assert "ASKIT_BACKOFFICE_PUBLIC_URL" not in Stack().env()  # no back office: no console to link to
    chosen = Stack(backoffice_port=5057, extra_env={"ASKIT_BACKOFFICE_PUBLIC_URL": "https://askit-admin.example"})
    assert chosen.env()["ASKIT_BACKOFFICE_PUBLIC_URL"] == "https://askit-admin.example"


@pytest.mark.parametrize(
    "listed,public_url,expected",
    [
        ("", "", []),  # no widget page elsewhere: the server's own pages need no CORS
        ("*", "", []),
        (INTRANET, "", [INTRANET, "http://127.0.0.1:5005"]),
        (f" {INTRANET}/ ,*, https://b.example:8443", "", [INTRANET, "https://b.example:8443", "http://127.0.0.1:5005"]),
        (INTRANET, "https://askit.example/chat", [INTRANET, "http://127.0.0.1:5005", "https://askit.example"]),
    ],
)
def test_cors_is_given_to_the_widget_pages_only(listed: str, public_url: str, expected: list[str]) -> None:
    env = {"ASKIT_WIDGET_ORIGINS": listed, "ASKIT_PUBLIC_URL": public_url}
    assert cors_origins(env, "http://127.0.0.1:5005") == expected
    command = Stack(extra_env=env).rasa_command()
    assert "*" not in command
    if expected:
        assert command[command.index("--cors") + 1 : command.index("--enable-api")] == expected
    else:
        assert "--cors" not in command


def test_a_malformed_widget_origin_stops_the_start_with_its_name() -> None:
    with pytest.raises(LaunchError, match="ASKIT_WIDGET_ORIGINS: --enable-api is not an origin"):
        cors_origins({"ASKIT_WIDGET_ORIGINS": "--enable-api"}, "http://127.0.0.1:5005")


def test_the_rasa_server_gets_its_api_token_from_the_environment() -> None:
    args = ["run", "--enable-api", "--port", "5005"]
    assert rasa_argv(args, {RASA_TOKEN_SETTING: "-tok"}) == [*args, "--auth-token=-tok"]
    assert rasa_argv(["run"], {}) == ["run"]
    with pytest.raises(RasaServerError, match=RASA_TOKEN_SETTING):
        rasa_argv(args, {})  # an API without a token would answer anyone


def test_private_folders(tmp_path: Path) -> None:
    existing = tmp_path / "var"
    existing.mkdir(mode=0o755)
    existing.chmod(0o755)
    assert mode(private_dir(existing)) == 0o700
    assert tracker_db_url({"TRACKER_SQLITE_PATH": str(tmp_path / "new" / "tracker.db")}).startswith("sqlite:///")
    assert mode(tmp_path / "new") == 0o700


def test_events_go_beside_the_tracker_and_never_into_its_database(tmp_path: Path) -> None:
    env = {"TRACKER_SQLITE_PATH": str(tmp_path / "tracker.db")}
    assert events_db_url(env) == f"sqlite:///{tmp_path / 'events.db'}"
    pg = "postgresql://askit@db.example:5432/events"
    assert events_db_url({**env, "EVENTS_DB_URL": pg}) == pg
    with pytest.raises(LaunchError, match="EVENTS_DB_URL must be a URL"):
        events_db_url({**env, "EVENTS_DB_URL": "events.db"})
    with pytest.raises(LaunchError, match="another database than TRACKER_DB_URL"):
        events_db_url({"TRACKER_DB_URL": pg, "EVENTS_DB_URL": pg})


def test_restart_delays_double_up_to_the_limit_and_start_again_after_a_good_run() -> None:
    backoff = Backoff(first=1, limit=8, reset_after=60, max_failed_starts=99)
    server = Server("x server", [], "", 1)
    server.ready_at = 0.0
    assert [server.stopped(-9, 1.0, backoff) for _ in range(5)] == [1, 2, 4, 8, 8]  # quick crashes
    server.ready_at = 100.0
    assert server.stopped(-9, 100.0 + 60, backoff) == 1  # it had been up a minute: a fresh start


def test_a_server_that_keeps_failing_to_start_gives_up_with_its_name() -> None:
    backoff = Backoff(first=1, limit=60, reset_after=60, max_failed_starts=3)
    server = Server("x server", [], "", 1)
    assert [server.stopped(1, 0.0, backoff) for _ in range(2)] == [1, 2]
    with pytest.raises(LaunchError, match=r"the x server failed to start 3 times in a row \(last: exit code 1\)"):
        server.stopped(1, 0.0, backoff)


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[Supervisor]:
    running = Supervisor(dict(os.environ), tmp_path / "logs", Backoff(first=0.05, limit=0.2, max_failed_starts=3))
    yield running
    running.stop()


def fake_server(name: str, tmp_path: Path, script: str = FAKE_SERVER) -> Server:
    port = free_port()
    command = [sys.executable, "-c", script, str(port), str(tmp_path / f"{name}.touched")]
    return Server(name, command, f"http://127.0.0.1:{port}/", ready_timeout=WAIT)


def test_a_killed_server_is_restarted_alone_and_the_restart_is_logged(
    supervisor: Supervisor, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = fake_server("first server", tmp_path), fake_server("second server", tmp_path)
    supervisor.start(first)
    supervisor.start(second)
    assert first.proc is not None and second.proc is not None
    killed, untouched = first.proc.pid, second.proc.pid
    caplog.set_level(logging.WARNING, logger="bot.launcher")
    os.kill(killed, signal.SIGKILL)

    def back() -> bool:
        return first.proc is not None and first.proc.pid != killed and first.ready_at is not None

    # The test plays the launcher's loop: supervise_once between the looks restarts the server.
    wait_until(back, WAIT, "the first server to come back", interval=POLL, died=supervisor.supervise_once)
    assert second.proc.pid == untouched and second.proc.poll() is None
    assert "the first server stopped unexpectedly (killed by SIGKILL); restarting it in 0.05s" in caplog.text


def test_the_servers_start_side_by_side(supervisor: Supervisor, tmp_path: Path) -> None:
    # Each is ready only once the other has started: one after the other, the first never would be.
    first, second = fake_server("first", tmp_path, WAITING_SERVER), fake_server("second", tmp_path, WAITING_SERVER)
    first.command.append(str(tmp_path / "second.touched"))
    second.command.append(str(tmp_path / "first.touched"))
    supervisor.start(first, second)
    assert first.ready_at is not None and second.ready_at is not None


def test_a_server_that_stops_while_the_other_starts_is_named(supervisor: Supervisor, tmp_path: Path) -> None:
    failing = fake_server("failing server", tmp_path, FAILING_SERVER)
    with pytest.raises(LaunchError, match=r"the failing server stopped while starting \(exit code 3\)"):
        supervisor.start(fake_server("good server", tmp_path), failing)


def test_a_server_that_keeps_failing_at_start_stops_everything(supervisor: Supervisor, tmp_path: Path) -> None:
    flaky = fake_server("flaky server", tmp_path)
    supervisor.start(flaky)
    flaky.command = [sys.executable, "-c", FAILING_SERVER]  # from now on it cannot start
    assert flaky.proc is not None
    flaky.proc.kill()
    with pytest.raises(LaunchError) as stopped:
        # supervise_once between the looks is what gives up, raising LaunchError
        wait_until(lambda: False, WAIT, "the supervisor to give up", interval=POLL, died=supervisor.supervise_once)
    assert str(stopped.value).startswith("the flaky server failed to start 3 times in a row (last: exit code 3)")
    assert "flaky server.log" in str(stopped.value)


def test_a_port_handed_out_to_one_process_is_never_handed_to_another(tmp_path: Path) -> None:
    # The kernel offers the same free port to whoever asks until a server binds it, which takes a
    # Rasa server seconds: so the kernel is made to offer only the port the other process holds.
    held = tmp_path / "held"
    other = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from bot.launcher import free_port; import pathlib, sys; "
            f"pathlib.Path({str(held)!r}).write_text(str(free_port())); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        wait_until(
            lambda: held.exists() and held.read_text() != "",
            WAIT,
            "the other process to be given a port",
            interval=POLL,
        )
        port = int(held.read_text())
        offers = iter([port, port, 0])  # then any port the kernel likes

        class Kernel(socket.socket):
            def bind(self, address: Any) -> None:
                super().bind((address[0], next(offers)))

        with mock.patch("bot.launcher.socket.socket", Kernel):
            assert free_port() != port
        assert next(offers, "all used") == "all used"  # it was offered the held port twice and passed it over
    finally:
        assert other.stdin is not None
        other.stdin.close()
        other.wait(WAIT)


def test_the_servers_files_and_logs_are_private(supervisor: Supervisor, tmp_path: Path) -> None:
    supervisor.start(fake_server("some server", tmp_path))
    assert mode(tmp_path / "some server.touched") == 0o600  # made by the server: its umask
    assert mode(tmp_path / "logs") == 0o700 and mode(tmp_path / "logs" / "some server.log") == 0o600
