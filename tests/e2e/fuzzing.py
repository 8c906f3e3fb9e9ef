"""The fuzz tests' running stack and how each target is sent to (tests/e2e/test_fuzz.py: a fixed
seed, a few hundred requests; benchmarks/fuzz.py: 10,000 and more): ``Fuzz`` holds one ``Target`` per
public endpoint, with its strategy and named probes (tests/e2e/fuzz_chat.py, fuzz_widget.py,
fuzz_http.py) and a sender that sends a ``Probe`` over loopback (tests/e2e/fuzz_wire.py) and returns
a ``Reply``. Running them and reporting failures: tests/e2e/fuzz_run.py.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import requests

from bot.action_auth import ACTION_TOKEN_SETTING, authorization
from bot.channels.articles import ARTICLES_PATH
from tests.action_calls import action_call
from tests.channels.fake_botframework import NORTHBROOK_AAD, FakeBotFramework
from tests.e2e.conftest import REST_TOKEN_SETTING, Chat, running_chat
from tests.e2e.fuzz_chat import rest_named, rest_probes, teams_forgeries, teams_named, teams_probes
from tests.e2e.fuzz_http import action_named, action_probes, article_probes, dev_token_probes, rasa_probes
from tests.e2e.fuzz_probes import Probe, Target, set_path, socketio_frame
from tests.e2e.fuzz_values import forged_bearers
from tests.e2e.fuzz_widget import connect_named, event_named, widget_connect_probes, widget_event_probes
from tests.e2e.fuzz_wire import REQUEST_TIMEOUT, Reply, Socket, encode, http
from tests.waiting import poll

REST_PATH = "/webhooks/rest/webhook"
TEAMS_PATH = "/webhooks/teams/webhook"
DEV_TOKEN_PATH = "/webhooks/webchat/dev-token"
REPLY_TIMEOUT = 20.0  # for the bot's answer in the widget or Teams: a turn takes a second or two
TEAMS_SETTLE = 1.0  # for a Teams turn that owes no reply to show it ran
EXIT_WAIT = 3.0  # for a server that dropped a connection to be seen stopped, if it is stopping
HEALTH_TIMEOUT = 10.0  # for a health check after a request that got no answer
PROTOCOL_TIMEOUT = 5.0  # for a socket.io answer that needs no turn (an ack)


@dataclass
class Fuzz:
    """A running stack with the Teams channel (against ``bf``) and development mode on, and the
    targets that fuzz it."""

    chat: Chat
    bf: FakeBotFramework
    rest_token: str = field(init=False)
    action_token: str = field(init=False)
    targets: dict[str, Target] = field(init=False)

    def __post_init__(self) -> None:
        env = self.chat.stack.env()
        self.rest_token = env.get(REST_TOKEN_SETTING, "")
        self.action_token = env.get(ACTION_TOKEN_SETTING, "")
        rest_forged = forged_bearers(self.rest_token)
        teams_forged = teams_forgeries(self.bf)
        action_forged = forged_bearers(self.action_token)
        secret = self.chat.widget_secret
        targets = [
            Target("REST", rest_probes(None), rest_named(None), self.send_rest),
            Target("REST without the token", rest_probes(rest_forged), rest_named(rest_forged), self.send_rest),
            Target("Teams, signed", teams_probes(None), teams_named(None), self.send_teams),
            Target("Teams, not signed", teams_probes(teams_forged), teams_named(teams_forged), self.send_teams),
            Target("widget connect", widget_connect_probes(secret), connect_named(secret), self.send_connect),
            Target("widget events", widget_event_probes(), event_named(), self.send_events),
            Target("article pages", article_probes(), (), self.send_article),
            Target("dev token", dev_token_probes(), (), self.send_dev_token),
            Target("action server", action_probes(None), action_named(), self.send_action),
            Target("action server without the token", action_probes(action_forged), (), self.send_action),
            Target("Rasa server, other URLs", rasa_probes(), (), self.send_rasa),
        ]
        self.targets = {t.name: t for t in targets}

    def down(self, wait: float = EXIT_WAIT) -> str | None:
        """Why a server cannot serve any more: it stopped, or it no longer answers its health
        check (a busy loop holding its event loop, say). None while both answer. ``wait`` is for
        a server that dropped a connection: it is gone a moment later, if it is dying (0: only
        look whether one has stopped)."""
        stack = self.chat.stack
        exited = stack.first_exited()
        if exited or wait == 0:
            return f"the {exited} stopped" if exited else None
        checks = (("rasa server", stack.rasa_port, b"/"), ("action server", stack.action_port, b"/health"))
        silent = [name for name, port, path in checks if http(port, "GET", path, (), b"", HEALTH_TIMEOUT).status != 200]
        if not silent:
            return None
        if poll(lambda: stack.first_exited() is not None, wait, interval=0.1):
            return f"the {stack.first_exited()} stopped"
        return f"the {silent[0]} stopped answering"

    # --- senders: one request each
    def _http(self, port: int, probe: Probe, path: bytes, credentials: Mapping[str, str]) -> Reply:
        headers = list(probe.headers)
        if probe.content_type is not None:
            headers.append((b"Content-Type", probe.content_type))
        if not probe.anonymous:
            headers += [(k.encode(), v.encode()) for k, v in credentials.items()]
        elif probe.auth is not None:
            headers.append((b"Authorization", probe.auth))
        target = path + probe.path + (b"?" + probe.query if probe.query else b"")
        answer = http(port, probe.method, target, headers, probe.body or b"")
        return Reply(answer.status, answer.elapsed, answer.outcome)

    def send_rest(self, probe: Probe) -> Reply:
        bearer = {"Authorization": f"Bearer {self.rest_token}"}
        return self._http(self.chat.stack.rasa_port, probe, REST_PATH.encode(), bearer)

    def send_teams(self, probe: Probe) -> Reply:
        """A fresh user's activity (``probe.mutations`` applied) unless the probe brings its own
        body; when the bot must answer, wait until its reply reaches the connector."""
        user = self.bf.add_user("Fuzz User", f"fuzz.{secrets.token_hex(4)}@northbrook.example")
        activity = self.bf.activity(user, "I forgot my password", aad_tenant=NORTHBROOK_AAD)
        conversation = activity["conversation"]["id"]
        for path, value in probe.mutations:
            set_path(activity, path, value)
        if probe.body is None:
            probe = replace(probe, body=encode(activity))
        signed = {"Authorization": f"Bearer {self.bf.token()}"}
        sent_before = len(self.bf.sent)
        reply = self._http(self.chat.stack.rasa_port, probe, TEAMS_PATH.encode(), signed)
        if reply.status != 202:
            return reply
        if not probe.expects_reply:
            # The turn runs after the 202: give it a moment to say something (typing, or sorry), so
            # that what it logs is put down to this request rather than the next.
            poll(lambda: len(self.bf.sent) > sent_before, TEAMS_SETTLE)
            return reply
        if not poll(lambda: bool(self.bf.replies(conversation)), REPLY_TIMEOUT):
            return reply._replace(outcome="no reply")
        return reply._replace(outcome="answered")

    def send_article(self, probe: Probe) -> Reply:
        return self._http(self.chat.stack.rasa_port, probe, ARTICLES_PATH.encode(), {})

    def send_dev_token(self, probe: Probe) -> Reply:
        return self._http(self.chat.stack.rasa_port, probe, DEV_TOKEN_PATH.encode(), {})

    def send_action(self, probe: Probe) -> Reply:
        credentials = authorization(self.action_token) if self.action_token else {}
        return self._http(self.chat.stack.action_port, probe, b"", credentials)

    def send_rasa(self, probe: Probe) -> Reply:
        return self._http(self.chat.stack.rasa_port, probe, b"", {})

    def send_connect(self, probe: Probe) -> Reply:
        with Socket.open(self.chat.stack.rasa_port, probe.query, probe.headers) as sock:
            if sock.reply is not None:
                return sock.reply
            for frame in probe.frames:
                sock.send(frame)
            return sock.connect_answer()

    def send_events(self, probe: Probe) -> Reply:
        """Connect with a valid token (a new user each time: no rate limit between probes), send
        the frames, wait for the bot's answer when one is due, then check the socket still works."""
        token = self.chat.widget_token(f"fuzz-{secrets.token_hex(6)}")
        with Socket.open(self.chat.stack.rasa_port) as sock:
            if sock.reply is not None:
                return sock.reply
            sock.send("40" + encode({"token": token}).decode())
            connected = sock.connect_answer()
            if connected.outcome != "connected":
                return connected._replace(outcome=f"valid token {connected.outcome}")
            started = time.perf_counter()
            for frame in probe.frames:
                sock.send(frame)
            outcome = sock.wait_for('42["bot_uttered"', REPLY_TIMEOUT, "no reply") if probe.expects_reply else ""
            if outcome in ("", "answered"):  # and the socket still works: ask for the session, get an ack
                sock.send('4211["session"]')
                alive = sock.wait_for("4311[", PROTOCOL_TIMEOUT)
                outcome = outcome if alive == "answered" else alive
            return Reply(101, time.perf_counter() - started, outcome or "alive")


