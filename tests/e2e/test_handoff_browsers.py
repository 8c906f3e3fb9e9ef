"""Live chat with a person in two real browsers on one real stack: a member of staff in the web
widget on an intranet page, a service-desk agent in the back office's console (development sign-in,
keyboard only), with the Rasa and action servers between them. It shows the queue, the join, both
sides' messages in order and once, the agent's typing, a question the bot knows going to the person
and not the bot, the private note, the close, the rating and the desk's ticket (transcript, notes,
no typed secret); axe-core on both pages mid-chat; and that a Rasa session starting mid-chat does
not give the conversation back to the bot."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Locator, Page, expect

from bot.handoff.store import HandoffStore
from tests.e2e.backoffice_server import dev_backoffice
from tests.e2e.conftest import REQUEST_TIMEOUT, Chat, running_chat
from tests.e2e.intranet import Intranet, Staff
from tests.e2e.test_agent_console import open_console, tab_to
from tests.e2e.test_backoffice_signin import axe
from tests.e2e.test_handoff import ALL_WEEK
from tests.e2e.test_widget import TURN_MS, Widget
from tests.waiting import wait_until

pytestmark = pytest.mark.own_stack  # starts servers of its own: the second end-to-end process
AGENT_SECRET = secrets.token_urlsafe(32)
# The development sign-in's "Demo agent" is an agent for every council, so the console gives them
# every group of this file (bot/backoffice/identity_dev.py, bot/backoffice/agents.py).
HANDOFF_YML = f"""
hours:
  default:
    time_zone: Europe/London
{ALL_WEEK}
groups:
  service-desk:
    name: Service Desk
    councils: all
capacity: 3
"""
AGENT = "Demo agent"
STAFF = "Sam Patel"
QUESTION = "I forgot my password"  # the bot answers it with the password-reset article
ASK_FOR_PERSON = "i'd like to speak to a human"
QUEUED = re.compile(
    r"You're next in the queue\.( The wait is usually about \d+ minutes?\.)? Type cancel to stop waiting\."
)
LIVE_MS = 30_000  # a message through the broker to the other browser
TICKET_SECONDS = 60.0


@dataclass
class Servers:
    chat: Chat
    backoffice: str
    intranet: Intranet


@dataclass
class People:
    staff: Staff
    widget: Widget
    console: Page


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """The Rasa and action servers with live chat on, the intranet page, and the back office
    (development sign-in) on the same database, its console pointed at this Rasa server."""
    work = tmp_path_factory.mktemp("e2e-handoff-browsers")
    (work / "handoff.yml").write_text(HANDOFF_YML, encoding="utf-8")
    settings = {
        "ASKIT_HANDOFF_FILE": str(work / "handoff.yml"),
        "ASKIT_AGENT_TOKEN_SECRET": AGENT_SECRET,
        "ASKIT_HANDOFF_SWEEP_SECONDS": "2",
    }
    with running_chat(work, settings) as chat, Intranet(chat.stack.rasa_url, chat.widget_token) as intranet:
        backoffice = {
            "ASKIT_BACKOFFICE_DB": chat.stack.extra_env["ASKIT_BACKOFFICE_DB"],
            "ASKIT_HANDOFF_FILE": settings["ASKIT_HANDOFF_FILE"],
            "ASKIT_AGENT_TOKEN_SECRET": AGENT_SECRET,
            "ASKIT_RASA_PUBLIC_URL": chat.stack.rasa_url,
        }
        with dev_backoffice(work, backoffice) as url:
            yield Servers(chat, url, intranet)


@pytest.fixture
def people(browser: Browser, servers: Servers) -> Iterator[People]:
    """A new member of staff with the widget open, and the agent signed in to the console, each in
    a browser context of their own; afterwards the widget must have shown no dialog nor broken its
    page's Content-Security-Policy."""
    sub = f"staff-{uuid.uuid4().hex[:10]}"
    staff = Staff(sub=sub, email=f"{sub}@northbrook.example", name=STAFF, tenant="northbrook")
    key = servers.intranet.add(staff)
    widget = Widget(browser.new_context(), servers.intranet.page_url(key), key)
    console = browser.new_context().new_page()
    try:
        widget.connected()
        open_console(console, servers.backoffice, AGENT)
        yield People(staff, widget, console)
        assert widget.dialogs == []
        assert not [e for e in widget.console_errors if "Content Security Policy" in e], widget.console_errors
    finally:
        widget.context.close()
        console.context.close()


def go_available(console: Page) -> None:
    console.locator("body").focus()
    tab_to(console, console.get_by_role("button", name="Available"))
    console.keyboard.press("Enter")
    expect(console.get_by_role("button", name="Available")).to_have_attribute("aria-pressed", "true", timeout=LIVE_MS)


