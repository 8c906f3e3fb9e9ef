"""A throwaway Request Tracker 5 (Debian's packages) on 127.0.0.1, for tests.

Everything lives in one folder: site config, SQLite database, Mason cache, sessions,
outgoing mail (an mbox file) and the server log ``rt-server.log``. Nothing global is read
or written: ``RT_SITE_CONFIG`` points at our config and ``RT_SITE_CONFIG_DIR`` at an empty
folder, so /etc/request-tracker5 is ignored.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bot.launcher import free_port
from tests.waiting import exited, wait_until

PACKAGES = ("request-tracker5", "rt5-db-sqlite", "rt5-standalone")
RT_LIB = Path("/usr/share/request-tracker5/lib")
RT_SERVER = Path("/usr/share/request-tracker5/libexec/rt-server")
RT_SETUP_DATABASE = Path("/usr/sbin/rt-setup-database-5")
INITIALDATA = Path(__file__).resolve().parents[2] / "deploy" / "request-tracker" / "askit-initialdata"
SERVER_LOG = "rt-server.log"
SETUP_LOG = "rt-setup.log"

# Prints the askit user's new auth token ("1-<user id>-<32 hex>").
_CREATE_TOKEN = r"""
RT::LoadConfig(); RT::Init();
my $user = RT::User->new(RT->SystemUser);
$user->Load('askit') or die "RT user askit not found\n";
my ($id, $msg, $token) = RT::AuthToken->new(RT->SystemUser)->Create(Owner => $user->id, Description => 'AskIT tests');
die "cannot create token: $msg\n" unless $id;
print $token;
"""


class RTNotInstalled(RuntimeError):
    def __init__(self, missing: Path) -> None:
        super().__init__(
            f"Request Tracker 5 is not installed ({missing} is missing): "
            f"run `make system-deps` (packages: {' '.join(PACKAGES)})"
        )


class RTStartError(RuntimeError):
    """RT could not be set up or started; the message has the tail of the relevant log."""


@dataclass
class RTInstance:
    url: str  # e.g. http://127.0.0.1:PORT  (REST2 at url + "/REST/2.0/")
    token: str = field(repr=False)  # the askit user's auth token: a secret, kept out of test output
    root: Path  # the temp folder
    process: subprocess.Popen[bytes] = field(repr=False)

    def get(self, path: str, **params: str) -> Any:
        """GET one REST2 resource as the askit user, e.g. ``rt.get("ticket/12")``."""
        answer = requests.get(
            f"{self.url}/REST/2.0/{path}", params=params, headers={"Authorization": f"token {self.token}"}, timeout=30
        )
        answer.raise_for_status()
        return answer.json()

    def messages(self, number: str) -> str:
        """Every message RT holds for a ticket (the create content, comments), as one text."""
        texts = []
        for item in self.get(f"ticket/{number}/history", per_page="100")["items"]:
            for attachment in self.get(f"transaction/{item['id']}/attachments", fields="Content")["items"]:
                texts.append(attachment.get("Content") or "")  # plain text in collections
        return "\n".join(texts)

    def stop(self) -> None:
        """Terminate the server's process group (master and workers) and wait for it."""
        # SIGTERM, not SIGINT: run as root, rt-server's SIGINT handler chowns /var/lib/request-tracker5.
        _signal_group(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _signal_group(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def start_rt(root: Path, port: int | None = None, timeout: float = 120) -> RTInstance:
    """Create a fresh RT in ``root`` with AskIT's initial data and serve it on 127.0.0.1."""
    for needed in (RT_LIB / "RT.pm", RT_SETUP_DATABASE, RT_SERVER):
        if not needed.exists():
            raise RTNotInstalled(needed)
    deadline = time.monotonic() + timeout
    root = root.resolve()
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    env = _write_site_config(root, url, port)

    _run([str(RT_SETUP_DATABASE), "--action", "init", "--skip-create"], root, env, deadline)
    _run([str(RT_SETUP_DATABASE), "--action", "insert", "--datafile", str(INITIALDATA)], root, env, deadline)
    token = _run(["perl", f"-I{RT_LIB}", "-MRT", "-e", _CREATE_TOKEN], root, env, deadline, secret=True).strip()

    with open(root / SERVER_LOG, "ab") as log:
        process = subprocess.Popen(
            [str(RT_SERVER), "--host", "127.0.0.1", "--port", str(port), "--max-workers", "4"],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    rt = RTInstance(url=url, token=token, root=root, process=process)
    try:
        _wait_until_ready(rt, deadline)
    except BaseException:
        rt.stop()
        raise
    return rt


def _write_site_config(root: Path, url: str, port: int) -> dict[str, str]:
    for folder in ("RT_SiteConfig.d", "mason_data", "session_data"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    settings: dict[str, str | int | None] = {
        "rtname": "askit-test",
        "Organization": "askit-test",
        "DatabaseType": "SQLite",
        "DatabaseName": str(root / "rt.sqlite"),
        "WebDomain": "127.0.0.1",
        "WebPort": port,
        "WebPath": "",
        "WebBaseURL": url,
        "Timezone": "UTC",
        "MailCommand": "mbox",  # outgoing mail is appended to <root>/<timestamp>.mbox
        "LogToSyslog": None,
        "LogToFile": None,
        "LogToSTDERR": "info",  # into rt-server.log / rt-setup.log
        "LogDir": str(root),
        "BcryptCost": 4,  # the token is checked with bcrypt on every request; 12 would cost ~0.2 s each
    }
    lines = [f"Set(${name}, {_perl(value)});" for name, value in settings.items()]
    # Paths RT takes from RT::Generated rather than from Set(); the mbox goes into VarPath.
    lines += [
        f"$RT::VarPath = {_perl(str(root))};",
        f"$RT::MasonDataDir = {_perl(str(root / 'mason_data'))};",
        f"$RT::MasonSessionDir = {_perl(str(root / 'session_data'))};",
        "1;",
    ]
    config = root / "RT_SiteConfig.pm"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {**os.environ, "RT_SITE_CONFIG": str(config), "RT_SITE_CONFIG_DIR": str(root / "RT_SiteConfig.d")}


def _perl(value: str | int | None) -> str:
    if value is None:
        return "undef"
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _run(command: list[str], root: Path, env: dict[str, str], deadline: float, secret: bool = False) -> str:
    """Run one setup step, log it to rt-setup.log and return its stdout.

    rt-setup-database exits 0 even when some initialdata item fails (it only logs
    "[error]"), so an "[error]" line on stderr counts as a failure too.
    """
    name = " ".join(command[:3])
    try:
        done = subprocess.run(
            command,
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=max(deadline - time.monotonic(), 1),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"RT setup step `{name}` did not finish in time") from None
    output, errors = (stream.decode("utf-8", "replace") for stream in (done.stdout, done.stderr))
    with open(root / SETUP_LOG, "a", encoding="utf-8") as log:
        log.write(f"$ {name}  (exit {done.returncode})\n{'(secret output)' if secret else output}\n{errors}\n")
    if done.returncode != 0 or "[error]" in errors:
        raise RTStartError(f"RT setup step `{name}` failed (exit {done.returncode})\n{_tail(root / SETUP_LOG)}")
    return output


def _wait_until_ready(rt: RTInstance, deadline: float) -> None:
    probe = f"{rt.url}/REST/2.0/rt"  # /REST/2.0/ itself is 404 in RT 5.0.3
    last = "no answer yet"

    def answers() -> bool:
        nonlocal last
        try:
            answer = requests.get(probe, headers={"Authorization": f"token {rt.token}"}, timeout=5)
        except requests.RequestException as error:
            last = type(error).__name__
            return False
        last = f"HTTP {answer.status_code} {answer.text[:200]}"
        return answer.status_code == 200

    what, left = f"RT to answer GET {probe} with the askit token", max(deadline - time.monotonic(), 0)
    try:
        wait_until(answers, left, what, interval=0.2, died=exited(rt.process, "rt-server"))
    except AssertionError as failed:
        raise RTStartError(f"{failed} (last: {last})\n{_tail(rt.root / SERVER_LOG)}") from None


def _tail(log: Path, lines: int = 30) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except OSError:
        return f"(no {log})"
    return f"--- last lines of {log} ---\n" + ("\n".join(text) or "(empty)")


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
