"""The starter topics page (bot/backoffice/studio_starters.py) in-process, on SQLite and PostgreSQL,
on an index build of the real articles: an editor for every council sets any council's list and
the every-council list, each save audited; an editor for one council sets only theirs; an unknown
article, another council's, more than five or a missing CSRF token are refused and change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from bot.backoffice import audit
from bot.backoffice.app import create_app
from bot.backoffice.csrf import REFUSED
from bot.backoffice.settings import load_settings
from bot.backoffice.studio_starters import PATH, starters_routes
from bot.knowledge.articles import read_articles
from bot.paths import KNOWLEDGE_BASE_DIR
from bot.sql import Database
from bot.studio.starters import EVERY_COUNCIL, StarterStore
from tests.backoffice.conftest import BASE_URL, SECRET, Browser, signed_in
from tests.studio.test_starters import built_index


@pytest.fixture
def store(db: Database) -> StarterStore:
    return StarterStore(db)


@pytest.fixture
def client(db: Database, store: StarterStore, tmp_path: Path) -> Iterator[TestClient]:
    articles, _ = read_articles(KNOWLEDGE_BASE_DIR / "articles")
    settings = load_settings({"ASKIT_BACKOFFICE_SECRET": SECRET}, dev=True, port=5057)
    routes = starters_routes(store, built_index(tmp_path / "index", articles))
    with TestClient(create_app(settings, db, dev=True, routes=routes), base_url=BASE_URL) as client:
        yield client


def topics(*article_ids: str) -> dict[str, str]:
    return {f"topic-{n}": a for n, a in enumerate(article_ids, start=1)}


def post(browser: Browser, council: str, data: dict[str, Any], csrf: bool = True) -> Any:
    sent = {**data, "csrf_token": browser.csrf()} if csrf else data
    return browser.client.post(f"{PATH}/{council}", data=sent, follow_redirects=False)


def test_an_editor_for_every_council_sets_a_councils_list_and_the_every_council_list(
    client: TestClient, store: StarterStore, db: Database
) -> None:
    editor = signed_in(client, "editor")
    page = editor.client.get(PATH).text
    for council in ("Every council", "Northbrook Council", "Riverside Council", "Southmere Council"):
        assert f"<legend>Starter topics for {council}, first shown first</legend>" in page
    assert '<label for="starters-riverside-1">Topic 1</label>' in page and 'name="topic-5"' in page
    saved = post(editor, "riverside", topics("walk-in-support-riverside", "", "vpn-connect", "", ""))
    assert saved.status_code == 303 and saved.headers["location"] == f"{PATH}#starters-riverside"
    assert store.chosen("riverside") == ["walk-in-support-riverside", "vpn-connect"]
    page = editor.client.get(PATH).text
    assert "Saved the starter topics for Riverside Council: Walk-in IT support desk at Riverside Civic Centre" in page
    riverside = page.split('id="starters-riverside"', 1)[1].split("</section>", 1)[0]
    assert riverside.count(" selected>") == 2 and '<option value="vpn-connect" selected>' in riverside
    assert post(editor, EVERY_COUNCIL, topics("password-reset")).status_code == 303
    assert store.chosen(EVERY_COUNCIL) == ["password-reset"]
    assert post(editor, "riverside", topics()).status_code == 303 and store.chosen("riverside") == []
    entries = [(e.action, e.target, e.detail) for e in audit.entries(db, action="starters.set")]
    assert entries == [
        ("starters.set", "riverside", {"articles": []}),
        ("starters.set", EVERY_COUNCIL, {"articles": ["password-reset"]}),
        ("starters.set", "riverside", {"articles": ["walk-in-support-riverside", "vpn-connect"]}),
    ]


def test_an_editor_for_one_council_sets_only_that_councils_list(client: TestClient, store: StarterStore) -> None:
    riverside = signed_in(client, "editor-riverside")
    page = riverside.client.get(PATH).text
    assert "Starter topics for Riverside Council" in page
    assert "Every council" not in page and "Northbrook Council" not in page
    assert post(riverside, "riverside", topics("vpn-connect")).status_code == 303
    assert post(riverside, "northbrook", topics("vpn-connect")).status_code == 403
    assert post(riverside, EVERY_COUNCIL, topics("vpn-connect")).status_code == 403
    assert store.chosen("northbrook") == store.chosen(EVERY_COUNCIL) == []
    assert store.chosen("riverside") == ["vpn-connect"]


@pytest.mark.parametrize(
    "council,chosen,refusal",
    [
        ("riverside", ("vpn-connect", "no-such-article"), "“no-such-article” is not a live article its staff can see"),
        ("riverside", ("walk-in-support-southmere",), "“walk-in-support-southmere” is not a live article"),
        (EVERY_COUNCIL, ("walk-in-support-riverside",), "“walk-in-support-riverside” is not a live article"),
        ("riverside", ("vpn-connect", "vpn-connect"), "“VPN or remote access will not connect” is chosen twice"),
        (
            "riverside",
            ("vpn-connect", "password-reset", "mfa-setup", "laptop-slow", "leaver", "new-starter"),
            "Choose at most 5 starter topics; 6 were chosen.",
        ),
    ],
)
def test_a_list_that_cannot_be_offered_is_refused_and_changes_nothing(
    client: TestClient, store: StarterStore, db: Database, council: str, chosen: tuple[str, ...], refusal: str
) -> None:
    store.set_chosen(council, ["password-reset"])
    editor = signed_in(client, "editor")
    reply = post(editor, council, topics(*chosen))
    assert reply.status_code == 400 and refusal in reply.text
    assert 'role="alert"' in reply.text and f'aria-describedby="starters-{council}-error"' in reply.text
    assert store.chosen(council) == ["password-reset"] and audit.entries(db, action="starters.set") == []


@pytest.mark.parametrize("token", [None, "", "forged-token-" + "x" * 30])
def test_a_save_without_the_sessions_csrf_token_is_refused(
    client: TestClient, store: StarterStore, token: str | None
) -> None:
    editor = signed_in(client, "editor")
    sent = topics("vpn-connect") if token is None else {**topics("vpn-connect"), "csrf_token": token}
    reply = post(editor, "riverside", sent, csrf=False)
    assert reply.status_code == 403 and reply.text == REFUSED and store.chosen("riverside") == []


def test_nobody_but_an_editor_gets_in(client: TestClient, store: StarterStore) -> None:
    anonymous = client.get(PATH, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/signin")
    for who in ("approver", "agent", "manager"):
        person = signed_in(client, who)
        assert person.client.get(PATH).status_code == 403
        assert post(person, "riverside", topics("vpn-connect")).status_code == 403
    editor = signed_in(client, "editor")
    assert post(editor, "nowhere", topics("vpn-connect")).status_code == 404
    assert store.chosen("riverside") == []
