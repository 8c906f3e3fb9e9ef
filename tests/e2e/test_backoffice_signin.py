"""The back office's sign-in against a real OpenID provider (npm's oidc-provider, run by
tests/e2e/oidc_provider.mjs on loopback) and the back office as a real uvicorn process: Chromium
goes through the provider's login and consent pages; the home page shows each person's sections;
a tenant not allowed, and ID tokens from another issuer, for another audience or expired (signed
with the provider's own key) are refused; an app role cannot reach past its council; axe-core finds
no WCAG 2.2 AA violation on the sign-in and home pages, which reflow at 320 CSS px."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from bot.backoffice import audit
from bot.backoffice.storage import open_storage
from bot.incidents.models import IncidentFields
from bot.incidents.store import IncidentStore
from bot.insights.figures import Gap, GapRun
from bot.insights.store import InsightsStore
from bot.launcher import HOST, free_port
from bot.paths import ROOT
from bot.sql import open_database as sql_database
from tests.insights.history import Chat
from tests.insights.test_figures import history
from tests.waiting import answers, exited, wait_until

E2E = ROOT / "tests" / "e2e"
AXE = E2E / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
START_TIMEOUT = 60.0
RIVERSIDE_AAD, NORTHBROOK_AAD, SOUTHMERE_AAD = (f"6f1b8c2e-0d4a-4b7e-9a51-3c2d1e0f4a0{n}" for n in (2, 1, 3))


def account(tid: str, email: str, name: str, roles: list[str], tamper: str | None = None) -> dict[str, Any]:
    claims = {"tid": tid, "oid": secrets.token_hex(8), "email": email, "name": name, "roles": roles}
    return {"claims": claims, **({"tamper": tamper} if tamper else {})}


ACCOUNTS = {
    "morgan": account(RIVERSIDE_AAD, "morgan@riverside.example", "Morgan Reyes", ["manager", "agent"]),
    # No app role: knowledge_base/backoffice.yml grants this address editor and approver for Riverside.
    "sam": account(RIVERSIDE_AAD, "sam.editor@riverside.example", "Sam Ellis", []),
    # A council's own administrators assign app roles: theirs hold for their council only.
    "escalator": account(RIVERSIDE_AAD, "eve@riverside.example", "Eve Escalator", ["admin", "manager:northbrook"]),
    "outsider": account(SOUTHMERE_AAD, "olly@southmere.example", "Olly Outsider", ["manager"]),
    "forged-issuer": account(RIVERSIDE_AAD, "fi@riverside.example", "Forged Issuer", ["manager"], "issuer"),
    "forged-audience": account(RIVERSIDE_AAD, "fa@riverside.example", "Forged Audience", ["manager"], "audience"),
    "expired": account(RIVERSIDE_AAD, "ex@riverside.example", "Expired Token", ["manager"], "expired"),
}


@dataclass
class Servers:
    backoffice: str
    database: str


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as sink:  # a file, not a pipe: a full pipe would block the server
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    work = tmp_path_factory.mktemp("backoffice-signin")
    op_port, bo_port = free_port(), free_port()
    backoffice = f"http://{HOST}:{bo_port}"
    client_id, client_secret = "askit-backoffice", secrets.token_urlsafe(32)
    accounts = work / "accounts.json"
    accounts.write_text(json.dumps(ACCOUNTS))
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    op_env = {
        **base,
        "OIDC_PORT": str(op_port),
        "OIDC_ACCOUNTS": str(accounts),
        "OIDC_CLIENT_ID": client_id,
        "OIDC_CLIENT_SECRET": client_secret,
        "OIDC_REDIRECT_URI": f"{backoffice}/signin/callback",
    }
    op_log = work / "provider.log"
    provider = _start(["node", str(E2E / "oidc_provider.mjs")], op_env, op_log)
    bo_env = {
        **base,
        "PYTHONPATH": str(ROOT),
        "ASKIT_BACKOFFICE_OIDC_ISSUER": f"http://{HOST}:{op_port}",
        "ASKIT_BACKOFFICE_OIDC_CLIENT_ID": client_id,
        "ASKIT_BACKOFFICE_OIDC_CLIENT_SECRET": client_secret,
        "ASKIT_BACKOFFICE_ALLOWED_TENANTS": f"{RIVERSIDE_AAD},{NORTHBROOK_AAD}",
        "ASKIT_BACKOFFICE_SECRET": secrets.token_urlsafe(32),
        "ASKIT_BACKOFFICE_DB": str(work / "backoffice.sqlite"),
        "ASKIT_BACKOFFICE_PUBLIC_URL": backoffice,
    }
    # Outcomes for the insights dashboard, in the database the back office reads, with a known
    # incident met yesterday (its title read from its record, as the back office reads it).
    log = history(size=400, seed=8).log
    fields = IncidentFields("VPN unavailable", "The VPN will not connect.", ("vpn down",), ("riverside",))
    vpn = IncidentStore.open(bo_env["ASKIT_BACKOFFICE_DB"]).declare(fields, source="cli", now=time.time()).id
    for n in range(3):
        Chat(log, f"vpn-{n}", at=time.time() - 86_400, email=f"vpn{n}@riverside.example").incident_card(vpn).affected(
            vpn
        )
    events = log.write(work / "events.db")
    store = InsightsStore.open(bo_env["ASKIT_BACKOFFICE_DB"])
    store.load(sql_database(events))
    broken = [q.id for q in store.questions() if q.text == "the coffee machine is broken" and q.tenant == "riverside"]
    store.save_gaps(
        GapRun(time.time(), 0.0, float("inf"), len(broken), [Gap("coffee machine", len(broken), {}, (), tuple(broken))])
    )
    command = [sys.executable, "-m", "bot.backoffice", "--host", HOST, "--port", str(bo_port)]
    bo_log = work / "backoffice.log"
    server = _start(command, bo_env, bo_log)
    try:
        wait_until(
            lambda: "ready " in op_log.read_text(), START_TIMEOUT, "the OpenID provider", died=exited(provider, "node")
        )
        wait_until(
            lambda: answers(f"{backoffice}/health"), START_TIMEOUT, "the back office", died=exited(server, "uvicorn")
        )
        yield Servers(backoffice, bo_env["ASKIT_BACKOFFICE_DB"])
    finally:
        for proc in (server, provider):
            proc.terminate()
            proc.wait(timeout=30)
    assert client_secret not in bo_log.read_text(), "the client secret reached the back office's log"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()

    def loopback_only(route: Route) -> None:
        # The provider's pages import a web font: nothing leaves this machine.
        if urlsplit(route.request.url).hostname == HOST:
            route.continue_()
        else:
            route.abort()

    context.route("**/*", loopback_only)
    yield context.new_page()
    context.close()


def sign_in(page: Page, servers: Servers, login: str) -> None:
    page.goto(f"{servers.backoffice}/")
    expect(page).to_have_url(f"{servers.backoffice}/signin?next=%2F")
    page.get_by_role("link", name="Sign in with your organisation account").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def axe(page: Page) -> list[dict[str, Any]]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_TAGS
    )
    return [{"id": v["id"], "targets": [n["target"] for n in v["nodes"]]} for v in result["violations"]]


def sections(page: Page) -> list[str]:
    return page.locator(".section h3").all_inner_texts()


@pytest.mark.own_stack
def test_a_manager_and_agent_signs_in_through_the_provider_and_sees_their_sections(
    page: Page, servers: Servers
) -> None:
    sign_in(page, servers, "morgan")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Morgan Reyes")
    assert sections(page) == ["Insights", "Agent console", "Known incidents"]
    assert page.get_by_role("link", name="Insights").count() == 1  # built: a link
    assert page.get_by_role("link", name="Agent console").count() == 1
    assert page.get_by_role("link", name="Known incidents").count() == 1
    expect(page.locator(".roles")).to_contain_text("manager for Riverside Council")
    assert axe(page) == []
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    assert page.evaluate("() => document.activeElement.matches(':focus-visible')")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You have signed out.")
    assert [
        e.action
        for e in audit.entries(open_storage(servers.database), 20)
        if e.who == ACCOUNTS["morgan"]["claims"]["oid"]
    ][:2] == ["signout", "signin"]


@pytest.mark.own_stack
def test_the_role_mapping_file_gives_an_editor_the_studio(page: Page, servers: Servers) -> None:
    sign_in(page, servers, "sam")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Sam Ellis")
    assert sections(page) == ["Studio"]


@pytest.mark.own_stack
def test_app_roles_from_a_councils_tenant_stay_within_that_council(page: Page, servers: Servers) -> None:
    sign_in(page, servers, "escalator")
    expect(page.locator(".roles")).to_have_text("admin for Riverside Council")
    assert sections(page) == []


@pytest.mark.own_stack
@pytest.mark.parametrize(
    "login, reason",
    [
        ("outsider", "your organisation is not one allowed to use the AskIT back office"),
        ("forged-issuer", "the ID token was not accepted (invalid_claim: Invalid claim: 'iss')"),
        ("forged-audience", "the ID token was not accepted (invalid_claim: Invalid claim: 'aud')"),
        ("expired", "the ID token was not accepted (expired_token: The token is expired)"),
    ],
)
def test_sign_ins_the_back_office_must_not_accept_are_refused_and_audited(
    page: Page, servers: Servers, login: str, reason: str
) -> None:
    sign_in(page, servers, login)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in refused")
    expect(page.locator("main")).to_contain_text(reason)
    page.goto(f"{servers.backoffice}/")
    expect(page).to_have_url(f"{servers.backoffice}/signin?next=%2F")  # nobody was signed in
    refused = audit.entries(open_storage(servers.database), 50, action="signin.refused")
    assert any(e.detail["reason"] == reason for e in refused)


@pytest.mark.own_stack
def test_the_sign_in_page_passes_axe_and_reflows_at_320_px(page: Page, servers: Servers) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{servers.backoffice}/signin")
    assert axe(page) == []
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.own_stack
def test_a_councils_manager_reads_the_insights_dashboard_with_its_charts(page: Page, servers: Servers) -> None:
    sign_in(page, servers, "morgan")  # manager for Riverside only
    page.get_by_role("link", name="Insights").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Insights")
    expect(page.locator("#council")).to_have_value("riverside")
    assert page.locator("#council option").all_inner_texts() == ["Riverside Council"]
    charts = page.locator(".chart[data-drawn='true'] canvas[role='img']")
    expect(charts).to_have_count(2)  # outcomes by week, and the last 12 months, drawn from their tables
    assert all(box and box["height"] > 100 for box in (c.bounding_box() for c in charts.all()))
    assert page.locator("#weeks-table tbody tr").count() == 4 and page.locator("#councils-table").count() == 0
    expect(page.locator("#gaps-table tbody th")).to_have_text(["coffee machine"])  # the last content gaps found
    incidents = page.locator("#incidents-table tbody tr")  # the known incidents met, by their titles
    expect(incidents.locator("th")).to_have_text([re.compile(r"^VPN unavailable \(inc-[0-9a-f]+\)$")])
    expect(incidents.locator("td").nth(2)).to_have_text("3")  # affected
    expect(page.locator("dt", has_text="Tickets avoided")).to_have_count(1)  # and defined on the page
    assert axe(page) == []
    page.set_viewport_size({"width": 320, "height": 640})  # the charts redraw when they notice
    page.wait_for_function("() => document.documentElement.scrollWidth <= window.innerWidth", timeout=10_000)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this table as CSV").first.click()
    assert download.value.suggested_filename == "askit-weeks-riverside.csv"