@contextmanager
def fuzz_stack(work: Path) -> Iterator[Fuzz]:
    """A stack to fuzz: the Teams channel against a fake Bot Framework, and development mode on, so
    the dev token endpoint is live."""
    work.mkdir(parents=True, exist_ok=True)
    bf = FakeBotFramework().start()
    try:
        credentials = bf.credentials_file(work / "credentials.yml")
        with running_chat(work, {"ASKIT_DEV_MODE": "1"}, credentials=credentials) as chat:
            yield Fuzz(chat, bf)
    finally:
        bf.stop()


def warm_up(fuzz: Fuzz) -> None:
    """Ordinary use of every target once, so memory after it is what a server in use holds."""
    for _ in range(2):
        ask_password(fuzz)
        fuzz.send_teams(Probe("warm-up", expects_reply=True, mutations=(("text", "I forgot my password"),)))
        fuzz.send_events(Probe("warm-up", frames=(socketio_frame("user_uttered", {"message": "vpn"}),),
                               expects_reply=True))  # fmt: skip
        fuzz.send_article(Probe("warm-up", method="GET", path=b"password-reset.json", content_type=None))
        fuzz.send_action(Probe("warm-up", encode(action_call("action_answer_question", "printer")), path=b"/webhook"))


def ask_password(fuzz: Fuzz) -> dict[str, Any]:
    """The custom payload of the answer to "I forgot my password", through the REST channel."""
    reply = requests.post(
        f"{fuzz.chat.stack.rasa_url}{REST_PATH}",
        json={"sender": f"fuzz-check-{secrets.token_hex(4)}", "message": "I forgot my password"},
        headers={"Authorization": f"Bearer {fuzz.rest_token}"},
        timeout=REQUEST_TIMEOUT,
    )
    reply.raise_for_status()
    found = [m["custom"] for m in reply.json() if "custom" in m]
    return dict(found[0]) if len(found) == 1 else {"customs": found}
