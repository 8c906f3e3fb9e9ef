"""The agent console in Chromium: the real back office (uvicorn, development sign-in) and, for the
live part, tests/e2e/agents_broker_double.py: a TEST DOUBLE of the broker speaking the console
protocol, not the broker in the Rasa server. What these tests show about the page holds for the
double; they must be re-run against the real broker when it is built (issue 13).

An agent goes available, sees the queue per group with waiting times that tick and update live,
accepts, reads the requester and what happened before the handoff, gets messages and "typing…",
replies (each message sent once, with its own id, resent with the same id when an ack is lost),
writes a private note, sees a refusal read out, and closes with a note: with Tab and Enter only.
axe-core finds no WCAG 2.2 AA violation and the page reflows at 320 CSS px."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from bot.launcher import HOST, free_port
from bot.paths import ROOT
from tests.e2e.agents_broker_double import BrokerDouble
from tests.e2e.backoffice_server import dev_backoffice
from tests.e2e.test_backoffice_signin import axe
from tests.waiting import wait_until

START_TIMEOUT = 60.0
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
MAX_TABS = 80
SCREENSHOT = ROOT / "docs" / "agents-console.png"
SCREENSHOT_SETTING = "ASKIT_SCREENSHOTS"  # 1: this run also retakes docs/agents-console.png


@dataclass
class Servers:
    backoffice: str
    broker: BrokerDouble


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    secret = secrets.token_urlsafe(32)
    port = free_port()
    backoffice = f"http://{HOST}:{port}"
    broker = BrokerDouble(secret, allowed_origin=backoffice)
    broker.start()
    settings = {
        "ASKIT_BACKOFFICE_DB": str(tmp_path / "backoffice.sqlite"),
        "ASKIT_AGENT_TOKEN_SECRET": secret,
        "ASKIT_RASA_PUBLIC_URL": broker.url,
    }
    try:
        with dev_backoffice(tmp_path, settings, port) as url:
            yield Servers(url, broker)
    finally:
        broker.stop()


def open_console(page: Page, backoffice: str, who: str = "Demo agent") -> None:
    page.goto(f"{backoffice}/dev/signin")
    page.get_by_role("button", name=f"Sign in as {who}", exact=True).click()
    page.get_by_role("link", name="Agent console").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agent console")
    expect(page.locator("#connection")).to_have_text("Connected to the live chat.")


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user would; fail if it never does."""
    for _ in range(MAX_TABS):
        if target.evaluate("(el) => el === document.activeElement"):
            assert page.evaluate("() => document.activeElement.matches(':focus-visible')"), "focus is not visible"
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