def ask_for_a_person(widget: Widget) -> None:
    queued = widget.says(lambda: widget.ask(ASK_FOR_PERSON))
    expect(queued).to_have_attribute("data-flow", "handoff_queued")
    expect(queued.locator(".askit-text")).to_have_text(QUEUED)


def accept(console: Page, widget: Widget) -> str:
    """The agent accepts the staff member's waiting chat with the keyboard; its handoff id."""
    waiting = console.locator('.queue-group[data-group="service-desk"]')
    expect(waiting.locator(".who")).to_have_text(f"{STAFF} (Northbrook Council)", timeout=LIVE_MS)
    button = console.get_by_role("button", name=re.compile(f"Accept the chat with {STAFF}"))
    handoff_id = button.get_attribute("data-accept")
    assert handoff_id
    before = widget.bot_messages.count()
    tab_to(console, button)
    console.keyboard.press("Enter")
    expect(console.locator("#chat-heading")).to_have_text(f"Chat with {STAFF}", timeout=LIVE_MS)
    # The joining line the staff member gets, in the chat's history.
    expect(console.locator("#messages .from-system")).to_have_count(1, timeout=LIVE_MS)
    joined = widget.next_reply(before)
    expect(joined).to_have_attribute("data-flow", "handoff_started")
    expect(joined.locator(".askit-text")).to_have_text(f"{AGENT} from the Service Desk has joined the chat.")
    return handoff_id


def agent_writes(console: Page, text: str, *, note: bool = False) -> None:
    """Type into the composer and press Enter, as a message or (``note``) a private note, and wait
    for the broker's acknowledgement."""
    toggle = console.get_by_role("button", name="Private note (only agents see this)")
    if (toggle.get_attribute("aria-pressed") == "true") != note:
        tab_to(console, toggle)
        console.keyboard.press("Enter")
    tab_to(console, console.get_by_role("textbox", name=re.compile("^Message")))
    console.keyboard.type(text)
    console.keyboard.press("Enter")
    expect(console.locator("#messages .pending")).to_have_count(0, timeout=LIVE_MS)


def close_chat(console: Page, note: str) -> None:
    tab_to(console, console.get_by_label("Closing note (goes on the ticket)"))
    console.keyboard.type(note)
    tab_to(console, console.get_by_role("button", name="Close chat…"))
    console.keyboard.press("Enter")
    expect(console.get_by_role("button", name="Yes, close the chat")).to_be_focused()
    console.keyboard.press("Enter")
    expect(console.locator("#chat")).to_be_hidden(timeout=LIVE_MS)


def user_lines(console: Page) -> Locator:
    return console.locator("#messages .from-user .body")


def said(widget: Widget, flow: str) -> Locator:
    """The bot's messages of ``flow`` in the widget (found by flow: the desk's news of the chat's
    ticket may come in between at any time after the close)."""
    return widget.page.locator(f'.askit-from-bot[data-flow="{flow}"]')


def flows_while_handed_off(widget: Widget) -> list[str | None]:
    """The flow of every bot message in the widget from the queue's reply to the chat's end."""
    flows: list[str | None] = widget.bot_messages.evaluate_all("(els) => els.map((e) => e.dataset.flow || null)")
    return flows[flows.index("handoff_queued") + 1 : flows.index("handoff_ended")]


def store(servers: Servers) -> HandoffStore:
    return HandoffStore.open(servers.chat.stack.extra_env["ASKIT_BACKOFFICE_DB"])


def ticket_of(chat: Chat, staff: Staff) -> dict[str, Any] | None:
    return next((t for t in chat.tickets() if t["requester_id"] == staff.sub and "Live chat" in t["summary"]), None)


