"""A back office in-process (Starlette's TestClient) with the development sign-in, on a database
the ``location`` fixture gives: SQLite, or a fresh database in a real PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from bot.backoffice.access import requires
from bot.backoffice.app import create_app
from bot.backoffice.settings import load_settings
from bot.backoffice.storage import open_storage
from bot.sql import Database

BASE_URL = "http://127.0.0.1:5057"
SECRET = "s" * 40


@requires("manager", council_param="council")
async def council_report(request: Request) -> Response:
    return PlainTextResponse(f"report for {request.path_params['council']}")


@requires("editor")
async def api_drafts(request: Request) -> Response:
    return JSONResponse({"drafts": []})


@requires("editor")
async def save_draft(request: Request) -> Response:
    async with request.form() as form:
        return PlainTextResponse(f"saved {len(str(form.get('text', '')))} characters")


# Pages as other packages will mount them.
ROUTES = [
    Route("/insights/{council}", council_report),
    Route("/api/drafts", api_drafts),
    Route("/studio/drafts", save_draft, methods=["POST"]),
]


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


class Browser:
    """One browser's session with the back office."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def sign_in(self, who: str) -> None:
        token = csrf_of(self.client.get("/dev/signin").text)
        reply = self.client.post("/dev/signin", data={"csrf_token": token, "person": who})
        assert reply.status_code == 200 and reply.url.path == "/", reply.text

    def csrf(self) -> str:
        return csrf_of(self.client.get("/").text)


def signed_in(client: TestClient, who: str) -> Browser:
    """A browser of its own (its own cookies) on the same app, signed in as ``who``."""
    browser = Browser(TestClient(client.app, base_url=BASE_URL))
    browser.sign_in(who)
    return browser


def post(browser: Browser, path: str, data: dict[str, Any], **kwargs: Any) -> Any:  # the test client's response
    """A form sent as the page sends it: with the session's CSRF token, not following the redirect."""
    return browser.client.post(path, data={**data, "csrf_token": browser.csrf()}, follow_redirects=False, **kwargs)


@pytest.fixture
def db(location: str) -> Database:
    return open_storage(location)


@pytest.fixture
def app_client(db: Database) -> Iterator[TestClient]:
    settings = load_settings({"ASKIT_BACKOFFICE_SECRET": SECRET}, dev=True, port=5057)
    with TestClient(create_app(settings, db, dev=True, routes=ROUTES), base_url=BASE_URL) as client:
        yield client


@pytest.fixture
def browser(app_client: TestClient) -> Browser:
    return Browser(app_client)
