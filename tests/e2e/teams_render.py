"""AskIT's Teams cards as Teams draws them: Microsoft's Adaptive Cards renderer (npm ``adaptivecards``)
with the Teams light host config and styles (npm ``adaptivecards-designer``) in headless Chromium,
and what a reader would notice measured in the DOM.

Markdown in a TextBlock is rendered by markdown-it limited to Teams' subset (bold, italic, links,
backslash escapes) less lists: AskIT never sends a list as Markdown (Teams mobile draws nested ones
raw), so a list marker that slipped into a TextBlock shows as the raw text it would be on a phone.

Also the catalogue of every kind of card AskIT sends (``catalogue``), for the test and for
benchmarks/teams_cards.py (screenshots and sizes).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from bot import replies
from bot.channels.teams_cards import Used
from bot.channels.teams_payloads import reply
from bot.knowledge.articles import Article, read_articles
from bot.knowledge.facets import facet_question
from bot.knowledge.passages import section_passage, split
from bot.priority import MAJOR_INCIDENT
from tests.browser import chromium

ROOT = Path(__file__).resolve().parents[2]
NODE = ROOT / "tests" / "e2e" / "node_modules"
RENDERER = NODE / "adaptivecards" / "dist" / "adaptivecards.min.js"
MARKDOWN = NODE / "markdown-it" / "dist" / "markdown-it.min.js"
HOST_CONFIG = NODE / "adaptivecards-designer" / "lib" / "hostConfigs" / "microsoft-teams-light.json"
TEAMS_CSS = NODE / "adaptivecards-designer" / "dist" / "containers" / "teams-container-light.css"
WIDTHS = {"mobile": 320, "desktop": 450}
ARTICLE_URL = "https://askit.sharedict.example/webchat/articles/{}"

_MEASURE = """
(args) => {
  const host = document.getElementById("host");
  host.replaceChildren();
  host.style.width = args.width + "px";
  const card = new AdaptiveCards.AdaptiveCard();
  card.hostConfig = new AdaptiveCards.HostConfig(args.hostConfig);
  const context = new AdaptiveCards.SerializationContext();
  card.parse(args.card, context);
  const problems = [];
  for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i).message);
  for (const event of card.validateProperties().validationEvents) problems.push(event.message);
  const element = card.render();
  host.appendChild(element);
  const top = element.getBoundingClientRect().top;
  const cut = [];
  for (const node of element.querySelectorAll("*")) {
    const text = (node.innerText || "").trim();
    if (!text || node.offsetParent === null) continue;
    const style = getComputedStyle(node);
    const clips = style.overflow === "hidden" || style.overflowX === "hidden" || style.textOverflow === "ellipsis";
    if (clips && (node.scrollWidth > node.clientWidth + 1 || node.scrollHeight > node.clientHeight + 1)) cut.push(text);
  }
  const buttons = [...element.querySelectorAll("button")].filter((b) => b.offsetParent !== null).map((b) => ({
    title: b.innerText.trim(), bottom: b.getBoundingClientRect().bottom - top,
  }));
  const rows = [...element.querySelectorAll(".ac-selectable")].map((r) => r.innerText.trim());
  return {height: element.getBoundingClientRect().height, text: element.innerText, cut, buttons, rows, problems};
}
"""


@dataclass(frozen=True)
class Rendered:
    height: float
    text: str  # what a reader sees, as innerText
    cut: list[str]  # text in a box too small for it (an ellipsis, or clipped)
    buttons: list[dict[str, Any]]  # {"title", "bottom": px from the card's top}
    rows: list[str]  # the text of each clickable row
    problems: list[str]  # what the renderer found wrong in the card's JSON


class TeamsRenderer:
    """One page with the renderer loaded; ``render`` draws a card and measures it."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.host_config = json.loads(HOST_CONFIG.read_text())
        page.set_content(
            f"<!doctype html><html><head><meta charset='utf-8'><style>{TEAMS_CSS.read_text()}"
            " body{margin:0;background:#fff} #host{display:inline-block}</style></head>"
            "<body><div id='host' class='teams-card'></div></body></html>"
        )
        page.add_script_tag(path=str(MARKDOWN))
        page.add_script_tag(path=str(RENDERER))
        page.evaluate(
            """() => {
              const md = window.markdownit("zero").enable(["emphasis", "link", "escape", "newline"]);
              AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
                result.outputHtml = md.render(text);
                result.didProcess = true;
              };
            }"""
        )

    def render(self, card: Mapping[str, Any], width: int) -> Rendered:
        found = self.page.evaluate(_MEASURE, {"card": card, "width": width, "hostConfig": self.host_config})
        return Rendered(**found)

    def screenshot(self, card: Mapping[str, Any], width: int, path: Path) -> None:
        self.render(card, width)
        self.page.locator("#host").screenshot(path=str(path))