@pytest.mark.own_stack
def test_an_agent_takes_a_chat_from_accept_to_close_with_the_keyboard_only(page: Page, servers: Servers) -> None:
    broker = servers.broker
    first = broker.queue("service-desk", "Alex Jones", "alex@riverside.example", "riverside", "VPN drops", waited=125)
    open_console(page, servers.backoffice)

    # The queue, per group, with a waiting time that ticks; a new request appears without a reload.
    desk = page.locator('.queue-group[data-group="service-desk"]')
    expect(desk.locator(".queue-list li")).to_have_count(1)
    expect(desk.locator(".who")).to_have_text("Alex Jones (Riverside Council)")
    expect(desk.locator(".waited")).to_have_text(re.compile(r"Waiting 2 minutes"))
    broker.queue("identity-access", "Bo Smith", "bo@northbrook.example", "northbrook", "Locked out", waited=5)
    access = page.locator('.queue-group[data-group="identity-access"]')
    expect(access.locator(".who")).to_have_text("Bo Smith (Northbrook Council)")
    seconds = access.locator(".waited")
    expect(seconds).to_have_text(re.compile(r"Waiting \d+ seconds"))
    shown = seconds.inner_text()
    expect(seconds).not_to_have_text(shown)  # it ticks

    # Available, then accept: Tab and Enter only from here to the end.
    page.locator("body").focus()
    tab_to(page, page.get_by_role("button", name="Available"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Available")).to_have_attribute("aria-pressed", "true")
    assert broker.presence == {"dev-agent": "available"}
    tab_to(page, page.get_by_role("button", name=re.compile("Accept the chat with Alex Jones")))
    page.keyboard.press("Enter")
    heading = page.locator("#chat-heading")
    expect(heading).to_have_text("Chat with Alex Jones")
    expect(heading).to_be_focused()
    expect(desk.locator(".queue-list li")).to_have_count(0)
    expect(page.locator("#my-chats button")).to_have_text("Alex Jones")
    expect(page.locator("#requester")).to_contain_text("alex@riverside.example")
    expect(page.locator("#requester")).to_contain_text("Riverside Council")
    expect(page.locator("#requester")).to_contain_text("Service Desk")
    expect(page.locator("#articles")).to_have_text("reset-password: did not help")
    expect(page.locator("#bot-conversation .from-bot")).to_contain_text("Assistant (bot)")
    expect(page.locator("#tickets")).to_contain_text("INC0012")

    # The member of staff writes and types; the agent is told, politely.
    broker.user_says(first, "It drops every ten minutes")
    expect(page.locator("#messages .from-user")).to_contain_text("It drops every ten minutes")
    expect(page.locator("#announcer")).to_have_text("Alex Jones says: It drops every ten minutes")
    broker.user_types(first)
    expect(page.locator("#typing")).to_have_text("Alex Jones is typing…")

    # A reply: Enter sends, Shift+Enter is a new line; each message is sent once with its own id.
    composer = page.get_by_role("textbox", name=re.compile("^Message"))
    tab_to(page, composer)
    page.keyboard.type("Which VPN client do you use?")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("The one in the tray?")
    page.keyboard.press("Enter")
    agent_lines = page.locator("#messages .from-agent")
    expect(agent_lines).to_have_count(1)
    expect(agent_lines.locator(".body")).to_have_text("Which VPN client do you use?\nThe one in the tray?")
    expect(agent_lines.locator(".pending")).to_have_count(0)
    [sent] = broker.sent("send")
    assert UUID.fullmatch(sent["message_id"]) and sent["handoff_id"] == first
    assert sent["text"] == "Which VPN client do you use?\nThe one in the tray?"
    assert broker.sent("typing"), "the member of staff was not told the agent is typing"

    # A private note looks different and says only agents see it; it goes as a note, not a message.
    tab_to(page, page.get_by_role("button", name="Private note (only agents see this)"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Private note (only agents see this)")).to_have_attribute(
        "aria-pressed", "true"
    )
    tab_to(page, composer)
    page.keyboard.type("Known issue with the old client")
    page.keyboard.press("Enter")
    note = page.locator("#messages .from-note")
    expect(note).to_have_count(1)
    expect(note.locator(".private")).to_have_text("Private note: only agents see this")
    expect(page.locator("#messages .pending")).to_have_count(0)  # acknowledged, so the broker has it
    [noted] = broker.sent("note")
    assert noted["text"] == "Known issue with the old client" and noted["message_id"] != sent["message_id"]
    assert len(broker.sent("send")) == 1
    assert [m["sender"] for m in broker.handoffs[first].messages] == ["user", "agent", "note"]

    # The chat as it stands, with the context open: axe, and the page at 320 CSS px.
    page.locator("#context").evaluate("(el) => { el.open = true; }")
    assert axe(page) == []
    if os.environ.get(SCREENSHOT_SETTING) == "1":
        page.set_viewport_size({"width": 1100, "height": 1700})
        page.screenshot(path=str(SCREENSHOT))  # for docs/agents.md (a full-page shot drops some controls)
    page.set_viewport_size({"width": 320, "height": 640})
    page.wait_for_function("() => document.documentElement.scrollWidth <= window.innerWidth", timeout=10_000)
    assert axe(page) == []
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#context").evaluate("(el) => { el.open = false; }")

    # A refusal from the broker is shown and read out.
    tab_to(page, page.get_by_role("button", name="Private note (only agents see this)"))
    page.keyboard.press("Enter")  # back to messages
    broker.refuse_next("send", "This chat is closed, so the message was not sent.")
    tab_to(page, composer)
    page.keyboard.type("Are you still there?")
    page.keyboard.press("Enter")
    errors = page.locator("#errors")
    expect(errors).to_have_text("This chat is closed, so the message was not sent.")
    assert errors.get_attribute("aria-live") == "polite"
    expect(page.locator("#messages .pending").last).to_have_text("Not sent")

    # Close with a note, confirmed.
    tab_to(page, page.get_by_label("Closing note (goes on the ticket)"))
    page.keyboard.type("Told to update the VPN client")
    tab_to(page, page.get_by_role("button", name="Close chat…"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Yes, close the chat")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#chat")).to_be_hidden()
    expect(page.locator("#my-chats button")).to_have_count(0)
    expect(page.locator("#mine-heading")).to_be_focused()
    assert broker.handoffs[first].state == "closed"
    assert broker.handoffs[first].close_note == "Told to update the VPN client"


@pytest.mark.own_stack
def test_a_lost_ack_means_the_same_id_again_and_a_reload_keeps_the_chats(page: Page, servers: Servers) -> None:
    broker = servers.broker
    chat = broker.queue("service-desk", "Cat Lee", "cat@southmere.example", "southmere", "Printer jam")
    open_console(page, servers.backoffice)
    # A Teams card's link to a waiting chat: its Accept button has the focus, so Enter takes it.
    page.goto(f"{servers.backoffice}/agents?chat={chat}")
    expect(page.get_by_role("button", name=re.compile("Accept the chat with Cat Lee"))).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#chat-heading")).to_have_text("Chat with Cat Lee")
    broker.drop_next_ack("send")
    page.get_by_role("textbox", name=re.compile("^Message")).fill("Try turning it off and on")
    page.get_by_role("textbox", name=re.compile("^Message")).press("Enter")
    expect(page.locator("#messages .pending")).to_have_text("Sending…")
    broker.kick_everyone()  # the connection drops, as in a broker restart
    expect(page.locator("#messages .pending")).to_have_count(0, timeout=20_000)
    attempts = broker.sent("send")
    assert len(attempts) == 2 and attempts[0]["message_id"] == attempts[1]["message_id"]
    assert [m["text"] for m in broker.handoffs[chat].messages] == ["Try turning it off and on"]
    expect(page.locator("#messages .from-agent")).to_have_count(1)

    # A reload keeps the agent's status and chats: the page asks the broker again for each.
    page.get_by_role("button", name="Busy").click()
    expect(page.get_by_role("button", name="Busy")).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.locator("#my-chats button")).to_have_text("Cat Lee")
    expect(page.get_by_role("button", name="Busy")).to_have_attribute("aria-pressed", "true")
    assert broker.sent("presence")[-1] == {"state": "busy"}
    # A link to the chat (as a Teams card gives) opens it.
    page.goto(f"{servers.backoffice}/agents?chat={chat}")
    expect(page.locator("#chat-heading")).to_have_text("Chat with Cat Lee")


@pytest.mark.own_stack
def test_transfer_and_release_hand_the_chat_back(page: Page, servers: Servers) -> None:
    broker = servers.broker
    one = broker.queue("service-desk", "Dee Kaye", "dee@riverside.example", "riverside", "Teams crashes")
    two = broker.queue("service-desk", "Eli Park", "eli@riverside.example", "riverside", "No sound")
    open_console(page, servers.backoffice)
    page.get_by_role("button", name=re.compile("Accept the chat with Dee Kaye")).click()
    expect(page.locator("#chat-heading")).to_have_text("Chat with Dee Kaye")
    page.get_by_role("button", name=re.compile("Accept the chat with Eli Park")).click()
    expect(page.locator("#chat-heading")).to_have_text("Chat with Eli Park")
    broker.user_says(one, "Still crashing <img src=x onerror=alert(1)>")  # in the chat not shown: unread
    expect(page.locator("#my-chats button", has_text="Dee Kaye").locator(".unread")).to_have_text("1")
    page.get_by_label("Transfer to").select_option(label="Accounts and Access")
    page.get_by_role("button", name="Transfer", exact=True).click()
    expect(page.locator("#announcer")).to_have_text("Chat transferred to Accounts and Access.")
    assert (broker.handoffs[two].state, broker.handoffs[two].group) == ("queued", "identity-access")
    expect(page.locator('.queue-group[data-group="identity-access"] .who')).to_have_text("Eli Park (Riverside Council)")
    page.get_by_role("button", name=re.compile("Dee Kaye")).click()
    expect(page.locator("#my-chats .unread")).to_have_count(0)
    user_line = page.locator("#messages .from-user .body")
    expect(user_line).to_have_text("Still crashing <img src=x onerror=alert(1)>")  # text, never markup
    assert page.locator("#messages img").count() == 0
    page.get_by_role("button", name="Release to the queue").click()
    expect(page.locator("#announcer")).to_have_text("Chat released to the queue.")
    assert broker.handoffs[one].state == "queued"
    expect(page.locator('.queue-group[data-group="service-desk"] .who')).to_have_text("Dee Kaye (Riverside Council)")


@pytest.mark.own_stack
def test_the_page_reconnects_with_a_new_token_before_its_token_runs_out(page: Page, servers: Servers) -> None:
    broker = servers.broker
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if request.url.endswith("/agents/token") else None)
    page.clock.install()  # the page's clock, moved on below; the servers keep real time
    open_console(page, servers.backoffice)
    wait_until(lambda: len(broker.tokens) == 1 and len(fetched) == 1, 10, "the first connection")
    page.clock.fast_forward("04:05")  # the token lasts 5 minutes; a new one is fetched a minute before
    wait_until(lambda: len(fetched) >= 2 and len(broker.tokens) >= 2, 20, "a connection with a new token")
    expect(page.locator("#connection")).to_have_text("Connected to the live chat.")
