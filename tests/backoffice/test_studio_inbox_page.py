"""The studio's inbox page (bot/backoffice/studio_inbox.py) in-process, on SQLite and PostgreSQL,
on a copy of the articles folder and an insights store loaded from broker events in the same
database: an editor marks a task done, accepts a phrasing into a draft and rejects another, and
starts an article from a content gap with its questions filled in; every decision is audited; a
stale accept is told on the page with the phrasing kept. Refused: nobody without the editor role, a
missing CSRF token, another council's editor, a forged task, huge input."""

from __future__ import annotations

import html
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot import replies, sql
from bot.backoffice import audit
from bot.backoffice.app import create_app
from bot.backoffice.csrf import REFUSED
from bot.backoffice.settings import load_settings
from bot.backoffice.studio import PATH, studio_routes
from bot.backoffice.studio_inbox import INBOX, inbox_routes
from bot.insights.figures import DAY, Gap, GapRun
from bot.insights.store import InsightsStore
from bot.paths import KNOWLEDGE_BASE_DIR
from bot.studio.folder import ArticleFolder
from bot.studio.inbox import Inbox, folded, gap_key
from bot.studio.inbox_store import InboxStore
from bot.studio.store import StudioStore
from bot.studio.workflow import Studio
from tests.backoffice.conftest import BASE_URL, SECRET, post, signed_in
from tests.insights.history import Chat, Log

TENANTS = ("northbrook", "riverside", "southmere")
PHRASING = "council connect thing keeps whirring"
OTHER = "the remote thingy is sulking"
UNHELPED = "vpn dies when I call pat@riverside.example"
GAP = "parking permit"
NOTHING_FITTED = {"text": "Sorry, I couldn't find that.", "custom": {"decision": "escalate"}}


@pytest.fixture
def folder(tmp_path: Path) -> ArticleFolder:
    shutil.copytree(KNOWLEDGE_BASE_DIR / "articles", tmp_path / "articles")
    return ArticleFolder(tmp_path / "articles")


def seed(insights: InsightsStore, tmp_path: Path) -> None:
    """A "didn't help" on vpn-connect, two phrasings chosen for it, and a content gap."""
    log, now = Log(), time.time()
    chat = Chat(log, "s1", at=now - 2 * DAY, email="pat@riverside.example", name="Pat Jones")
    chat.answered(UNHELPED, "vpn-connect").not_helped("vpn-connect")
    for n, text in enumerate((PHRASING, OTHER)):
        listed = Chat(log, f"c{n}", at=now - DAY).says(text).bot(replies.clarify([("vpn-connect", "VPN")]))
        listed.says(replies.choose_article_payload("vpn-connect")).bot(replies.answer("vpn-connect", "VPN", "Steps."))
    for n in range(5):
        Chat(log, f"g{n}", at=now - DAY).says(f"{GAP} for my van {n}").bot(NOTHING_FITTED)
    insights.load(sql.open_database(log.write(tmp_path / "events.db")))
    ids = tuple(q.id for q in insights.questions() if q.decision == "escalate")
    insights.save_gaps(GapRun(now, now - 30 * DAY, now, len(ids), [Gap(GAP, len(ids), {}, (), ids)]))


@pytest.fixture
def client(db: sql.Database, folder: ArticleFolder, tmp_path: Path) -> Iterator[TestClient]:
    settings = load_settings({"ASKIT_BACKOFFICE_SECRET": SECRET}, dev=True, port=5057)
    studio = Studio(StudioStore(db), folder, TENANTS, time.time)
    insights = InsightsStore(db)
    seed(insights, tmp_path)
    inbox = Inbox(studio, InboxStore(db), insights)
    routes = [
        *studio_routes(studio, inbox=inbox.work, gap_examples=inbox.gap_examples),
        *inbox_routes(inbox),
    ]
    with TestClient(create_app(settings, db, dev=True, routes=routes), base_url=BASE_URL) as client:
        yield client


def task_path(page: str) -> str:
    found = re.search(r'action="(/studio/inbox/tasks/\d+)"', page)
    assert found, page
    return found.group(1)


def phrasing(text: str, version: str = "0") -> dict[str, str]:
    return {"article": "vpn-connect", "phrasing": folded(text), "version": version}


