"""The studio in Chromium against the running bot (the shared stack, and the real back office with
the development sign-in on the stack's articles folder and index). An editor writes an article for
a question the bot does not answer, tries the question and sees the draft win, and submits it; an
approver approves and publishes it, and within 5 s the bot answers that question in the widget with
the new article. The editor changes it, it is published, the approver restores the first version,
and the bot follows each time. axe-core finds no WCAG 2.2 AA violation on any page of the way; an
editor writes and submits an article with the keyboard alone."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.channels.turns import DEFAULT_RATE
from tests.e2e.backoffice_server import dev_backoffice
from tests.e2e.conftest import Chat
from tests.e2e.test_agent_console import tab_to
from tests.e2e.test_backoffice_signin import axe
from tests.e2e.test_widget import intranet, open_widgets, staff, widget_for  # noqa: F401 (fixtures)
from tests.waiting import wait_until

LIVE_WITHIN = 5.0  # seconds from publish to the bot's first answer with it (the goal)
QUESTION = "my smart locker won't open"
FIRST = "The smart lockers on each floor open with the LockerLink app."
SECOND = "The lockers were replaced in December: open yours with the LockerLink 2 app."


@pytest.fixture(scope="module")
def backoffice(chat: Chat, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The back office on the shared stack's articles folder and index, as `make run` starts it."""
    settings = {
        "HF_HUB_OFFLINE": "1",
        "ASKIT_BACKOFFICE_DB": str(tmp_path_factory.mktemp("studio") / "backoffice.sqlite"),
        "ASKIT_ARTICLES_DIR": str(chat.articles_dir),
        "ASKIT_INDEX_DIR": chat.stack.extra_env["ASKIT_INDEX_DIR"],
    }
    try:
        with dev_backoffice(Path(settings["ASKIT_BACKOFFICE_DB"]).parent, settings) as url:
            yield url
    finally:
        (Path(chat.articles_dir) / "devices" / "smart-lockers.md").unlink(missing_ok=True)


def signed_in(browser: Browser, url: str, who: str) -> Page:
    page = browser.new_context().new_page()
    page.goto(f"{url}/dev/signin")
    page.get_by_role("button", name=f"Sign in as {who}", exact=True).click()
    return page


def no_violations(page: Page, state: str) -> None:
    found = axe(page)
    assert found == [], f"{state}: {found}"


def write_answer(page: Page, text: str) -> None:
    """Replace the answer in the Markdown editor, as a person types it."""
    page.get_by_role("textbox", name="Answer", exact=True).click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(text)


def review_and_publish(page: Page, url: str) -> float:
    """The approver opens the article, approves and publishes it; the moment it was published."""
    page.goto(f"{url}/studio/articles/smart-lockers")
    no_violations(page, "the article in review")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Approved")
    page.get_by_role("button", name="Publish", exact=True).click()
    published = time.monotonic()
    expect(page.get_by_role("status")).to_contain_text("Published")
    return published


def answered_within(widget: Any, since: float, wanted: Callable[[Any], bool], what: str) -> float:
    """Ask the question in the widget until the reply is ``wanted``; seconds from ``since``, at most LIVE_WITHIN."""

    def asked() -> bool:
        return wanted(widget.says(lambda: widget.ask(QUESTION)))

    # Asked once a second, the widget's sustained rate for one person: asked faster, the channel
    # says "slow down" once and then answers nothing until the person slows (bot/channels/turns.py).
    wait_until(asked, LIVE_WITHIN - (time.monotonic() - since), what, interval=1 / DEFAULT_RATE)
    return time.monotonic() - since


