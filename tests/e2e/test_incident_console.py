"""Known incidents in the agent console, in Chromium: the real back office (uvicorn, development
sign-in) on its own database. An agent types an incident into the declare form, forgets the
questions and is told so next to that field with what they typed kept, declares it, sees it listed,
updates it with the keyboard, and resolves it after confirming. axe-core finds no WCAG 2.2 AA
violation in any of those states, and the list reflows at 320 CSS px."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bot.backoffice import audit
from bot.backoffice.storage import open_storage
from bot.incidents.store import IncidentStore
from tests.e2e.backoffice_server import dev_backoffice
from tests.e2e.test_agent_console import tab_to
from tests.e2e.test_backoffice_signin import axe

START_TIMEOUT = 60.0


@dataclass
class Server:
    url: str
    database: str


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    database = str(tmp_path / "backoffice.sqlite")
    with dev_backoffice(tmp_path, {"ASKIT_BACKOFFICE_DB": database}) as url:
        yield Server(url, database)


def type_into(page: Page, label: str, text: str, within: str = "#declare") -> None:
    """Type ``text`` into the field labelled ``label``, key by key; a new line is Enter."""
    field = page.locator(within).get_by_label(label, exact=True)
    field.click()
    for n, line in enumerate(text.split("\n")):
        if n:
            page.keyboard.press("Enter")
        page.keyboard.type(line)


def no_violations(page: Page, state: str) -> None:
    found = axe(page)
    assert found == [], f"{state}: {found}"


@pytest.mark.own_stack
def test_an_agent_declares_updates_and_resolves_an_incident(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/dev/signin")
    page.get_by_role("button", name="Sign in as Demo agent", exact=True).click()
    page.get_by_role("link", name="Known incidents").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Known incidents")
    expect(page.get_by_role("heading", name="Active incidents (0)")).to_be_visible()
    no_violations(page, "no incidents")

    # The form, typed in, but without the questions staff would ask.
    type_into(page, "Title", "VPN unavailable")
    type_into(page, "What staff will notice", "The VPN will not connect from home.\nThe office network is fine.")
    page.locator("#declare").get_by_label("Riverside Council").check()
    page.locator("#declare").get_by_label("Northbrook Council").check()
    type_into(page, "Services affected (optional)", "VPN, Citrix")
    type_into(page, "Workaround (optional)", "Use Citrix from the browser.")
    page.locator("#declare").get_by_label("Next update due (optional)").fill("2099-12-01T10:00")
    type_into(page, "Desk reference (optional)", "MI-1042")
    page.get_by_role("button", name="Declare the incident").click()

    # Refused: the problem is read first, named next to its field, and nothing typed is lost.
    problems = page.locator("#declare .error-summary")
    expect(problems).to_be_focused()
    expect(problems).to_contain_text("Questions: needs at least one")
    questions = page.locator("#d-questions")
    expect(questions).to_have_attribute("aria-invalid", "true")
    expect(questions).to_have_attribute("aria-describedby", "d-questions-hint d-questions-error")
    expect(page.locator("#d-questions-error")).to_contain_text("Questions: needs at least one")
    expect(page.locator("#d-title")).to_have_value("VPN unavailable")
    expect(page.locator("#d-summary")).to_have_value("The VPN will not connect from home.\nThe office network is fine.")
    expect(page.locator("#d-councils-riverside")).to_be_checked()
    expect(page.locator("#d-desk_ref")).to_have_value("MI-1042")
    no_violations(page, "the declare form refused")
    problems.get_by_role("link").click()  # the problem's link takes the agent to the field
    expect(questions).to_be_focused()

    page.keyboard.type("vpn not connecting")
    page.keyboard.press("Enter")
    page.keyboard.type("I can't get on the VPN from home")
    page.get_by_role("button", name="Declare the incident").click()
    expect(page.get_by_role("status")).to_have_text(
        "Declared “VPN unavailable”: staff of its councils now get its card."
    )
    expect(page.get_by_role("heading", name="Active incidents (1)")).to_be_visible()
    card = page.get_by_role("article", name="VPN unavailable")
    expect(card).to_contain_text("Northbrook Council, Riverside Council")  # as the form lists them
    expect(card).to_contain_text("MI-1042")
    expect(card).to_contain_text("Tue 1 Dec 2099, 10:00")  # the next update, another year's
    expect(card).to_contain_text("Investigating: the cause is not known yet")
    expect(page.locator("#d-title")).to_have_value("")  # a fresh form for the next one
    no_violations(page, "one incident listed")
    store = IncidentStore.open(server.database)
    [incident] = store.listed()
    assert (incident.source, incident.questions) == (
        "agent",
        ("vpn not connecting", "I can't get on the VPN from home"),
    )

    # Update, keyboard only: open the form, choose the status, write to subscribers, save.
    toggle = card.locator("summary")
    tab_to(page, toggle)
    page.keyboard.press("Enter")
    status = card.get_by_label("Status")
    tab_to(page, status)
    page.keyboard.press("ArrowDown")
    expect(status).to_have_value("identified")
    tab_to(page, card.get_by_label("Note to subscribers (optional)"))
    page.keyboard.type("The supplier has found a failed certificate.")
    no_violations(page, "the update form open")
    tab_to(page, card.get_by_role("button", name="Save the update"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Updated “VPN unavailable” (version 2)")
    expect(card).to_contain_text("Identified: the cause is known")
    expect(card).to_contain_text("Version 2")
    no_violations(page, "updated")

    # Resolve, after saying yes.
    card.get_by_role("link", name="Resolve this incident…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Resolve an incident")
    no_violations(page, "the resolve confirmation")
    page.get_by_label("Note to subscribers (optional)").fill("Fixed: reconnect the VPN.")
    page.get_by_role("button", name="Yes, resolve it").click()
    expect(page.get_by_role("status")).to_have_text("Resolved “VPN unavailable”: staff no longer get its card.")
    expect(page.get_by_role("heading", name="Active incidents (0)")).to_be_visible()
    resolved = page.locator("section", has=page.get_by_role("heading", name="Resolved in the last 7 days"))
    expect(resolved.get_by_role("article", name="VPN unavailable")).to_contain_text("Resolved")
    no_violations(page, "resolved")
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

    done = store.get(incident.id)
    assert (done.status, done.version) == ("resolved", 3)
    assert [c.text for c in store.changes_after(incident.id, 1)] == [
        "The supplier has found a failed certificate.",
        "Fixed: reconnect the VPN.",
    ]
    actions = [e.action for e in audit.entries(open_storage(server.database), 20) if e.who == "dev-agent"]
    assert actions[:3] == ["incident.resolve", "incident.update", "incident.declare"]


@pytest.mark.own_stack
def test_a_resolve_page_left_open_says_a_colleague_resolved_it_first(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/dev/signin")
    page.get_by_role("button", name="Sign in as Demo agent (riverside)", exact=True).click()
    page.goto(f"{server.url}/agents/incidents")
    type_into(page, "Title", "Printing down")
    type_into(page, "What staff will notice", "Nothing prints.")
    type_into(page, "Questions staff would ask", "printer not working")
    expect(page.locator("#declare").get_by_label("Riverside Council")).to_be_checked()  # their one council
    assert page.locator("#declare").get_by_label("Northbrook Council").count() == 0
    page.get_by_role("button", name="Declare the incident").click()
    page.get_by_role("link", name="Resolve this incident…").click()
    [incident] = IncidentStore.open(server.database).listed()
    IncidentStore.open(server.database).resolve(incident.id, now=incident.started_at + 60)  # a colleague, first
    page.get_by_role("button", name="Yes, resolve it").click()
    expect(page.get_by_role("status")).to_contain_text("“Printing down” was resolved already")
    assert page.get_by_role("button", name="Yes, resolve it").count() == 0
    no_violations(page, "resolved already")
