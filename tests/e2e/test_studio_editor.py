"""The studio's article editor (bot/web/backoffice/studio-editor.js) in Chromium, on a page with its
DOM contract served by the real back-office app (its CSP, static files and /web/markdown.js) under
uvicorn: typed Markdown is previewed as the widget renders it, HTML shows as text, the textarea
keeps what was typed, Tab and Shift+Tab leave the editor, axe-core finds no WCAG 2.2 AA violation,
nothing scrolls sideways at 320 CSS px, the CSP blocks nothing, and without JavaScript the
labelled textarea is there."""

from __future__ import annotations

import html
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest
import requests
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, expect
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from bot.backoffice.access import public
from bot.backoffice.app import create_app
from bot.backoffice.guards import CSP
from bot.backoffice.settings import DB, SECRET, load_settings
from bot.backoffice.storage import open_storage
from bot.launcher import HOST, free_port
from tests.browser import record_dialogs
from tests.e2e.test_backoffice_signin import axe
from tests.waiting import wait_until

pytestmark = pytest.mark.own_stack  # the back office under uvicorn, started here

START_TIMEOUT = 30.0
PAGE_PATH = "/editor-fixture"
NO_FAVICON = "/favicon.ico"  # the back office has none, and Chromium asks once per browser
# The DOM contract the studio's article page follows (the report of branch studio-editor).
CONTRACT = """\
<link rel="stylesheet" href="/static/vendor/codemirror.css">
<label for="article-body">Answer</label>
<p id="article-body-help">{help}</p>
<textarea id="article-body" name="body" rows="16" data-markdown-editor{required}
  aria-describedby="article-body-help">{body}</textarea>
<section aria-labelledby="preview-heading"><h2 id="preview-heading">Preview</h2>
  <div id="article-preview" class="askit-preview" data-preview-of="article-body"></div></section>
<script src="/web/markdown.js"></script>
<script src="/static/vendor/codemirror.js"></script>
<script src="/static/vendor/codemirror-markdown.js"></script>
<script src="/static/studio-editor.js"></script>"""
# The contract inside a page as the studio's template would put it: backoffice.css first, so the
# editor's stylesheet comes after it and must not undo it.
PAGE = """<!doctype html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Edit an article – AskIT back office</title>
  <link rel="stylesheet" href="/static/backoffice.css">
</head>
<body>
  <main id="main">
    <h1>Edit an article</h1>
    <form method="post" action="/studio/articles/vpn-setup">
      <div class="field"><label for="article-title">Title</label>
        <input type="text" id="article-title" name="title" value="Set up the VPN"></div>
      <div class="field">
{contract}
      </div>
      <button type="submit">Save</button>
    </form>
  </main>
</body>
</html>"""
TYPED = "# Title\n\n- first step\n- second step\n\nThen press **Save**.\n<script>alert(1)</script>"
# Every kind of mark the editor colours, for the contrast checks.
RICH = (
    "## Before you start\n\n1. Open `Settings`\n2. Choose [the guide](https://example.org/guide)\n"
    "   - or [the article](kb:vpn-setup)\n\n> a quote\n\n---\n\n*Thanks* and **good luck**"
)
MARKS = ["header", "variable-2", "variable-3", "comment", "link", "url", "quote", "hr", "em", "strong"]
HELP = "Markdown: # a heading, - a list item, **bold**, [a link](https://...)."
LONG_LINE = "See https://example.org/" + "a-very-long-path-segment/" * 12 + " and " + "x" * 120


@public
async def editor_page(request: Request) -> Response:
    body = html.escape(request.query_params.get("body", ""))
    required = " required" if request.query_params.get("required") else ""
    return HTMLResponse(PAGE.format(contract=CONTRACT.format(help=HELP, body=body, required=required)))