def test_staff_and_agent_chat_in_their_browsers_and_the_desk_gets_the_transcript(
    servers: Servers, people: People
) -> None:
    widget, console = people.widget, people.console
    answer = widget.says(lambda: widget.ask(QUESTION))
    expect(answer).to_have_attribute("data-article-id", "password-reset")  # outside a chat, the bot answers it

    # The agent goes available; the staff member asks for a person and is told their place.
    go_available(console)
    ask_for_a_person(widget)
    handoff_id = accept(console, widget)
    expect(console.locator("#bot-conversation")).to_contain_text(QUESTION, timeout=LIVE_MS)  # asked the bot before

    # Several messages sent quickly reach the console all, once, in order; a typed password never does.
    burst = ["It says my password is wrong", "my old password was Tr0ub4dor&3", "I'm on my laptop at home"]
    for line in burst:
        widget.ask(line)
    burst[1] = "my old password was [redacted]"
    expect(user_lines(console)).to_have_text(burst, timeout=LIVE_MS)

    # The agent types: the staff member sees who is typing; two replies arrive in order.
    replies = ["Are you on the VPN?", "I can reset it for you now."]
    tab_to(console, console.get_by_role("textbox", name=re.compile("^Message")))
    console.keyboard.type(replies[0])
    expect(widget.page.locator(".askit-typing-name")).to_have_text(f"{AGENT} is typing…", timeout=LIVE_MS)
    console.keyboard.press("Enter")
    agent_writes(console, replies[1])
    expect(console.locator("#messages .from-agent .body")).to_have_text(replies)
    expect(said(widget, "handoff_message").locator(".askit-text")).to_have_text(
        [f"{AGENT} (Service Desk): {r}" for r in replies], timeout=LIVE_MS
    )

    # The staff member types: the agent sees it; the line goes when they press Enter.
    widget.input.press_sequentially("one more thing")
    expect(console.locator("#typing")).to_have_text(f"{STAFF} is typing…", timeout=LIVE_MS)
    widget.input.fill("")

    # A question the bot knows is the person's now: the console showing it means the broker took it
    # from Rasa, so no answer can follow (checked at the close).
    widget.ask(QUESTION)
    expect(user_lines(console)).to_have_text([*burst, QUESTION], timeout=LIVE_MS)

    # Both pages mid-chat, checked by axe-core.
    assert widget.axe() == []
    console.locator("#context").evaluate("(el) => { el.open = true; }")
    assert axe(console) == []
    console.locator("#context").evaluate("(el) => { el.open = false; }")

    # A private note, then the close with a note: the bot is back and asks for a rating.
    note, closing = "Reset in AD, told to use the VPN", "Password reset; signs in again"
    agent_writes(console, note, note=True)
    expect(console.locator("#messages .from-note .body")).to_have_text(note)
    close_chat(console, closing)
    ended = said(widget, "handoff_ended")
    expect(ended.locator(".askit-text")).to_contain_text("I'm back", timeout=LIVE_MS)
    assert flows_while_handed_off(widget) == ["handoff_started", "handoff_message", "handoff_message"]
    expect(widget.page.locator(".askit-log")).not_to_contain_text(note)
    rating = ended.get_by_role("group", name="Choices").get_by_role("button")
    expect(rating).to_have_text(["1", "2", "3", "4", "5"])
    rating.nth(3).click()
    expect(said(widget, "handoff_rated").locator(".askit-text")).to_have_text(
        "Thank you for rating the chat.", timeout=LIVE_MS
    )
    assert store(servers).get(handoff_id).csat == 4

    # The desk's ticket: the transcript, the note and the closing note; the typed password and no key.
    wait_until(
        lambda: ticket_of(servers.chat, people.staff) is not None, TICKET_SECONDS, "the chat's ticket", interval=0.5
    )
    ticket = ticket_of(servers.chat, people.staff)
    assert ticket is not None
    text = ticket["description"]
    assert f"(handoff {handoff_id}), taken by {AGENT}." in text
    assert f"Closing note: {closing}" in text
    transcript = [line.split("] ", 1)[1] for line in text.splitlines() if line.startswith("[")]
    assert transcript == [
        f"{AGENT}: {AGENT} from the Service Desk has joined the chat.",
        *(f"{STAFF}: {line}" for line in burst),
        *(f"{AGENT}: {reply}" for reply in replies),
        f"{STAFF}: {QUESTION}",
        f"{AGENT} (private note): {note}",
    ]
    stack = servers.chat.stack
    for secret in ("Tr0ub4dor&3", AGENT_SECRET, servers.chat.widget_secret, stack.api_token, stack.identity_key):
        assert secret not in text + ticket["summary"]


def test_a_rasa_session_starting_mid_chat_does_not_give_the_conversation_to_the_bot(
    servers: Servers, people: People
) -> None:
    widget, console = people.widget, people.console
    answer = widget.says(lambda: widget.ask(QUESTION))
    expect(answer).to_have_attribute("data-article-id", "password-reset")
    go_available(console)
    ask_for_a_person(widget)
    handoff_id = accept(console, widget)

    # Rasa starts a session after an idle hour, recording these: here without the hour.
    conversation = store(servers).get(handoff_id).conversation
    started = requests.post(
        f"{servers.chat.stack.rasa_url}/conversations/{conversation}/tracker/events",
        params={"token": servers.chat.stack.api_token},
        json=[
            {"event": "action", "name": "action_session_start"},
            {"event": "session_started"},
            {"event": "action", "name": "action_listen"},
        ],
        timeout=REQUEST_TIMEOUT,
    )
    assert started.status_code == 200, started.text

    widget.ask(QUESTION)
    expect(user_lines(console)).to_have_text([QUESTION], timeout=LIVE_MS)
    agent_writes(console, "Still with you: resetting it now.")
    close_chat(console, "Reset after a new Rasa session")
    expect(said(widget, "handoff_ended")).to_have_count(1, timeout=LIVE_MS)
    assert flows_while_handed_off(widget) == ["handoff_started", "handoff_message"]

    # The bot is back: the same question gets the article again.
    widget.ask(QUESTION)
    expect(widget.page.locator('.askit-from-bot[data-article-id="password-reset"]')).to_have_count(2, timeout=TURN_MS)
