"""The widget's Markdown renderer (bot/web/markdown.js) in a real browser: what it renders, and
that HTML, script and unsafe links in a message only ever show as text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from bot.paths import ROOT
from tests.browser import chromium, record_dialogs

MARKDOWN_JS = ROOT / "bot" / "web" / "markdown.js"
NEW_TAB = '<span class="askit-visually-hidden"> (opens in a new tab)</span>'
TEMPLATE = "https://askit.example/webhooks/webchat/articles/{id}"


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    with chromium() as browser:
        page = browser.new_page()
        dialogs = record_dialogs(page)
        page.set_content("<!doctype html><html lang='en'><body><div id='out'></div></body></html>")
        page.add_script_tag(path=str(MARKDOWN_JS))
        yield page
        assert dialogs == []


def render(page: Page, text: str, heading_level: int = 3) -> str:
    return str(
        page.evaluate(
            """([text, level, template]) => {
                const out = document.getElementById("out");
                out.replaceChildren(AskITMarkdown.render(text, document, {
                    headingLevel: level,
                    articleUrl: (id) => template.replace("{id}", id),
                }));
                return out.innerHTML;
            }""",
            [text, heading_level, TEMPLATE],
        )
    )


@pytest.mark.parametrize(
    "text,html",
    [
        ("Hello", "<p>Hello</p>"),
        ("line one\nline two", "<p>line one<br>line two</p>"),
        ("one\n\ntwo", "<p>one</p><p>two</p>"),
        ("**bold** and *em*", "<p><strong>bold</strong> and <em>em</em></p>"),
        ("**bold with *em* inside**", "<p><strong>bold with <em>em</em> inside</strong></p>"),
        ("a * b * c, 2*3", "<p>a * b * c, 2*3</p>"),
        ("**unclosed and *this", "<p>**unclosed and *this</p>"),
        ("\\*not em\\*", "<p>*not em*</p>"),
        ('`" * : < > ? / \\ |` and `<b>`', '<p><code>" * : &lt; &gt; ? / \\ |</code> and <code>&lt;b&gt;</code></p>'),
        ("## Steps", "<h3>Steps</h3>"),
        ("### Detail", "<h4>Detail</h4>"),
        ("# Top", "<h3>Top</h3>"),
        ("Here:\n- a\n- b", "<p>Here:</p><ul><li>a</li><li>b</li></ul>"),
        ("1. a\n2. b\n\nAfter", "<ol><li>a</li><li>b</li></ol><p>After</p>"),
        ("3. third", '<ol start="3"><li>third</li></ol>'),
        ("1. a\n   - x\n   - y\n2. b", "<ol><li>a<ul><li>x</li><li>y</li></ul></li><li>b</li></ol>"),
        ("- item\n  continued", "<ul><li>item<br>continued</li></ul>"),
        ("- a\nText", "<ul><li>a</li></ul><p>Text</p>"),
    ],
)
def test_what_it_renders(page: Page, text: str, html: str) -> None:
    assert render(page, text) == html


def test_headings_below_h6_become_bold_paragraphs(page: Page) -> None:
    assert render(page, "## A\n\n### B", heading_level=6) == "<h6>A</h6><p><strong>B</strong></p>"


@pytest.mark.parametrize(
    "text,html",
    [
        (
            "[Portal](https://passwordreset.sharedict.example)",
            f'<p><a href="https://passwordreset.sharedict.example/" target="_blank" rel="noopener noreferrer">'
            f"Portal{NEW_TAB}</a></p>",
        ),
        (
            "[**Bold** link](http://intranet.example/it?a=1&b=2)",
            f'<p><a href="http://intranet.example/it?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">'
            f"<strong>Bold</strong> link{NEW_TAB}</a></p>",
        ),
        ("[Mail us](mailto:it@northbrook.example)", '<p><a href="mailto:it@northbrook.example">Mail us</a></p>'),
        ("[Phone](tel:+441632960000)", '<p><a href="tel:+441632960000">Phone</a></p>'),
        (
            "[VPN](kb:vpn-connect)",
            f'<p><a href="https://askit.example/webhooks/webchat/articles/vpn-connect" target="_blank" '
            f'rel="noopener noreferrer">VPN{NEW_TAB}</a></p>',
        ),
        ("[VPN](kb:../../etc/passwd)", "<p>VPN</p>"),
        ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
        ("[x](JavaScript:alert(1))", "<p>[x](JavaScript:alert(1))</p>"),
        (
            "[x](data:text/html,<script>alert(1)</script>)",
            "<p>[x](data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;)</p>",
        ),
        ("[x](vbscript:msgbox)", "<p>[x](vbscript:msgbox)</p>"),
        ("[x](/relative/path)", "<p>[x](/relative/path)</p>"),
        ("[x](//evil.example)", "<p>[x](//evil.example)</p>"),
        ("[x](https://)", "<p>[x](https://)</p>"),
        (
            "[[inner](https://a.example)](https://b.example)",  # the inner link is the link
            f'<p>[<a href="https://a.example/" target="_blank" rel="noopener noreferrer">inner{NEW_TAB}</a>]'
            "(https://b.example)</p>",
        ),
        ("[a link](https://a.example with space)", "<p>[a link](https://a.example with space)</p>"),
        ("see https://a.example", "<p>see https://a.example</p>"),
    ],
)
def test_links_only_to_safe_places(page: Page, text: str, html: str) -> None:
    assert render(page, text) == html


@pytest.mark.parametrize(
    "text",
    [
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)">click</a>',
        "**<img src=x onerror=alert(1)>**",
        "[<img src=x onerror=alert(1)>](https://a.example)",
        "- <svg onload=alert(1)>",
        "## <iframe src=javascript:alert(1)>",
        'I\'ll raise a ticket with this summary:\n\n"<img src=x onerror=alert(1)>"\n\nShall I go ahead?',
        "`</code><img src=x onerror=alert(1)>`",
    ],
)
def test_html_in_a_message_shows_as_text(page: Page, text: str) -> None:
    render(page, text)
    found = page.evaluate(
        """() => {
            const out = document.getElementById("out");
            const all = [...out.querySelectorAll("*")];
            return {
                elements: all.map((e) => e.localName),
                handlers: all.flatMap((e) => e.getAttributeNames()).filter((a) => a.startsWith("on")),
                text: out.textContent,
            };
        }"""
    )
    assert set(found["elements"]) <= {"p", "strong", "em", "code", "a", "span", "ul", "li", "h3", "br"}
    assert found["handlers"] == []
    html_tag = text[text.index("<") : text.index(">") + 1]
    assert html_tag in found["text"]  # shown to the reader as the text it is
