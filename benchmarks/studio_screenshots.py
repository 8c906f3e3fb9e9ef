"""Make the pictures of docs/editors.md: the articles list (docs/studio-list.png), an article being
written with its preview and a question tried (docs/studio-editor.png), and an article's history
after a change (docs/studio-history.png), through the real servers and the back office.

    PYTHONPATH=. HF_HUB_OFFLINE=1 .venv-actions/bin/python benchmarks/studio_screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, expect

from tests.browser import chromium
from tests.e2e.backoffice_server import dev_backoffice
from tests.e2e.conftest import running_chat
from tests.e2e.test_studio import FIRST, QUESTION, SECOND, review_and_publish, signed_in, write_answer

SIZE: ViewportSize = {"width": 1280, "height": 900}


def write_article(page: Page, url: str) -> None:
    page.goto(f"{url}/studio/new")
    page.get_by_label("Article id").fill("smart-lockers")
    page.get_by_label("Title", exact=True).fill("Smart lockers will not open")
    page.get_by_label("Category").select_option("devices")
    page.get_by_label("Questions staff ask").fill("the locker app won't open my locker\nmy smart locker is stuck shut")
    page.get_by_label("Owner").fill("End User Computing team")
    page.get_by_label("Escalation group (optional)").select_option("end-user-computing")
    write_answer(page, FIRST + "\n\n- Close the app\n- Turn **Bluetooth** on\n- Tap Open again")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_label("Question (optional)").fill(QUESTION)
    page.get_by_role("button", name="Try this question").click()
    expect(page.locator(".trial-side").nth(1)).to_contain_text("With this draft: answer")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work, running_chat(Path(work)) as chat:
        settings = {
            "HF_HUB_OFFLINE": "1",
            "ASKIT_BACKOFFICE_DB": str(Path(work) / "studio.sqlite"),
            "ASKIT_ARTICLES_DIR": str(chat.articles_dir),
            "ASKIT_INDEX_DIR": chat.stack.extra_env["ASKIT_INDEX_DIR"],
        }
        with dev_backoffice(Path(work), settings) as url, chromium() as browser:
            editor = signed_in(browser, url, "Demo editor")
            editor.set_viewport_size(SIZE)
            editor.goto(f"{url}/studio")
            editor.screenshot(path=str(args.out / "studio-list.png"))
            write_article(editor, url)
            editor.locator("#article").screenshot(path=str(args.out / "studio-editor.png"))
            editor.get_by_role("button", name="Submit for review").click()
            approver = signed_in(browser, url, "Demo approver")
            approver.set_viewport_size(SIZE)
            review_and_publish(approver, url)
            editor.goto(f"{url}/studio/articles/smart-lockers")
            write_answer(editor, SECOND + "\n\n- Close the app\n- Turn **Bluetooth** on\n- Tap Open again")
            editor.get_by_role("button", name="Save draft").click()
            editor.get_by_role("button", name="Submit for review").click()
            review_and_publish(approver, url)
            approver.goto(f"{url}/studio/articles/smart-lockers/history")
            approver.locator("details summary").first.click()
            approver.screenshot(path=str(args.out / "studio-history.png"), full_page=True)
    print(f"wrote {args.out}/studio-list.png, studio-editor.png, studio-history.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
