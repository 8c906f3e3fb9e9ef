"""The agent console's page and token (bot/backoffice/agents.py) in-process: only agents get them;
the token verifies with the shared secret, lasts at most 10 minutes, and carries only the agent's
councils and the groups serving them; the page's CSP lets scripts reach the Rasa server and nothing
else; hostile parameters and cross-site requests are refused."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from starlette.testclient import TestClient

from bot.backoffice.__main__ import build
from bot.backoffice.agents import agents_routes
from bot.backoffice.app import create_app
from bot.backoffice.settings import load_settings
from bot.handoff import agent_token
from bot.handoff.settings import HandoffSettings
from bot.sql import Database
from tests.backoffice.conftest import BASE_URL, SECRET, Browser

TOKEN_SECRET = "t" * 40
RASA_URL = "http://127.0.0.1:5999"
JSON = {"accept": "application/json"}


def console_app(db: Database, env: dict[str, str]) -> TestClient:
    settings = load_settings({"ASKIT_BACKOFFICE_SECRET": SECRET, **env}, dev=True, port=5057)
    app = create_app(settings, db, dev=True, routes=agents_routes(HandoffSettings.load()))
    return TestClient(app, base_url=BASE_URL)


@pytest.fixture
def console(db: Database) -> Iterator[Browser]:
    env = {"ASKIT_AGENT_TOKEN_SECRET": TOKEN_SECRET, "ASKIT_RASA_PUBLIC_URL": RASA_URL}
    with console_app(db, env) as client:
        yield Browser(client)


def token_of(console: Browser) -> dict[str, object]:
    reply = console.client.get("/agents/token", headers=JSON)
    assert reply.status_code == 200, reply.text
    body: dict[str, object] = reply.json()
    return body


def test_an_agent_gets_the_page_with_its_script_and_the_socket_client(console: Browser) -> None:
    console.sign_in("agent")
    page = console.client.get("/agents")
    assert page.status_code == 200
    assert '<script src="/vendor/socket.io.min.js"></script>' in page.text
    assert '<script src="/static/agents.js"></script>' in page.text
    assert "<script>" not in page.text  # no inline script: the CSP forbids them
    assert 'data-agent-id="dev-agent"' in page.text
    for group in HandoffSettings.load().groups.values():
        assert f'data-group="{group.id}"' in page.text
    assert console.client.get("/vendor/socket.io.min.js").status_code == 200
    assert console.client.get("/static/agents.js").status_code == 200
    csp = page.headers["content-security-policy"]
    assert f"connect-src 'self' {RASA_URL} ws://127.0.0.1:5999" in csp
    assert "script-src" not in csp and "default-src 'self'" in csp  # scripts: this site's files only


def test_the_chats_messages_scroll_with_the_keyboard(console: Browser) -> None:
    """A long chat scrolls its message list: focusable, or a keyboard cannot scroll it (axe-core's
    scrollable-region-focusable, found by tests/e2e/test_handoff_browsers.py)."""
    console.sign_in("agent")
    assert (
        '<ol class="messages" id="messages" aria-labelledby="messages-heading" tabindex="0">'
        in console.client.get("/agents").text
    )


def test_the_home_page_links_the_console_for_agents_only(console: Browser) -> None:
    console.sign_in("agent")
    assert '<a href="/agents">Agent console</a>' in console.client.get("/").text
    console.sign_in("manager")
    assert "Agent console" not in console.client.get("/").text


def test_the_token_says_who_the_agent_is_and_verifies_with_the_secret(console: Browser) -> None:
    console.sign_in("agent")
    before = time.time()
    body = token_of(console)
    assert set(body) == {"token", "expires_in", "socket_url"}
    assert body["socket_url"] == RASA_URL
    assert isinstance(body["expires_in"], int) and 0 < body["expires_in"] <= 600
    claims = agent_token.verify(body["token"], TOKEN_SECRET, time.time())
    assert (claims.id, claims.name, claims.councils) == ("dev-agent", "Demo agent", ("all",))
    assert claims.groups == tuple(HandoffSettings.load().groups)
    raw = jwt.decode(str(body["token"]), TOKEN_SECRET, algorithms=["HS256"], audience="askit-agents")
    assert raw["iss"] == "askit-backoffice" and 0 < raw["exp"] - raw["iat"] <= 600 and raw["iat"] >= int(before)
    assert raw["exp"] - raw["iat"] == body["expires_in"]
    assert set(raw) == {"sub", "name", "groups", "councils", "aud", "iss", "iat", "exp"}
    # The broker's side of the same contract: another key, or the token once expired, is refused.
    with pytest.raises(agent_token.AgentTokenRejected):
        agent_token.verify(body["token"], "another key, long enough to be one!!", time.time())
    with pytest.raises(agent_token.AgentTokenRejected):
        agent_token.verify(body["token"], TOKEN_SECRET, raw["exp"] + 120)


def test_a_councils_agent_gets_only_that_council_and_the_groups_serving_it(console: Browser) -> None:
    console.sign_in("agent-riverside")
    claims = agent_token.verify(token_of(console)["token"], TOKEN_SECRET, time.time())
    assert claims.councils == ("riverside",)
    groups = HandoffSettings.load().groups
    serving = tuple(g.id for g in groups.values() if "all" in g.councils or "riverside" in g.councils)
    assert claims.groups == serving
    assert all("all" in groups[g].councils or "riverside" in groups[g].councils for g in claims.groups)
    page = console.client.get("/agents").text
    assert all(f'data-group="{g}"' not in page for g in groups if g not in serving)


def test_a_northbrook_agent_is_not_given_a_riverside_only_group() -> None:
    from bot.backoffice.agents import agent_of
    from bot.backoffice.roles import Grant, Person

    groups = list(HandoffSettings.load().groups.values())
    person = Person("p1", "Pat", None, None, (Grant("agent", "northbrook"),))
    agent = agent_of(person, groups)
    assert agent.councils == ("northbrook",)
    assert "riverside-applications" not in agent.groups and "service-desk" in agent.groups


@pytest.mark.parametrize("who", ["manager", "editor", "approver", "admin", "manager-riverside"])
def test_other_roles_are_refused(console: Browser, who: str) -> None:
    console.sign_in(who)
    assert console.client.get("/agents").status_code == 403
    reply = console.client.get("/agents/token", headers=JSON)
    assert reply.status_code == 403 and "token" not in reply.json()


def test_nobody_signed_in_is_sent_to_sign_in_or_told_401(console: Browser) -> None:
    reply = console.client.get("/agents", follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/signin?next=%2Fagents"
    assert console.client.get("/agents/token", headers=JSON).status_code == 401


def test_the_token_is_not_for_other_sites(console: Browser) -> None:
    console.sign_in("agent")
    reply = console.client.get(
        "/agents/token", headers={**JSON, "origin": "https://evil.example", "sec-fetch-site": "cross-site"}
    )
    assert reply.status_code == 403 and "token" not in reply.json()
    same = console.client.get("/agents/token", headers={**JSON, "sec-fetch-site": "same-origin"})
    assert same.status_code == 200
    assert not any(h.lower().startswith("access-control-") for h in same.headers)
    assert same.headers["content-type"] == "application/json" and same.headers["cache-control"] == "no-store"
    # A state-changing method is not a way in either: no such route, and no CSRF token.
    assert console.client.post("/agents/token", headers=JSON).status_code in (403, 405)


@pytest.mark.parametrize("chat", ["<script>alert(1)</script>", "x" * 5000, "a' OR 1=1 --", "../../etc/passwd"])
def test_hostile_chat_ids_are_refused_and_not_echoed(console: Browser, chat: str) -> None:
    console.sign_in("agent")
    reply = console.client.get("/agents", params={"chat": chat})
    assert reply.status_code == 400 and chat not in reply.text and "<script>alert" not in reply.text


def test_a_chat_id_opens_that_chat(console: Browser) -> None:
    console.sign_in("agent")
    assert 'data-chat="h-123_abc"' in console.client.get("/agents", params={"chat": "h-123_abc"}).text


def test_hostile_parameters_on_the_token_change_nothing(console: Browser) -> None:
    console.sign_in("agent-riverside")
    reply = console.client.get("/agents/token", params={"councils": "all", "groups": "x", "sub": "admin"}, headers=JSON)
    claims = agent_token.verify(reply.json()["token"], TOKEN_SECRET, time.time())
    assert claims.id == "dev-agent-riverside" and claims.councils == ("riverside",)


def test_without_the_secret_the_console_says_it_is_off(db: Database) -> None:
    with console_app(db, {}) as client:
        browser = Browser(client)
        browser.sign_in("agent")
        page = client.get("/agents")
        assert page.status_code == 200 and "ASKIT_AGENT_TOKEN_SECRET" in page.text and "agents.js" not in page.text
        assert "connect-src" not in page.headers["content-security-policy"]
        assert client.get("/agents/token", headers=JSON).status_code == 503


def test_the_console_serves_the_groups_of_the_handoff_file_the_broker_reads(tmp_path: Path) -> None:
    """ASKIT_HANDOFF_FILE, not the shipped handoff.yml: otherwise the console lists, and its token
    claims, groups the broker does not have (found by tests/e2e/test_handoff_browsers.py)."""
    handoff = tmp_path / "handoff.yml"
    handoff.write_text(
        "hours:\n  default:\n    mon: closed\ngroups:\n  identity-access:\n    name: Accounts and Access\n"
        "    councils: all\n",
        encoding="utf-8",
    )
    env = {
        "ASKIT_BACKOFFICE_SECRET": SECRET,
        "ASKIT_BACKOFFICE_DB": str(tmp_path / "backoffice.sqlite"),
        "ASKIT_HANDOFF_FILE": str(handoff),
        "ASKIT_AGENT_TOKEN_SECRET": TOKEN_SECRET,
    }
    with TestClient(build(env, dev=True, port=5057), base_url=BASE_URL) as client:
        console = Browser(client)
        console.sign_in("agent")
        assert agent_token.verify(token_of(console)["token"], TOKEN_SECRET, time.time()).groups == ("identity-access",)
        page = client.get("/agents").text
        assert 'class="queue-group" data-group="identity-access"' in page
        assert 'class="queue-group" data-group="service-desk"' not in page
