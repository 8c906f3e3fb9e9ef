"""`make run`'s launcher as an operator meets it: the URL it prints, a crashed server brought back,
a clean stop, a busy port; and what the stack leaves where others on the machine could look."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from bot.launcher import ACTION_SERVER, HOST, RASA_READY_TIMEOUT, RASA_SERVER, ROOT, free_port, port_free
from tests.e2e.conftest import REQUEST_TIMEOUT, REST_TOKEN_SETTING, Chat, custom
from tests.waiting import exited, wait_until

READY_MARK = "AskIT is running."
START_TIMEOUT = 300
RESTART_TIMEOUT = RASA_READY_TIMEOUT + 30  # the first restart waits 1 s; loading the model is the rest
POLL = 0.5
SERVER_MODULES = {RASA_SERVER: "bot.rasa_server", ACTION_SERVER: "bot.action_server"}


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def children(pid: int, rasa_port: int | None = None) -> dict[str, int]:
    """The servers ``pid`` started, by name; with ``rasa_port``, only the Rasa server on that port."""
    found: dict[str, int] = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat_file.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat_file.parent / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if rasa_port is not None and str(rasa_port).encode() not in command:
            continue
        for name, module in SERVER_MODULES.items():
            if parent == pid and module.encode() in command:
                found[name] = int(stat_file.parent.name)
    return found


def restarted(launcher: int, name: str, old_pid: int, health_url: str) -> Callable[[], bool]:
    """Whether ``launcher`` has a new ``name`` process, and it answers."""
    return lambda: children(launcher).get(name, old_pid) != old_pid and answers(health_url)


def all_command_lines() -> list[bytes]:
    lines = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            lines.append(cmdline.read_bytes())
        except OSError:
            continue
    return lines


@pytest.mark.own_stack
def test_a_port_in_use_stops_the_start_with_its_name() -> None:
    with socket.socket() as busy:
        busy.bind((HOST, free_port()))
        busy.listen()
        port = busy.getsockname()[1]
        out = subprocess.run(
            [sys.executable, "-m", "bot.launcher", "--rasa-port", str(port), "--action-port", str(free_port())],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert out.returncode == 1
    assert f"port {port} (RASA_PORT) is already in use" in out.stderr


@pytest.mark.own_stack
def test_it_prints_the_chat_url_brings_back_a_killed_server_alone_and_sigterm_stops_both(tmp_path: Path) -> None:
    rasa_port, action_port, rest_token = free_port(), free_port(), uuid.uuid4().hex
    env = {
        **os.environ,
        "TRACKER_SQLITE_PATH": str(tmp_path / "tracker.db"),
        "ASKIT_LOCAL_DESK_DB": str(tmp_path / "desk.sqlite"),
        "ASKIT_OUTBOX_DB": str(tmp_path / "outbox.sqlite"),
        "TRACKER_DB_URL": "",
        "EVENTS_DB_URL": "",
        REST_TOKEN_SETTING: rest_token,
    }
    output = tmp_path / "launcher.out"  # a file, not a pipe: the servers write there too, and a full pipe blocks them
    with open(output, "wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.launcher", "--rasa-port", str(rasa_port), "--action-port", str(action_port)],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )

    def said() -> str:
        return output.read_text(errors="replace")

    def still_answers() -> None:
        reply = requests.post(
            f"http://{HOST}:{rasa_port}/webhooks/rest/webhook",
            json={"sender": f"launcher-{uuid.uuid4().hex[:8]}", "message": "I forgot my password"},
            headers={"Authorization": f"Bearer {rest_token}"},
            timeout=REQUEST_TIMEOUT,
        )
        assert custom(reply.json()) == {"decision": "answer", "article_id": "password-reset"}, reply.text

    launcher = exited(proc, "the launcher")
    health = {RASA_SERVER: f"http://{HOST}:{rasa_port}/", ACTION_SERVER: f"http://{HOST}:{action_port}/health"}
    try:
        wait_until(lambda: READY_MARK in said(), START_TIMEOUT, "the launcher to start", interval=POLL, died=launcher)
        assert f"http://127.0.0.1:{rasa_port}/webhooks/webchat/" in said()
        for killed, spared in ((RASA_SERVER, ACTION_SERVER), (ACTION_SERVER, RASA_SERVER)):
            before = children(proc.pid)
            os.kill(before[killed], signal.SIGKILL)
            back = restarted(proc.pid, killed, before[killed], health[killed])
            wait_until(back, RESTART_TIMEOUT, f"the {killed} to come back", interval=POLL, died=launcher)
            assert children(proc.pid)[spared] == before[spared], f"the {spared} was restarted too"
            assert f"the {killed} stopped unexpectedly (killed by SIGKILL); restarting it in 1s" in said()
            still_answers()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, said()[-3000:]
    assert port_free(rasa_port) and port_free(action_port)


def test_no_secret_is_on_any_command_line(chat: Chat) -> None:
    # ps shows every process's command line to everyone on the machine (finding 7).
    stack = chat.stack
    rasa_pid = children(os.getpid(), stack.rasa_port)[RASA_SERVER]
    assert b"bot.rasa_server" in Path(f"/proc/{rasa_pid}/cmdline").read_bytes()
    assert stack.api_token.encode() in Path(f"/proc/{rasa_pid}/environ").read_bytes()  # given there instead
    for line in all_command_lines():
        assert stack.api_token.encode() not in line and stack.action_token.encode() not in line


def test_the_api_token_still_opens_rasas_http_api(chat: Chat) -> None:
    status = f"{chat.stack.rasa_url}/status"
    assert requests.get(status, params={"token": chat.stack.api_token}, timeout=REQUEST_TIMEOUT).status_code == 200
    assert requests.get(status, timeout=REQUEST_TIMEOUT).status_code == 401
    assert requests.get(status, params={"token": "not-the-token"}, timeout=REQUEST_TIMEOUT).status_code == 401


def test_conversations_and_logs_are_readable_by_this_user_only(chat: Chat) -> None:
    chat.say(f"modes-{uuid.uuid4().hex[:8]}", "I forgot my password")
    tracker = Path(chat.stack.extra_env["TRACKER_SQLITE_PATH"])
    assert chat.stack.log_dir is not None
    private = {tracker: 0o600, tracker.parent: 0o700, chat.stack.log_dir: 0o700}
    private.update({log: 0o600 for log in chat.stack.log_dir.glob("*.log")})
    assert {path: oct(stat.S_IMODE(path.stat().st_mode)) for path in private} == {
        path: oct(mode) for path, mode in private.items()
    }
