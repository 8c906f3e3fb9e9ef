"""Make docs/widget.png: the web widget mid-conversation (a choice of articles, then the answer),
and docs/widget-320.png: a short answer and its buttons on a 320 px wide phone, on the demo page
that `make run` serves, through the real servers.

    PYTHONPATH=. .venv-actions/bin/python benchmarks/widget_screenshot.py [--out docs/widget.png]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import expect

from bot.paths import ROOT
from tests.browser import chromium
from tests.e2e.conftest import running_chat

TURN_MS = 60_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "widget.png")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory() as work,
        running_chat(Path(work), {"ASKIT_DEV_MODE": "1"}) as chat,
        chromium() as browser,
    ):
        page = browser.new_page(viewport={"width": 760, "height": 900}, reduced_motion="reduce")
        page.goto(f"{chat.stack.rasa_url}/webhooks/webchat/")
        expect(page.locator(".askit-status")).to_have_text("Connected", timeout=TURN_MS)
        messages = page.locator(".askit-from-bot")
        page.get_by_role("textbox", name="Your message").fill("printer")
        page.keyboard.press("Enter")
        expect(messages).to_have_count(1, timeout=TURN_MS)
        messages.first.get_by_role("button").nth(1).click()
        expect(messages).to_have_count(2, timeout=TURN_MS)
        # as the widget leaves it: the chosen article from its start, its buttons pinned under it
        page.locator("#askit-chat").screenshot(path=str(args.out))
        narrow = args.out.with_name(f"{args.out.stem}-320{args.out.suffix}")
        phone = browser.new_page(viewport={"width": 320, "height": 640}, reduced_motion="reduce")
        phone.goto(f"{chat.stack.rasa_url}/webhooks/webchat/")
        expect(phone.locator(".askit-status")).to_have_text("Connected", timeout=TURN_MS)
        phone.get_by_role("textbox", name="Your message").fill("I forgot my password")
        phone.keyboard.press("Enter")
        answer = phone.locator(".askit-from-bot").first
        expect(answer).to_have_attribute("data-article-id", "password-reset", timeout=TURN_MS)
        answer.locator("strong").first.evaluate("(title) => title.scrollIntoView({block: 'start'})")
        # the answer's title and its feedback buttons on one phone screen
        expect(answer.locator("strong").first).to_be_in_viewport()
        phone.screenshot(path=str(narrow))
        expect(answer.get_by_role("button", name="No, that didn't help")).to_be_in_viewport()
    print(f"wrote {args.out} and {narrow}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