@pytest.fixture(scope="module")
def backoffice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real back-office app with the fixture page as one more route, under uvicorn on loopback."""
    port = free_port()
    database = tmp_path_factory.mktemp("studio-editor") / "backoffice.sqlite"
    settings = load_settings({SECRET: secrets.token_urlsafe(32), DB: str(database)}, dev=True, port=port)
    app = create_app(settings, open_storage(settings.database), dev=True, routes=[Route(PAGE_PATH, editor_page)])
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, name="backoffice", daemon=True)
    thread.start()
    stopped = lambda: None if thread.is_alive() else "uvicorn stopped"  # noqa: E731
    wait_until(lambda: server.started, START_TIMEOUT, "the back office", died=stopped)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT)


def open_editor(page: Page, backoffice: str, body: str = "", *, required: bool = False) -> list[str]:
    """Open the fixture page with ``body`` in the textarea, once the editor is up; the list it returns
    fills with what the browser reports going wrong: CSP violations, console errors, exceptions."""
    complaints: list[str] = []

    def console(message: ConsoleMessage) -> None:
        where = message.location.get("url", "")
        if message.type == "error" and not where.endswith(NO_FAVICON):
            complaints.append(f"console: {message.text} ({where})")

    page.on("console", console)
    page.on("pageerror", lambda error: complaints.append(f"page error: {error}"))
    page.expose_function("reportViolation", lambda what: complaints.append(f"CSP: {what}"))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => reportViolation("
        "e.violatedDirective + ' blocked ' + e.blockedURI + ' at ' + e.sourceFile + ':' + e.lineNumber))"
    )
    reply = page.goto(
        f"{backoffice}{PAGE_PATH}?" + urlencode({"body": body, **({"required": "1"} if required else {})})
    )
    assert reply is not None and reply.headers["content-security-policy"] == CSP
    expect(page.locator(".CodeMirror")).to_be_visible()
    return complaints


def editor(page: Page) -> Locator:
    return page.get_by_role("textbox", name="Answer", exact=True)


def type_lines(page: Page, text: str) -> None:
    """Type ``text`` key by key into the focused editor; a new line is Enter."""
    for n, line in enumerate(text.split("\n")):
        if n:
            page.keyboard.press("Enter")
        page.keyboard.type(line)


def posted_body(page: Page) -> str:
    """What the form would post as "body" now."""
    body: str = page.evaluate("() => new FormData(document.querySelector('form')).get('body')")
    return body


def test_typed_markdown_is_previewed_as_the_widget_renders_it_and_html_stays_text(page: Page, backoffice: str) -> None:
    complaints = open_editor(page, backoffice)
    dialogs = record_dialogs(page)
    expect(editor(page)).to_have_accessible_description(HELP)
    editor(page).click()
    type_lines(page, TYPED)

    preview = page.locator("#article-preview")
    expect(preview.locator("h3")).to_have_text("Title")
    expect(preview.locator("ul > li")).to_have_text(["first step", "second step"])
    expect(preview.locator("strong")).to_have_text("Save")
    expect(preview.locator("p").last).to_contain_text("<script>alert(1)</script>")
    assert preview.locator("script").count() == 0
    assert page.locator("script").count() == CONTRACT.count("<script")  # the page's own only
    assert preview.get_attribute("aria-live") is None  # it must not read itself out on every key
    assert page.locator("#article-body").input_value() == TYPED
    assert posted_body(page) == TYPED
    assert dialogs == []
    assert complaints == []


def test_a_body_sent_back_after_a_failed_save_is_in_the_editor_and_previewed(page: Page, backoffice: str) -> None:
    complaints = open_editor(page, backoffice, body="## Steps\n\n- one\n- two")
    expect(page.locator("#article-preview h3")).to_have_text("Steps")
    expect(page.locator(".CodeMirror-line")).to_have_text(["## Steps", "", "- one", "- two"])
    page.get_by_text("Answer", exact=True).click()  # the label focuses the editor, as it would the textarea
    expect(editor(page)).to_be_focused()
    page.keyboard.press("Control+End")
    type_lines(page, "\n- three")
    expect(page.locator("#article-preview li")).to_have_text(["one", "two", "three"])
    assert posted_body(page) == "## Steps\n\n- one\n- two\n- three"
    page.get_by_label("Title").focus()
    # The page's error summary links to the field: the link focuses the editor.
    page.evaluate(
        """() => { const a = document.createElement('a'); a.href = '#article-body'; a.textContent = 'Write the answer';
        document.querySelector('main').prepend(a); }"""
    )
    page.get_by_role("link", name="Write the answer").click()
    expect(editor(page)).to_be_focused()
    assert complaints == []


def test_tab_and_shift_tab_leave_the_editor_and_its_focus_is_visible(page: Page, backoffice: str) -> None:
    open_editor(page, backoffice, body="- one")
    page.get_by_label("Title").focus()
    page.keyboard.press("Tab")
    expect(editor(page)).to_be_focused()
    ring = page.locator(".CodeMirror").evaluate(
        "(el) => [getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineWidth]"
    )
    assert ring == ["solid", "3px"]
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(editor(page)).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_label("Title")).to_be_focused()
    assert posted_body(page) == "- one"  # no tab typed into the text


def write_rich_text(page: Page, backoffice: str, more: str) -> list[str]:
    """The editor holding RICH (given as a re-rendered page would, since typing it would carry list
    indentation into the lines after), with ``more`` typed at its end."""
    complaints = open_editor(page, backoffice, body=RICH)
    editor(page).click()
    page.keyboard.press("Control+End")
    type_lines(page, more)
    assert posted_body(page) == RICH + more
    for mark in MARKS:  # each is drawn, so axe-core checks its contrast
        expect(page.locator(f".CodeMirror-code .cm-{mark}").first).to_be_visible()
    return complaints


def test_axe_finds_no_violation_with_the_editor_enhanced_and_text_typed(page: Page, backoffice: str) -> None:
    complaints = write_rich_text(page, backoffice, "\n\nCall **0800 123 456** if it fails.")
    expect(page.locator("#article-preview strong").last).to_have_text("0800 123 456")
    links = page.locator("#article-preview a")
    expect(links).to_have_count(2)
    assert links.last.get_attribute("href") == "/studio/articles/vpn-setup"
    assert axe(page) == []
    assert complaints == []


def test_at_320_px_nothing_scrolls_sideways(page: Page, backoffice: str) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    complaints = write_rich_text(page, backoffice, "\n\n" + LONG_LINE)
    expect(page.locator("#article-preview p").last).to_contain_text("x" * 120)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    assert page.locator(".CodeMirror-scroll").evaluate("(el) => el.scrollWidth <= el.clientWidth")
    assert axe(page) == []
    assert complaints == []


def test_an_empty_required_answer_still_posts_for_the_server_to_say_what_is_missing(
    page: Page, backoffice: str
) -> None:
    """The browser would block the form without a word over a required field it cannot focus."""
    open_editor(page, backoffice, required=True)
    expect(editor(page)).to_have_attribute("aria-required", "true")
    with page.expect_request(lambda request: request.method == "POST") as sent:
        page.get_by_role("button", name="Save").click()
    assert parse_qs(sent.value.post_data or "", keep_blank_values=True)["body"] == [""]


def test_without_javascript_the_labelled_textarea_posts_the_body(browser: Browser, backoffice: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{backoffice}{PAGE_PATH}")
        field = page.get_by_label("Answer", exact=True)
        expect(field).to_be_visible()
        assert field.evaluate("(el) => [el.tagName, el.name]") == ["TEXTAREA", "body"]
        expect(field).to_have_accessible_description(HELP)
        assert page.locator(".CodeMirror").count() == 0
    finally:
        context.close()


def test_the_back_office_serves_the_widgets_markdown_script_and_nothing_else_of_bot_web(backoffice: str) -> None:
    reply = requests.get(f"{backoffice}/web/markdown.js", timeout=10)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/javascript")
    assert "AskITMarkdown" in reply.text
    for other in ("/web/askit-widget.js", "/web/index.html", "/web/", "/web/vendor/socket.io.min.js"):
        assert requests.get(f"{backoffice}{other}", timeout=10).status_code == 404, other


def test_the_vendored_editor_is_the_one_its_readme_names() -> None:
    vendor = Path(__file__).parents[2] / "bot" / "web" / "backoffice" / "vendor"
    readme = (vendor / "README.md").read_text(encoding="utf-8")
    for name in ("codemirror.js", "codemirror-markdown.js"):
        assert f"| `{name}` | `codemirror` | 5.65.21 | MIT |" in readme
        assert "Distributed under an MIT license" in (vendor / name).read_text(encoding="utf-8")[:200]
    assert 'CodeMirror.version = "5.65.21";' in (vendor / "codemirror.js").read_text(encoding="utf-8")
