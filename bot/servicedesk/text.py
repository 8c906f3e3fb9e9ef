"""Desks' rich text as the chat shows it: a reply an agent wrote in HTML, as plain text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# How HTML's layout breaks lines: a paragraph stands apart, a line ends; and what is never text.
PARAGRAPH_TAGS = frozenset({"p", "pre", "blockquote", "ul", "ol", "table", "hr", "h1", "h2", "h3", "h4", "h5", "h6"})
LINE_TAGS = frozenset({"div", "li", "tr", "dt", "dd"})
HIDDEN_TAGS = frozenset({"head", "title", "script", "style"})


class _HtmlText(HTMLParser):
    """Collects an HTML part's words. Line breaks wait until the next words, so that adjacent blocks
    (``</li><li>``, ``</p>\\n<p>``) break once, not once per tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.breaks = 0  # line breaks owed before the next words
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN_TAGS:
            self.hidden += 1
        elif tag == "br":
            self.breaks += 1  # <br><br> is a blank line
        self._block(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.breaks += 1
        self._block(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_TAGS:
            self.hidden = max(self.hidden - 1, 0)
        self._block(tag)

    def _block(self, tag: str) -> None:
        if tag in PARAGRAPH_TAGS:
            self.breaks = max(self.breaks, 2)
        elif tag in LINE_TAGS:
            self.breaks = max(self.breaks, 1)

    def handle_data(self, data: str) -> None:
        text = re.sub(r"\s+", " ", data)  # HTML's own line breaks are only spaces
        if self.hidden or (self.breaks and not text.strip()):
            return
        if self.breaks and self.chunks:
            self.chunks.append("\n" * self.breaks)
        self.breaks = 0
        self.chunks.append(text)


def html_text(html: str) -> str:
    """An HTML message as plain text: tags dropped, entities decoded, blocks on lines of their own."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return "\n".join(line.strip() for line in "".join(parser.chunks).split("\n")).strip()