def test_an_editor_works_through_the_inbox_and_every_decision_is_audited(
    client: TestClient, folder: ArticleFolder, db: sql.Database
) -> None:
    editor = signed_in(client, "editor")
    studio_page = html.unescape(editor.client.get(PATH).text)
    assert "Your inbox</a>:\n  1 “didn't help” task,\n  2 proposed phrasings,\n  1 content gap" in studio_page
    flagged = html.unescape(editor.client.get(PATH, params={"flagged": "1"}).text)
    assert "1 of " in flagged and "vpn-connect" in flagged and "(didn't help: see your inbox)" in flagged
    page = editor.client.get(INBOX).text
    assert "vpn dies when I call [email]" in page and "pat@riverside" not in page  # redacted as kept
    assert f"“{PHRASING}”" in page and f"“{OTHER}”" in page and GAP in page
    assert 'href="/studio/articles/vpn-connect"' in page and f'href="/studio/new?gap={gap_key(GAP)}"' in page

    done = post(editor, task_path(page), {"decision": "done", "note": "added a step for calls"})
    assert done.status_code == 303 and done.headers["location"] == INBOX
    page = editor.client.get(INBOX).text
    assert "Marked done" in page and "vpn dies when I call" not in page

    live = folder.text("vpn-connect")
    accepted = post(editor, f"{INBOX}/phrasings/accept", phrasing(PHRASING))
    assert accepted.status_code == 303
    draft = editor.client.get(f"{PATH}/articles/vpn-connect").text
    assert PHRASING in draft and folder.text("vpn-connect") == live
    assert post(editor, f"{INBOX}/phrasings/reject", phrasing(OTHER)).status_code == 303
    page = editor.client.get(INBOX).text
    assert f"Rejected “{OTHER}”: it will not be proposed again" in page
    assert "Nothing to do for your articles" in page and f'value="{folded(PHRASING)}"' not in page

    new = editor.client.get(f"{PATH}/new", params={"gap": gap_key(GAP)}).text
    questions = new.split('name="questions"', 1)[1].split("</textarea>", 1)[0]
    assert [f"{GAP} for my van {n}" in questions for n in range(3)] == [True, True, True]
    assert f"{GAP} for my van" not in editor.client.get(f"{PATH}/new", params={"gap": "gone"}).text

    entries = [(e.action, e.target, e.who) for e in audit.entries(db) if e.action.startswith(("task.", "phrasing."))]
    assert entries == [
        ("phrasing.reject", "vpn-connect", "dev-editor"),
        ("phrasing.accept", "vpn-connect", "dev-editor"),
        ("task.done", "vpn-connect", "dev-editor"),
    ]
    [task] = audit.entries(db, action="task.done")
    assert task.detail["note"] == "added a step for calls"


def test_a_stale_accept_is_told_on_the_page_and_the_phrasing_kept(client: TestClient) -> None:
    editor = signed_in(client, "editor")
    assert post(editor, f"{INBOX}/phrasings/accept", phrasing(PHRASING)).status_code == 303  # version 1 now
    stale = post(editor, f"{INBOX}/phrasings/accept", phrasing(OTHER, version="0"))
    assert stale.status_code == 409 and "Someone changed" in html.unescape(stale.text)
    assert f"“{OTHER}”" in stale.text
    assert post(editor, f"{INBOX}/phrasings/accept", phrasing(OTHER, version="1")).status_code == 303


def test_another_councils_editor_may_not_act_on_an_article_not_theirs(client: TestClient) -> None:
    riverside = signed_in(client, "editor-riverside")
    page = riverside.client.get(INBOX).text
    assert "Nothing to do for your articles" in page and "vpn dies" not in page
    assert post(riverside, f"{INBOX}/phrasings/accept", phrasing(PHRASING)).status_code == 403
    assert post(riverside, f"{INBOX}/phrasings/reject", phrasing(PHRASING)).status_code == 403
    task = task_path(signed_in(client, "editor").client.get(INBOX).text)
    assert post(riverside, task, {"decision": "done"}).status_code == 403
    assert f"“{PHRASING}”" in signed_in(client, "editor").client.get(INBOX).text  # still proposed


def test_nobody_without_the_editor_role_gets_in(client: TestClient) -> None:
    anonymous = client.get(INBOX, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/signin")
    for who in ("agent", "approver"):
        browser = signed_in(client, who)
        assert browser.client.get(INBOX).status_code == 403
        assert post(browser, f"{INBOX}/phrasings/reject", phrasing(PHRASING)).status_code == 403


def test_every_decision_needs_the_sessions_csrf_token(client: TestClient, db: sql.Database) -> None:
    editor = signed_in(client, "editor")
    task = task_path(editor.client.get(INBOX).text)
    for path, data in (
        (task, {"decision": "done"}),
        (f"{INBOX}/phrasings/accept", phrasing(PHRASING)),
        (f"{INBOX}/phrasings/reject", phrasing(PHRASING)),
    ):
        reply = editor.client.post(path, data=data, follow_redirects=False)
        assert reply.status_code == 403 and reply.text == REFUSED, path
    assert not [e for e in audit.entries(db) if e.action.startswith(("task.", "phrasing."))]


def test_forged_tasks_and_phrasings_and_huge_input_are_refused(client: TestClient) -> None:
    editor = signed_in(client, "editor")
    for forged in ("999999999", "abc", "1" * 40, "-1"):
        assert post(editor, f"{INBOX}/tasks/{forged}", {"decision": "done"}).status_code == 404, forged
    task = task_path(editor.client.get(INBOX).text)
    assert post(editor, task, {"decision": "delete"}).status_code == 400
    assert post(editor, task, {"decision": "done", "note": "n" * 5000}).status_code == 400
    assert post(editor, task, {"decision": "done", "note": "n" * 3_000_000}).status_code == 413
    assert post(editor, f"{INBOX}/phrasings/accept", phrasing("never asked")).status_code == 404
    assert post(editor, f"{INBOX}/phrasings/reject", {**phrasing(PHRASING), "article": "../etc"}).status_code == 404
    assert post(editor, f"{INBOX}/phrasings/reject", phrasing("x" * 2000)).status_code == 400
    page = editor.client.get(INBOX).text
    assert "vpn dies when I call" in page and f"“{PHRASING}”" in page  # nothing was decided
