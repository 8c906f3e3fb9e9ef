"""The studio's inbox in Chromium: the real back office (uvicorn, development sign-in) on its own
database, whose insights tables are loaded from broker events by the insights store itself, and on
a copy of the articles folder. The demo editor opens the inbox from the studio, marks a "didn't
help" task done, accepts a proposed phrasing into a draft (the live file unchanged), and starts an
article from a content gap with its questions filled in. axe-core finds no WCAG 2.2 AA violation on
the inbox, before and after."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bot import replies, sql
from bot.backoffice import audit
from bot.backoffice.storage import open_storage
from bot.insights.figures import DAY, Gap, GapRun
from bot.insights.store import InsightsStore
from bot.paths import KNOWLEDGE_BASE_DIR
from tests.e2e.backoffice_server import dev_backoffice
from tests.e2e.test_backoffice_signin import axe
from tests.insights.history import Chat, Log

SAVE_TIMEOUT_MS = 120_000  # the first save loads the embedding model for the near-duplicate check
UNHELPED = "council connect drops whenever I call pat@riverside.example"
PHRASING = "the council connect thing keeps whirring"
GAP = "parking permit"
NOTHING_FITTED = {"text": "Sorry, I couldn't find that.", "custom": {"decision": "escalate"}}


@dataclass
class Server:
    url: str
    database: str
    articles: Path


def seed(database: str, work: Path) -> None:
    """Through the insights store's own loader: a "didn't help" on vpn-connect, a question whose
    asker chose vpn-connect from a list, and five questions nothing answered, saved as a gap."""
    log, now = Log(), time.time()
    Chat(log, "s1", at=now - 2 * DAY).answered(UNHELPED, "vpn-connect").not_helped("vpn-connect")
    listed = Chat(log, "c1", at=now - DAY).says(PHRASING).bot(replies.clarify([("vpn-connect", "VPN")]))
    listed.says(replies.choose_article_payload("vpn-connect")).bot(replies.answer("vpn-connect", "VPN", "Steps."))
    for n in range(5):
        Chat(log, f"g{n}", at=now - DAY).says(f"{GAP} for my van {n}").bot(NOTHING_FITTED)
    insights = InsightsStore(open_storage(database))
    insights.load(sql.open_database(log.write(work / "events.db")))
    ids = tuple(q.id for q in insights.questions() if q.decision == "escalate")
    insights.save_gaps(GapRun(now, now - 30 * DAY, now, len(ids), [Gap(GAP, len(ids), {}, (), ids)]))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    database = str(tmp_path / "backoffice.sqlite")
    articles = tmp_path / "articles"
    shutil.copytree(KNOWLEDGE_BASE_DIR / "articles", articles)
    seed(database, tmp_path)
    settings = {"HF_HUB_OFFLINE": "1", "ASKIT_BACKOFFICE_DB": database, "ASKIT_ARTICLES_DIR": str(articles)}
    with dev_backoffice(tmp_path, settings) as url:
        yield Server(url, database, articles)


def no_violations(page: Page, state: str) -> None:
    found = axe(page)
    assert found == [], f"{state}: {found}"


@pytest.mark.own_stack
def test_an_editor_works_through_the_inbox(page: Page, server: Server) -> None:
    live = (server.articles / "connectivity" / "vpn-connect.md").read_text(encoding="utf-8")
    page.goto(f"{server.url}/dev/signin")
    page.get_by_role("button", name="Sign in as Demo editor", exact=True).click()
    page.get_by_role("link", name="Studio").click()
    expect(page.locator(".inbox-link")).to_contain_text("1 “didn't help” task, 1 proposed phrasing, 1 content gap")
    page.get_by_role("link", name="Your inbox").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    expect(page.get_by_role("heading", name="VPN or remote access will not connect")).to_be_visible()
    no_violations(page, "the inbox")

    task = page.get_by_role("listitem").filter(has_text="council connect drops whenever I call [email]")
    task.get_by_label("Note (optional)").fill("Added a step for calls.")
    task.get_by_role("button", name="Mark done").click()
    expect(page.get_by_role("status")).to_contain_text("Marked done")
    expect(page.get_by_text("council connect drops whenever I call")).to_have_count(0)

    proposal = page.get_by_role("listitem").filter(has_text=f"“{PHRASING}”")
    proposal.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_contain_text(f"Added “{PHRASING}”", timeout=SAVE_TIMEOUT_MS)
    expect(page.get_by_text("Nothing to do for your articles.")).to_be_visible()
    no_violations(page, "the inbox with its notice")
    assert (server.articles / "connectivity" / "vpn-connect.md").read_text(encoding="utf-8") == live
    page.goto(f"{server.url}/studio/articles/vpn-connect")  # the draft asks it last
    assert page.get_by_label("Questions staff ask").input_value().splitlines()[-1] == PHRASING

    page.goto(f"{server.url}/studio/inbox")
    page.get_by_role("link", name="Create an article from this").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New article")
    questions = page.get_by_label("Questions staff ask").input_value()
    assert questions.splitlines() == [f"{GAP} for my van {n}" for n in range(3)]

    actions = [e.action for e in audit.entries(open_storage(server.database)) if e.action.startswith(("task", "phr"))]
    assert actions == ["phrasing.accept", "task.done"]
