"""The agent console in Chromium against the REAL broker's agents' namespace (bot/handoff/agents.py,
served alone by tests/e2e/agents_real_broker.py in the Rasa environment, without Rasa's agent): the
protocol as the broker speaks it, not as the test double does. An agent goes available, accepts
with the keyboard, reads who is asking, gets the member of staff's message, replies once, writes a
private note and closes with a note; the store holds each message once; axe-core finds nothing.

Until the broker branch is merged the broker is not in this tree: ASKIT_BROKER_TREE names a tree
that has it (e.g. /work/wt-handoff-broker); without either the test is skipped and says why."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from bot.launcher import HOST, RASA_PYTHON, free_port
from bot.paths import ROOT
from tests.e2e.test_agent_console import START_TIMEOUT, UUID, open_console, tab_to
from tests.e2e.test_backoffice_signin import axe
from tests.waiting import answers, exited, wait_until

HARNESS = ROOT / "tests" / "e2e" / "agents_real_broker.py"


def broker_tree() -> Path:
    tree = Path(os.environ.get("ASKIT_BROKER_TREE") or ROOT)
    if not (tree / "bot" / "handoff" / "agents.py").exists():
        pytest.skip(f"the broker (bot/handoff/agents.py) is not in {tree}: set ASKIT_BROKER_TREE to a tree that has it")
    return tree


@dataclass
class Servers:
    backoffice: str
    broker: str

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        reply = requests.request(method, f"{self.broker}/control/{path}", json=body, timeout=30)
        reply.raise_for_status()
        return reply.json()


def _start(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as sink:  # a file, not a pipe: a full pipe would block the server
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    tree = broker_tree()
    secret = secrets.token_urlsafe(32)
    bo_port, broker_port = free_port(), free_port()
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "ASKIT_AGENT_TOKEN_SECRET": secret}
    broker_url = f"http://{HOST}:{broker_port}"
    broker = _start(
        [str(RASA_PYTHON), str(HARNESS), str(broker_port), str(tmp_path / "handoffs.sqlite")],
        tree,
        {**base, "PYTHONPATH": str(tree)},
        tmp_path / "broker.log",
    )
    backoffice = _start(
        [sys.executable, "-m", "bot.backoffice", "--dev", "--host", HOST, "--port", str(bo_port)],
        ROOT,
        {
            **base,
            "PYTHONPATH": str(ROOT),
            "ASKIT_BACKOFFICE_DB": str(tmp_path / "backoffice.sqlite"),
            "ASKIT_RASA_PUBLIC_URL": broker_url,
        },
        tmp_path / "backoffice.log",
    )
    try:
        wait_until(
            lambda: answers(f"{broker_url}/health"), START_TIMEOUT * 2, "the broker", died=exited(broker, "broker")
        )
        wait_until(
            lambda: answers(f"http://{HOST}:{bo_port}/health"),
            START_TIMEOUT,
            "the back office",
            died=exited(backoffice, "uvicorn"),
        )
        yield Servers(f"http://{HOST}:{bo_port}", broker_url)
    finally:
        for proc in (backoffice, broker):
            proc.terminate()
            proc.wait(timeout=30)


@pytest.mark.own_stack
def test_an_agent_takes_a_chat_on_the_real_broker(page: Page, servers: Servers) -> None:
    asked = {"conversation": "webchat-alex", "name": "Alex Jones", "email": "alex@riverside.example"}
    queued = servers.control(
        "POST", "queue", {**asked, "council": "riverside", "group": "service-desk", "summary": "VPN drops"}
    )
    chat = queued["handoff_id"]
    open_console(page, servers.backoffice)
    desk = page.locator('.queue-group[data-group="service-desk"]')
    expect(desk.locator(".who")).to_have_text("Alex Jones (Riverside Council)")
    expect(desk.locator(".waited")).to_have_text(re.compile(r"Waiting \d+ seconds"))

    page.locator("body").focus()
    tab_to(page, page.get_by_role("button", name="Available"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Available")).to_have_attribute("aria-pressed", "true")
    tab_to(page, page.get_by_role("button", name=re.compile("Accept the chat with Alex Jones")))
    page.keyboard.press("Enter")
    expect(page.locator("#chat-heading")).to_have_text("Chat with Alex Jones")
    expect(page.locator("#requester")).to_contain_text("alex@riverside.example")
    expect(page.locator("#requester")).to_contain_text("Riverside Council")
    expect(page.locator("#messages .from-system")).to_have_count(1)  # "Demo agent has joined", as the user is told
    expect(desk.locator(".queue-list li")).to_have_count(0)

    assert servers.control("POST", "say", {"conversation": asked["conversation"], "text": "It drops hourly"})["taken"]
    expect(page.locator("#messages .from-user .body")).to_have_text("It drops hourly")

    composer = page.get_by_role("textbox", name=re.compile("^Message"))
    tab_to(page, composer)
    page.keyboard.type("Which client do you use?")
    page.keyboard.press("Enter")
    expect(page.locator("#messages .from-agent")).to_have_count(1)
    expect(page.locator("#messages .pending")).to_have_count(0)
    tab_to(page, page.get_by_role("button", name="Private note (only agents see this)"))
    page.keyboard.press("Enter")
    tab_to(page, composer)
    page.keyboard.type("Old client, probably")
    page.keyboard.press("Enter")
    expect(page.locator("#messages .from-note .private")).to_have_text("Private note: only agents see this")
    expect(page.locator("#messages .pending")).to_have_count(0)  # acknowledged, so stored: read the store after
    stored = servers.control("GET", f"handoff/{chat}")["messages"]
    assert [(m["sender"], m["text"]) for m in stored if m["sender"] != "system"] == [
        ("user", "It drops hourly"),
        ("agent", "Which client do you use?"),
        ("note", "Old client, probably"),
    ]
    assert all(UUID.fullmatch(m["message_id"]) for m in stored if m["sender"] in ("agent", "note"))
    page.locator("#context").evaluate("(el) => { el.open = true; }")
    assert axe(page) == []

    tab_to(page, page.get_by_label("Closing note (goes on the ticket)"))
    page.keyboard.type("Told to update the client")
    tab_to(page, page.get_by_role("button", name="Close chat…"))
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # "Yes, close the chat" has the focus
    expect(page.locator("#chat")).to_be_hidden()
    after = servers.control("GET", f"handoff/{chat}")
    assert (after["state"], after["close_note"]) == ("closed", "Told to update the client")
