"""Start the real action server and Rasa server once for the end-to-end tests, on free loopback
ports, with their own tracker store and local desk in a temporary folder."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page

from bot.channels.widget_auth import mint_token
from bot.channels.widget_config import ORIGINS_SETTING, SECRET_SETTING
from bot.knowledge.config import KnowledgeConfig
from bot.launcher import ACTIONS_PYTHON, DEFAULT_CREDENTIALS, DEFAULT_MODEL, ROOT, Stack, free_port
from bot.settings import DEV_MODE_SETTING, REST_TOKEN_SETTING
from tests.browser import chromium
from tests.channels.fake_botframework import FakeBotFramework
from tests.e2e.intranet import intranet_origin
from tests.index_copy import copy_index

REQUEST_TIMEOUT = 60
# Every test stack accepts web-widget tokens signed with this key, from its own pages and from the
# browser tests' stand-in intranet (tests/e2e/intranet.py).
WIDGET_SECRET = secrets.token_urlsafe(32)
# AskIT's REST channel answers only with this bearer token (bot/channels/rest.py).
REST_TOKEN = secrets.token_urlsafe(32)
TEAMS_PASSWORD_SETTING = "TEAMS_APP_PASSWORD"  # credentials.yml reads the Teams client secret from it


class Chat:
    def __init__(self, stack: Stack, desk_db: Path, articles_dir: Path, widget_secret: str = WIDGET_SECRET) -> None:
        self.stack, self.desk_db, self.articles_dir = stack, desk_db, articles_dir
        self.widget_secret = widget_secret

    def widget_token(
        self,
        sub: str,
        *,
        email: str | None = None,
        name: str | None = None,
        tenant: str | None = None,
        lifetime: float = 300,
        now: float | None = None,
    ) -> str:
        """A widget token for ``sub``, signed as the host page's server would sign it."""
        return mint_token(self.widget_secret, sub, email=email, name=name, tenant=tenant, lifetime=lifetime, now=now)

    def post(self, body: Any, headers: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        """POST ``body`` (JSON, or raw bytes with ``data=``) to the REST channel with the stack's token."""
        return requests.post(
            f"{self.stack.rasa_url}/webhooks/rest/webhook",
            json=body,
            headers={"Authorization": f"Bearer {self.stack.extra_env[REST_TOKEN_SETTING]}", **(headers or {})},
            timeout=REQUEST_TIMEOUT,
            **kwargs,
        )

    def say(self, sender: str, message: str) -> list[dict[str, Any]]:
        reply = self.post({"sender": sender, "message": message})
        reply.raise_for_status()
        messages: list[dict[str, Any]] = reply.json()
        return messages

    def _desk(self, *args: str) -> str:
        """Run ``python -m bot.servicedesk`` on this stack's local desk, as its operators would."""
        return subprocess.run(
            [str(ACTIONS_PYTHON), "-m", "bot.servicedesk", *args],
            cwd=ROOT,
            env={"ASKIT_LOCAL_DESK_DB": str(self.desk_db), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def tickets(self) -> list[dict[str, Any]]:
        tickets: list[dict[str, Any]] = json.loads(self._desk("tickets", "--json"))
        return tickets

    def desk_reply(self, ref: str, text: str) -> None:
        """The service desk answers ticket ``ref`` publicly."""
        self._desk("reply", ref, text)


def custom(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The one machine-readable part of a turn's replies (an empty dict if there is none)."""
    found = [m["custom"] for m in messages if "custom" in m]
    assert len(found) <= 1, found
    return found[0] if found else {}


@contextmanager
def running_chat(
    work: Path, extra_env: dict[str, str] | None = None, credentials: Path | None = None
) -> Iterator[Chat]:
    """Both servers on free loopback ports, with their own tracker store, local desk, outbox and a
    copy of the articles and index in ``work``; ``extra_env`` adds or overrides settings, and
    ``credentials`` replaces credentials.yml (Rasa's channel settings). The web widget accepts
    tokens from ``Chat.widget_token`` and pages from ``intranet_origin()``."""
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"no trained model at {DEFAULT_MODEL}: run the tests through 'make test'")
    desk_db = work / "desk.sqlite"
    # The servers read a copy of the articles and index, so a test can edit articles as an editor would.
    articles_dir, index_dir = work / "articles", work / "index"
    config = KnowledgeConfig.load()
    shutil.copytree(config.articles_dir, articles_dir)
    copy_index(config.index_dir, index_dir)
    stack = Stack(
        rasa_port=free_port(),
        action_port=free_port(),
        log_dir=work / "logs",
        credentials=credentials or DEFAULT_CREDENTIALS,
        # A Rasa API token that starts with "-" once stopped Rasa's argument parser (exit code 2) in CI
        # about one start in 64; every test stack now starts with such a token, and the ticket-news
        # test proves the token still works.
        api_token="-" + secrets.token_urlsafe(32),
        extra_env={
            "ASKIT_LOCAL_DESK_DB": str(desk_db),
            "ASKIT_OUTBOX_DB": str(work / "outbox.sqlite"),
            "TRACKER_SQLITE_PATH": str(work / "tracker.db"),
            "TRACKER_DB_URL": "",
            "EVENTS_DB_URL": "",  # events.db beside tracker.db
            "ASKIT_ARTICLES_DIR": str(articles_dir),
            "ASKIT_INDEX_DIR": str(index_dir),
            "ASKIT_BACKOFFICE_DB": str(work / "backoffice.sqlite"),  # handoffs, and the back office's own
            SECRET_SETTING: WIDGET_SECRET,
            ORIGINS_SETTING: intranet_origin(),
            REST_TOKEN_SETTING: REST_TOKEN,
            # How long a turn waits for the desk's reference. Every stack test that raises a ticket
            # expects it in that turn (ticket_created, not ticket_recorded), so it is pinned here
            # rather than left to the production default; test_ticket_news.py sets its own.
            "ASKIT_TICKET_WAIT": "4",
            **(extra_env or {}),
        },
    )
    stack.start()
    try:
        yield Chat(stack, desk_db, articles_dir, stack.extra_env[SECRET_SETTING])
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chat]:
    with running_chat(tmp_path_factory.mktemp("e2e")) as chat:
        yield chat


@pytest.fixture(scope="session")
def bf() -> Iterator[FakeBotFramework]:
    fake = FakeBotFramework().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def dev_teams_chat(bf: FakeBotFramework, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chat]:
    """The stack for what needs the Teams channel or development mode (the Teams tests, the demo
    page of `make run`, the fuzz tests), started once: Teams against the fake Bot Framework, its
    client secret from the environment as an operator would give it, and development mode on."""
    work = tmp_path_factory.mktemp("e2e-dev-teams")
    credentials = bf.credentials_file(work / "credentials.yml", app_password=f"${{{TEAMS_PASSWORD_SETTING}}}")
    settings = {TEAMS_PASSWORD_SETTING: bf.app_password, DEV_MODE_SETTING: "1"}
    with running_chat(work, settings, credentials=credentials) as chat:
        yield chat


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, one per test module (tests/browser.py)."""
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context's page for each test."""
    context = browser.new_context()
    yield context.new_page()
    context.close()
