"""Article Markdown as Teams draws it: the one converter from AskIT's Markdown to Adaptive Card
elements. Pure functions, tested without a server.

Teams renders only part of Markdown in a TextBlock (bold, italic, links, backslash escapes), and its
clients differ on the rest: nested lists show as literal "- " on mobile, headings are not drawn, and
code spans are not code, so their backslashes are read as escapes (`\\\\server` becomes `\\server`).
So no block syntax ever reaches Teams:

- a heading becomes a bold TextBlock;
- each list item becomes two columns, its number or bullet in a RichTextBlock TextRun (which no
  client reads as Markdown) and its text beside it, sub-items indented inside it;
- a paragraph's lines become TextBlocks;

and ``inline`` keeps only **bold**, *italic* and links, escaping every other character Teams would
read as Markdown, so a code span's path keeps both backslashes. It reads what the widget's renderer
reads (bot/web/markdown.js) with the same safety: links only to http, https, mailto, tel or
``kb:<article id>`` (the article's page, or its title as text where it has none); anything else is
shown as the text it was written as.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from bot.knowledge.ids import is_article_id

Element = dict[str, Any]
ArticleLink = Callable[[str], "str | None"]  # article id -> the URL of its full text, if it has one

_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$")
_ITEM = re.compile(r"^(\s*)([-*+]|(\d{1,9})[.)])\s+(.*)$")
_ESCAPABLE = "\\`*_[]()#+-.!>"  # what a backslash escapes in AskIT's Markdown (as bot/web/markdown.js)
_TEAMS_SPECIAL = "\\`*_[]"  # what Teams would read as Markdown inside a line
_BLOCK_START = re.compile(r"^(\s*\d*)([-+#>.)])")  # a line Teams might read as a list or heading
_WEB_SCHEMES = ("http", "https")
_OTHER_SCHEMES = ("mailto", "tel")
_URL_SAFE = ":/?#@!$&'*+,;=%-._~"  # "(", ")" and spaces are encoded: they would end a Markdown link
BULLET = "•"


@dataclass
class Item:
    number: int | None  # None: a bullet
    lines: list[str]
    sub: list[Item] = field(default_factory=list)


@dataclass
class Block:
    kind: str  # "paragraph" | "heading" | "list"
    lines: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)


def blocks(text: str) -> list[Block]:
    """Paragraphs, headings and lists (one level of nesting, as the widget reads them)."""
    found: list[Block] = []
    paragraph: Block | None = None
    listing: Block | None = None
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        heading, item = _HEADING.match(line), _ITEM.match(line)
        if not line.strip():
            paragraph = listing = None
        elif heading:
            paragraph = listing = None
            found.append(Block("heading", [heading.group(1)]))
        elif item:
            ordered = item.group(3) is not None
            if len(item.group(1)) >= 2 and listing is not None and listing.items:
                subs = listing.items[-1].sub
                subs.append(Item(_number(subs, item.group(3)) if ordered else None, [item.group(4)]))
                continue
            if listing is None or (listing.items[0].number is None) == ordered:
                paragraph, listing = None, Block("list")
                found.append(listing)
            listing.items.append(Item(_number(listing.items, item.group(3)) if ordered else None, [item.group(4)]))
        elif listing is not None and line[:1].isspace():
            last = listing.items[-1]
            (last.sub[-1] if last.sub else last).lines.append(line.strip())
        else:
            listing = None
            if paragraph is None:
                paragraph = Block("paragraph")
                found.append(paragraph)
            paragraph.lines.append(line.strip())
    return found


def _number(items: list[Item], written: str | None) -> int:
    """A list counts on from its first number, as a browser numbers an <ol start=...>."""
    first = items[0].number if items and items[0].number is not None else None
    return first + len(items) if first is not None else int(written or 1)


def elements(text: str, article_link: ArticleLink) -> list[Element]:
    """``text`` as Adaptive Card elements in Teams' subset, one or more per block."""
    out: list[Element] = []
    for block in blocks(text):
        if block.kind == "heading":
            out.append(text_block(inline(block.lines[0], article_link), weight="Bolder", spacing="Medium"))
        elif block.kind == "paragraph":
            out.extend(_lines(block.lines, article_link))
        else:
            out.extend(_item(item, article_link) for item in block.items)
    return out