@contextmanager
def teams_renderer() -> Iterator[TeamsRenderer]:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 800, "height": 1000})
        yield TeamsRenderer(page)


def articles() -> list[Article]:
    found, problems = read_articles(ROOT / "knowledge_base" / "articles")
    assert not problems, problems
    return sorted(found, key=lambda a: a.id)


def article_link(article_id: str) -> str:
    return ARTICLE_URL.format(article_id)


def card_of(message: Mapping[str, Any], used: Used | None = None) -> dict[str, Any] | None:
    """The card in the activity the channel sends for ``message``, or None for a text message."""
    content = reply(message, article_link, used)
    attachments = content.get("attachments") or []
    return attachments[0]["content"] if attachments else None


def catalogue() -> Iterator[tuple[str, str, replies.Reply, Used | None]]:
    """(kind, name, message, used) for every kind of message AskIT sends in Teams: the answer of
    every article, whole and as each of its sections' passages, and every other reply."""
    kb = articles()
    for article in kb:
        yield "answer", article.id, replies.answer(article.id, article.title, article.body, True), None
        for number, section in enumerate(split(article.body)[1], 1):
            shown = section_passage(article, section)
            message = replies.answer(article.id, article.title, shown.text, shown.whole)
            yield "answer section", f"{article.id}#{number}", message, None
    longest = sorted(kb, key=lambda a: len(a.title), reverse=True)[:3]
    clarify = replies.clarify([(a.id, a.title) for a in longest])
    yield "clarify", "three longest titles", clarify, None
    yield "clarify", "one chosen", clarify, Used(longest[1].title)
    facet = facet_question([(a.id, a.facet_values) for a in kb if a.id.startswith("wifi-")])
    if facet is not None:
        yield "facet", facet.facet, replies.facet_choice(facet.question, facet.facet, facet.choices), None
    yield "welcome", "welcome", replies.welcome(), None
    yield "narrow", "narrow", replies.narrow(), None
    yield "escalate", "escalate", replies.escalate(), None
    yield "ticket offer", "not helped", replies.ticket_offer("not_helped", kb[0].id), None
    open_desk = replies.DeskLine("01632 960000", True, "open now, until 18:00")
    closed_desk = replies.DeskLine("01632 960000", False, "closed now; it opens at 08:00 tomorrow", "01632 960999")
    yield "ticket offer", "person, desk open", replies.person(open_desk, True), None
    yield "ticket offer", "person, desk closed", replies.person(closed_desk, True), None
    yield "ticket offer", "start again", replies.start_again("Outlook keeps asking for my password", kb[0].title), None
    yield "ticket offer", "confirm summary", replies.confirm_summary("Laptop will not turn on after update"), None
    yield "ticket offer", "detail", replies.ask_detail("asset_tag"), None
    yield "ticket offer", "used", replies.escalate(), Used(replies.YES["title"])
    yield "answer", "closed", replies.answer(kb[0].id, kb[0].title, kb[0].body, True), Used(None)
    yield "answer", "used", replies.answer(kb[0].id, kb[0].title, kb[0].body, True), Used(replies.HELPED["title"])
    routed = replies.Routed("3", "end-user-computing", "within 1 working day")
    url = "https://servicedesk.sharedict.example/nav_to.do?uri=incident.do%3Fsys_id%3D9d385017c611228701d22104cc95c371"
    yield "ticket", "created", replies.ticket_created("INC0012345", url, routed), None
    yield "ticket", "created, no page", replies.ticket_created("INC0012346", None, routed), None
    major = replies.Routed(MAJOR_INCIDENT, "network")
    yield "ticket", "major incident", replies.ticket_created("INC0012347", url, major), None
    yield "ticket", "news", replies.ticket_news("ASKIT-20261130-0001", "INC0012348", url, open_desk), None
    yield "ticket", "recorded", replies.ticket_recorded("ASKIT-20261130-0002", routed), None
    lines = [
        replies.TicketLine("INC0012345", "In progress", "Laptop will not turn on", "End User Computing", "today 09:12"),
        replies.TicketLine(
            "INC0012349", "On hold", "VPN drops every hour", "Network", "yesterday 16:40",
            "We've replaced the VPN profile on your laptop; please restart it and tell us if it drops again.",
            "today 08:05",
        ),
    ]  # fmt: skip
    yield "ticket status", "two tickets", replies.ticket_status(lines, None), None
    yield "text", "no ticket", replies.no_ticket(closed_desk), None
