"""The starter topics in Chromium, end to end: the real back office (development sign-in) on the
shared stack's own database and index; an editor chooses a council's topics in the studio, a
refused choice is said next to the list, and a new member of staff of that council opens the widget
on a welcome offering exactly those topics. axe-core finds no WCAG 2.2 AA violation on the page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from bot.studio.starters import StarterStore
from tests.e2e.backoffice_server import dev_backoffice
from tests.e2e.conftest import Chat
from tests.e2e.test_studio import no_violations, signed_in
from tests.e2e.test_widget import intranet, open_widgets, staff, widget_for  # noqa: F401 (fixtures)

COUNCIL = "northbrook"


@pytest.fixture(scope="module")
def backoffice(chat: Chat, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The back office on the database the stack's Rasa server reads the starter topics from."""
    database = chat.stack.extra_env["ASKIT_BACKOFFICE_DB"]
    settings = {
        "HF_HUB_OFFLINE": "1",
        "ASKIT_BACKOFFICE_DB": database,
        "ASKIT_ARTICLES_DIR": str(chat.articles_dir),
        "ASKIT_INDEX_DIR": chat.stack.extra_env["ASKIT_INDEX_DIR"],
    }
    try:
        with dev_backoffice(tmp_path_factory.mktemp("starters"), settings) as url:
            yield url
    finally:
        StarterStore.open(database).set_chosen(COUNCIL, [])  # the stack is shared


def test_an_editor_chooses_a_councils_starter_topics_and_its_staff_are_offered_them(
    backoffice: str,
    browser: Browser,
    widget_for: Any,  # noqa: F811 (the fixture imported above)
) -> None:
    editor = signed_in(browser, backoffice, "Demo editor")
    editor.goto(f"{backoffice}/studio")
    editor.get_by_role("link", name="Starter topics").click()
    expect(editor.get_by_role("heading", level=1)).to_have_text("Starter topics")
    no_violations(editor, "the starter topics page")

    northbrook = editor.get_by_role("group", name="Starter topics for Northbrook Council, first shown first")
    northbrook.get_by_label("Topic 1").select_option(label="Laptop running slowly")
    northbrook.get_by_label("Topic 2").select_option(label="Laptop running slowly")
    editor.get_by_role("button", name="Save the topics for Northbrook Council").click()
    expect(editor.get_by_role("alert")).to_contain_text("“Laptop running slowly” is chosen twice")
    no_violations(editor, "a refused list")

    northbrook.get_by_label("Topic 2").select_option(label="Reset a forgotten password")
    editor.get_by_role("button", name="Save the topics for Northbrook Council").click()
    expect(editor.get_by_role("status")).to_contain_text(
        "Saved the starter topics for Northbrook Council: Laptop running slowly, Reset a forgotten password."
    )
    expect(northbrook.get_by_label("Topic 1")).to_have_value("laptop-slow")
    no_violations(editor, "a saved list")

    widget = widget_for(staff(COUNCIL))
    widget.connected()
    welcome = widget.bot_messages.first
    expect(welcome).to_have_attribute("data-flow", "welcome")
    expect(welcome.get_by_role("button")).to_have_text(["Laptop running slowly", "Reset a forgotten password"])
    answer = widget.says(widget.choice(welcome, "Reset a forgotten password").click)
    expect(answer).to_have_attribute("data-article-id", "password-reset")