def _lines(lines: list[str], article_link: ArticleLink) -> list[Element]:
    shown = [text_block(inline(line, article_link)) for line in lines]
    for line in shown[1:]:
        line["spacing"] = "None"  # a line break, not a new paragraph
    return shown


def _item(item: Item, article_link: ArticleLink) -> Element:
    marker = f"{item.number}." if item.number is not None else BULLET
    body = _lines(item.lines, article_link) + [_item(sub, article_link) for sub in item.sub]
    return {
        "type": "ColumnSet",
        "spacing": "Small",
        "columns": [
            {
                "type": "Column",
                "width": "auto",
                "items": [{"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": marker}]}],
            },
            {"type": "Column", "width": "stretch", "spacing": "Small", "items": body},
        ],
    }


def text_block(text: str, **style: Any) -> Element:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def plain_text(text: str) -> str:
    """Text that Teams shows exactly as written (for titles and other text that is not Markdown)."""
    return _start_safe(_escape(text))


def inline(text: str, article_link: ArticleLink) -> str:
    """One line of AskIT's Markdown as Teams-safe Markdown: bold, italic and links kept, the rest literal."""
    return _start_safe(_inline(text, article_link, in_link=False))


def _start_safe(text: str) -> str:
    """Escape a start that Teams could read as a list item or heading ("1. ", "- ", "# ")."""
    match = _BLOCK_START.match(text)
    if match is None or (match.group(1).strip() and match.group(2) not in ".)"):
        return text
    return f"{match.group(1)}\\{text[len(match.group(1)) :]}"


def _inline(text: str, article_link: ArticleLink, in_link: bool) -> str:
    out: list[str] = []
    literal = out.append
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPABLE:
            literal(_escape(text[i + 1]))
            i += 2
            continue
        if c == "`":
            end = text.find("`", i + 1)
            if end > i + 1:  # code: exactly its characters
                literal(_escape(text[i + 1 : end]))
                i = end + 1
                continue
        marker = "**" if text.startswith("**", i) else "*" if c == "*" else ""
        if marker:
            end = _closing(text, marker, i + len(marker))
            if end > 0:
                inner = _inline(text[i + len(marker) : end], article_link, in_link)
                out.append(f"**{inner}**" if marker == "**" else f"_{inner}_")
                i = end + len(marker)
                continue
        if c == "[" and not in_link:
            link = _link(text, i)
            if link is not None:
                label, target, end = link
                out.append(_link_text(label, target, text[i:end], article_link))
                i = end
                continue
        literal(_escape(c))
        i += 1
    return "".join(out)


def _escape(text: str) -> str:
    return "".join("\\" + c if c in _TEAMS_SPECIAL else c for c in text)


def _closing(text: str, marker: str, start: int) -> int:
    """Where emphasis opened just before ``start`` closes (as bot/web/markdown.js); -1 if it does not."""
    if start >= len(text) or text[start].isspace():
        return -1
    at = text.find(marker, start + 1)
    while at > 0:
        single = marker != "*" or (text[at + 1 : at + 2] != "*" and text[at - 1] != "*")
        if single and not text[at - 1].isspace():
            return at
        at = text.find(marker, at + 1)
    return -1


def _link(text: str, start: int) -> tuple[str, str, int] | None:
    close = text.find("]", start + 1)
    if close < 0 or text[close + 1 : close + 2] != "(":
        return None
    end = text.find(")", close + 2)
    if end < 0:
        return None
    label, target = text[start + 1 : close], text[close + 2 : end].strip()
    if not label or not target or any(c.isspace() for c in target) or "[" in label:
        return None
    return label, target, end + 1


def _link_text(label: str, target: str, source: str, article_link: ArticleLink) -> str:
    shown = _inline(label, article_link, in_link=True)
    if target.startswith("kb:"):
        url = article_link(target[3:]) if is_article_id(target[3:]) else None
        return f"[{shown}]({_url(url)})" if url else shown  # an article with no page: its title reads fine
    url = safe_url(target)
    if url is None:
        return _escape(source)
    return f"[{shown}]({_url(url)})"


def safe_url(target: str) -> str | None:
    """``target`` if it is an absolute http(s) URL with a host, or a mailto: or tel: URL; else None."""
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if (scheme in _WEB_SCHEMES and parts.hostname) or scheme in _OTHER_SCHEMES:
        return target
    return None


def _url(url: str) -> str:
    return quote(url, safe=_URL_SAFE)