def test_an_editor_writes_an_article_an_approver_publishes_it_and_the_bot_answers_with_it(
    browser: Browser,
    backoffice: str,
    widget_for: Any,  # noqa: F811 (the fixture imported above)
) -> None:
    widget = widget_for(staff())
    widget.connected()
    before = widget.says(lambda: widget.ask(QUESTION))
    assert before.get_attribute("data-article-id") != "smart-lockers"

    editor = signed_in(browser, backoffice, "Demo editor")
    editor.get_by_role("link", name="Studio").click()
    expect(editor.get_by_role("heading", level=1)).to_have_text("Studio")
    no_violations(editor, "the articles list")
    editor.get_by_role("link", name="Write a new article").click()
    editor.get_by_label("Article id").fill("smart-lockers")
    editor.get_by_label("Title", exact=True).fill("Smart lockers will not open")
    editor.get_by_label("Category").select_option("devices")
    questions = "the locker app won't open my locker\nmy smart locker is stuck shut"
    editor.get_by_label("Questions staff ask").fill(questions)
    expect(editor.get_by_label("Every council")).to_be_checked()
    editor.get_by_label("Owner").fill("End User Computing team")
    editor.get_by_label("Escalation group (optional)").select_option("end-user-computing")
    write_answer(editor, FIRST + "\n\nClose the app, turn **Bluetooth** on and tap Open again.")
    expect(editor.locator("#article-preview strong")).to_have_text("Bluetooth")  # the widget's own renderer
    no_violations(editor, "the new article's form")
    editor.get_by_role("button", name="Save draft").click()
    expect(editor.get_by_role("status")).to_contain_text("Saved as a draft")

    # Try it: the question against the live index, and with this draft.
    editor.get_by_label("Question (optional)").fill(QUESTION)
    editor.get_by_role("button", name="Try this question").click()
    draft_side = editor.locator(".trial-side").nth(1)
    expect(draft_side).to_contain_text("With this draft: answer")
    expect(draft_side.locator("tr.chosen")).to_contain_text("Smart lockers will not open")
    expect(editor.locator(".trial-side").nth(0).locator("tr.chosen")).not_to_contain_text("Smart lockers")
    no_violations(editor, "the Try it pane")
    editor.get_by_role("button", name="Submit for review").click()
    expect(editor.get_by_role("status")).to_contain_text("Submitted for review")

    approver = signed_in(browser, backoffice, "Demo approver")
    published = review_and_publish(approver, backoffice)
    took = answered_within(
        widget, published, lambda reply: reply.get_attribute("data-article-id") == "smart-lockers", "the new article"
    )
    print(f"\npublished to answered: {took:.2f} s")

    # The editor changes it; once published, the bot says the new words.
    editor.goto(f"{backoffice}/studio/articles/smart-lockers")
    write_answer(editor, SECOND + "\n\nClose the app, turn **Bluetooth** on and tap Open again.")
    editor.get_by_role("button", name="Save draft").click()
    editor.get_by_role("button", name="Submit for review").click()
    published = review_and_publish(approver, backoffice)
    answered_within(widget, published, lambda reply: "LockerLink 2" in reply.inner_text(), "the changed article")

    # The approver restores the first version from the history; the bot follows.
    approver.goto(f"{backoffice}/studio/articles/smart-lockers/history")
    expect(approver.get_by_role("heading", name="Version 2 (live)")).to_be_visible()
    no_violations(approver, "the history")
    approver.get_by_role("button", name="Restore version 1").click()
    restored = time.monotonic()
    expect(approver.get_by_role("status")).to_contain_text("Restored")
    answered_within(
        widget,
        restored,
        lambda reply: "LockerLink app" in reply.inner_text() and "LockerLink 2" not in reply.inner_text(),
        "the restored article",
    )


def test_an_editor_writes_and_submits_an_article_with_the_keyboard_only(browser: Browser, backoffice: str) -> None:
    page = signed_in(browser, backoffice, "Demo editor")
    page.goto(f"{backoffice}/studio")
    tab_to(page, page.get_by_role("link", name="Write a new article"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("New article")

    def type_in(label: str, text: str) -> None:
        tab_to(page, page.get_by_label(label, exact=True))
        for n, line in enumerate(text.split("\n")):
            if n:
                page.keyboard.press("Enter")
            page.keyboard.type(line)

    type_in("Article id", "printer-room-move")
    type_in("Title", "The print room moves to the second floor")
    tab_to(page, page.get_by_label("Category"))
    page.keyboard.type("printing")  # a closed list takes what is typed, as people choose from it
    expect(page.get_by_label("Category")).to_have_value("printing")
    type_in("Questions staff ask", "where has the print room gone\nprint room moved")
    type_in("Owner", "End User Computing team")
    answer = page.get_by_role("textbox", name="Answer", exact=True)
    tab_to(page, answer)
    page.keyboard.type("From Monday the print room is on the **second floor**, beside the lifts.")
    page.keyboard.press("Tab")  # Tab leaves the answer: no keyboard trap
    assert not answer.evaluate("(el) => el === document.activeElement")
    expect(page.locator("#article-preview strong")).to_have_text("second floor")
    tab_to(page, page.get_by_role("button", name="Save draft"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Saved as a draft")
    no_violations(page, "a saved draft")
    tab_to(page, page.get_by_role("button", name="Submit for review"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Submitted for review")
    no_violations(page, "a submitted draft")
