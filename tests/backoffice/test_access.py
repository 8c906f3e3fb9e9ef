"""Who may reach what: roles per council checked on every request, sessions that end, CSRF on every
change, and the attacks the back office must shrug off (forged identity, tampered cookie, huge input)."""

from __future__ import annotations

import base64
import json

import pytest
from itsdangerous import TimestampSigner
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from bot.backoffice import audit
from bot.backoffice.app import COOKIE, create_app
from bot.backoffice.guards import MAX_BODY_BYTES
from bot.backoffice.sessions import ABSOLUTE_LIFETIME, IDLE_TIMEOUT
from bot.backoffice.settings import load_settings
from bot.sql import Database
from tests.backoffice.conftest import BASE_URL, SECRET, Browser, csrf_of


def replace_cookie(client: TestClient, value: str) -> None:
    client.cookies.clear()
    client.cookies.set(COOKIE, value, domain="127.0.0.1")


def test_signed_out_pages_redirect_to_sign_in_and_json_answers_401(app_client: TestClient) -> None:
    page = app_client.get("/insights/riverside", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/signin?next=%2Finsights%2Friverside"
    assert app_client.get("/api/drafts").status_code == 401
    assert app_client.get("/", headers={"accept": "application/json"}).status_code == 401


@pytest.mark.parametrize(
    "who, path, status",
    [
        ("editor", "/insights/riverside", 403),  # another role's page
        ("manager-riverside", "/insights/riverside", 200),
        ("manager-riverside", "/insights/northbrook", 403),  # another council's
        ("manager", "/insights/northbrook", 200),  # every council's manager
        ("admin", "/insights/riverside", 403),  # admin is its own role, not every role
        ("editor", "/api/drafts", 200),
        ("agent", "/api/drafts", 403),
    ],
)
def test_roles_and_councils_are_checked_on_the_server(browser: Browser, who: str, path: str, status: int) -> None:
    browser.sign_in(who)
    reply = browser.client.get(path)
    assert reply.status_code == status, reply.text
    if status == 403 and not path.startswith("/api/"):
        assert "Not allowed" in reply.text


def test_the_home_page_lists_only_the_sections_a_persons_roles_open(browser: Browser) -> None:
    browser.sign_in("manager-riverside")
    home = browser.client.get("/").text
    assert "Insights" in home and "Riverside Council" in home and 'href="/insights"' in home
    assert "Agent console" not in home and "Studio" not in home and "Coming soon" not in home


def test_csrf_is_required_on_every_change(browser: Browser, app_client: TestClient, db: Database) -> None:
    browser.sign_in("editor")
    token = browser.csrf()
    assert app_client.post("/studio/drafts", data={"text": "x"}).status_code == 403  # missing
    assert app_client.post("/studio/drafts", data={"text": "x", "csrf_token": "wrong"}).status_code == 403
    assert app_client.post("/studio/drafts", data={"text": "x"}, headers={"X-CSRF-Token": token}).status_code == 200
    assert app_client.post("/studio/drafts", data={"text": "x", "csrf_token": token}).text == "saved 1 characters"
    # A token from another session does not open this one.
    other = Browser(TestClient(app_client.app, base_url=BASE_URL))
    other.sign_in("editor")
    assert other.client.post("/studio/drafts", data={"text": "x", "csrf_token": token}).status_code == 403
    assert app_client.post("/signout", data={}).status_code == 403  # sign-out is a change too


def test_a_tampered_cookie_signs_out(browser: Browser) -> None:
    browser.sign_in("editor")
    assert browser.client.get("/api/drafts").status_code == 200
    value = browser.client.cookies[COOKIE]
    data, rest = value.split(".", 1)
    session = json.loads(base64.b64decode(data))
    forged = base64.b64encode(json.dumps({**session, "sid": "forged"}).encode()).decode()
    replace_cookie(browser.client, f"{forged}.{rest}")
    assert browser.client.get("/api/drafts").status_code == 401


def test_a_cookie_signed_with_another_key_is_not_believed(app_client: TestClient, browser: Browser) -> None:
    browser.sign_in("editor")
    assert app_client.get("/api/drafts").status_code == 200
    session = json.loads(base64.b64decode(app_client.cookies[COOKIE].split(".", 1)[0]))
    forged = TimestampSigner("not-the-key" * 4).sign(base64.b64encode(json.dumps(session).encode())).decode()
    replace_cookie(app_client, forged)
    assert app_client.get("/api/drafts").status_code == 401


@pytest.mark.parametrize("column, age", [("created_at", ABSOLUTE_LIFETIME + 1), ("seen_at", IDLE_TIMEOUT + 1)])
def test_an_expired_session_is_signed_out(browser: Browser, db: Database, column: str, age: float) -> None:
    browser.sign_in("editor")
    assert browser.client.get("/api/drafts").status_code == 200
    with db.transaction() as tx:
        tx.execute(f"UPDATE backoffice_sessions SET {column} = {column} - ?", (age,))
    assert browser.client.get("/api/drafts").status_code == 401
    with db.transaction() as tx:
        assert tx.execute("SELECT COUNT(*) AS n FROM backoffice_sessions").fetchone()["n"] == 0


def test_sign_out_ends_the_session_for_good(browser: Browser, db: Database) -> None:
    browser.sign_in("agent")
    cookie = browser.client.cookies[COOKIE]
    reply = browser.client.post("/signout", data={"csrf_token": browser.csrf()})
    assert reply.url.path == "/signin" and "You have signed out" in reply.text
    replace_cookie(browser.client, cookie)  # the old cookie, replayed
    assert browser.client.get("/api/drafts").status_code == 401
    assert [e.action for e in audit.entries(db)] == ["signout", "signin"]


def test_sign_ins_are_audited_with_who_and_how(browser: Browser, db: Database) -> None:
    browser.sign_in("manager-riverside")
    [entry] = audit.entries(db)
    assert (entry.who, entry.action, entry.target, entry.detail) == (
        "dev-manager-riverside",
        "signin",
        "dev-manager-riverside",
        {"method": "dev", "tenant": None},
    )


def test_a_forged_identity_in_the_form_signs_nobody_in(app_client: TestClient) -> None:
    token = csrf_of(app_client.get("/dev/signin").text)
    forged = {"csrf_token": token, "person": "admin", "id": "someone-else", "grants": "admin"}
    app_client.post("/dev/signin", data=forged)
    assert "Demo admin" in app_client.get("/").text  # the demo person only, whatever else is sent
    reply = app_client.post("/dev/signin", data={"csrf_token": token, "person": "superuser"})
    assert reply.status_code in (400, 403)


def test_huge_input_is_refused_with_413_and_the_app_keeps_serving(browser: Browser) -> None:
    browser.sign_in("editor")
    token = browser.csrf()
    huge = "x" * (MAX_BODY_BYTES + 1)
    assert browser.client.post("/studio/drafts", data={"text": huge, "csrf_token": token}).status_code == 413

    def chunks():  # no Content-Length: counted as it arrives
        yield f"csrf_token={token}&text=".encode()
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"x" * 65536

    streamed = browser.client.post(
        "/studio/drafts", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert streamed.status_code == 413
    many = "&".join(f"f{i}=1" for i in range(5000)) + f"&csrf_token={token}"
    crowded = browser.client.post(
        "/studio/drafts", content=many, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert 400 <= crowded.status_code < 500
    assert browser.client.get("/api/drafts").status_code == 200


def test_the_development_sign_in_does_not_exist_without_dev(db: Database) -> None:
    settings = load_settings({"ASKIT_BACKOFFICE_SECRET": SECRET}, dev=True, port=5057)
    client = TestClient(create_app(settings, db, dev=False), base_url=BASE_URL)
    assert client.get("/dev/signin").status_code == 404
    assert client.post("/dev/signin", data={"person": "admin"}).status_code in (403, 404)
    assert "demo person" not in client.get("/signin").text


def test_a_route_that_does_not_say_who_may_use_it_is_refused(db: Database) -> None:
    async def open_page(request: Request) -> Response:
        return PlainTextResponse("anyone")

    settings = load_settings({"ASKIT_BACKOFFICE_SECRET": SECRET}, dev=True, port=5057)
    with pytest.raises(ValueError, match="route /open says nobody may use it"):
        create_app(settings, db, dev=True, routes=[Route("/open", open_page)])


def test_pages_carry_security_headers_and_a_private_cookie(app_client: TestClient) -> None:
    token = csrf_of(app_client.get("/dev/signin").text)
    reply = app_client.post("/dev/signin", data={"csrf_token": token, "person": "agent"}, follow_redirects=False)
    assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
    cookie = reply.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie  # http on loopback


def test_the_cookie_is_secure_and_host_only_unless_on_loopback_http(db: Database) -> None:
    env = {"ASKIT_BACKOFFICE_SECRET": SECRET, "ASKIT_BACKOFFICE_PUBLIC_URL": "https://askit.example"}
    client = TestClient(create_app(load_settings(env, dev=True), db, dev=True), base_url="https://askit.example")
    reply = client.get("/dev/signin")
    assert (
        reply.headers["set-cookie"].startswith(f"__Host-{COOKIE}=") and "secure" in reply.headers["set-cookie"].lower()
    )
