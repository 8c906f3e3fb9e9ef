"""The Adaptive Cards AskIT sends in Teams, laid out for a phone first (320 px), and checked as Teams
draws them (tests/e2e/test_teams_cards.py renders each with Microsoft's renderer and Teams' host
config). Pure functions, tested without a server.

- Teams never wraps an action's title, so a choice (clarify, welcome, narrow) is a row of the card's
  body: wrapped text, the whole row clickable. Other buttons go in rows of at most what fits.
- An answer shows its first screen: the title as a heading, the steps that fit, "Did this help?"
  with its buttons; the rest of the steps are folded behind "Show more" (Action.ToggleVisibility).
- A ticket shows its reference in bold, the team, priority and expected response, and an "Open
  ticket" button where the desk has a page.
- After a button is used, or when a newer card takes over, the channel draws the card again
  without its buttons (``Used``) and updates it in place, so an old card cannot start a second flow.

Article text reaches cards only through bot/channels/teams_markdown.py.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot import replies
from bot.channels.teams_markdown import ArticleLink, Element, elements, inline, plain_text, text_block
from bot.replies import answer_parts

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"  # the newest version every Teams client renders
PAYLOAD_KEY = "askit_payload"  # where a card button carries the message Rasa should receive
MAX_CARD_BYTES = 24_000  # Teams refuses a message over ~28 KB; a longer article is cut and linked

# What fits on the first screen of a phone: a 320 px card is about 36 characters of text wide; 14
# lines of steps leave the title and "Did this help?" with its buttons inside 600 px.
LINE_CHARS = 36
FIRST_SCREEN_LINES = 14
ROW_PX = 270  # a 320 px card's width for buttons, less its padding
CHAR_PX, BUTTON_PX, GAP_PX = 8, 34, 8  # a button's title at Teams' 14 px semibold, padding, spacing

_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
REST_ID, MORE_ID = "askit-rest", "askit-more"
SHORT = {"/helped": "Yes", "/not_helped": "No"}  # an answer's feedback buttons, beside "Did this help?"
ALL_STEPS = "All steps"
CLOSED = "These buttons are closed: the conversation has moved on."


@dataclass(frozen=True)
class Used:
    """What became of a card's buttons: ``chosen`` is the title of the one pressed, or None when a
    newer card closed it."""

    chosen: str | None = None


def card(message: Mapping[str, Any], article_link: ArticleLink, used: Used | None = None) -> Element | None:
    """The card for one Rasa message, or None where the message reads best as plain text."""
    text = str(message.get("text") or "")
    buttons = [b for b in message.get("buttons") or message.get("quick_replies") or [] if isinstance(b, Mapping)]
    given = message.get("custom")
    custom: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    parts = answer_parts(text) if custom.get("decision") == "answer" else None
    if parts and custom.get("article_id"):
        return _answer(str(custom["article_id"]), *parts, buttons, article_link, used)
    if custom.get("flow") == "ticket_created" and custom.get("ticket_ref"):  # raised, or news of it
        return _ticket(text, custom, article_link)
    if custom.get("decision") in ("clarify", "narrow") or custom.get("flow") == "welcome":
        return _choices(text, buttons, article_link, used)
    if buttons:
        return _card(elements(text, article_link) + _buttons(buttons, used))
    shown = elements(text, article_link)
    if any(e["type"] != "TextBlock" or _is_heading(e) for e in shown):  # lists or headings
        return _card(shown)
    return None


def markdown_text(text: str, article_link: ArticleLink) -> str:
    """A plain reply as the Markdown of a Teams text message: one paragraph per line, HTML tags
    dropped (Teams renders some in a message, never in a card)."""
    lines = _TAG.sub("", text).splitlines()
    return "\n\n".join(inline(line, article_link) for line in lines if line.strip())


def interactive(message: Mapping[str, Any]) -> bool:
    """Whether the message's card has buttons that send something to the bot."""
    return bool(message.get("buttons") or message.get("quick_replies"))


def button_title(message: Mapping[str, Any], payload: str) -> str | None:
    """The title of the message's button that sends ``payload`` (what the user pressed)."""
    for button in message.get("buttons") or message.get("quick_replies") or []:
        if isinstance(button, Mapping) and _payload(button) == payload:
            return str(button.get("title") or payload)
    return None


def submit(title: str, payload: str, shown: str | None = None) -> Element:
    """A button that sends ``payload`` to the bot and shows ``title`` as the user's message;
    ``shown`` is a shorter label for the button itself."""
    return {
        "type": "Action.Submit",
        "title": shown or title,
        "data": {
            PAYLOAD_KEY: payload,
            "msteams": {"type": "messageBack", "displayText": title, "text": payload, "value": {PAYLOAD_KEY: payload}},
        },
    }


def _answer(
    article_id: str,
    title: str,
    body: str,
    buttons: Sequence[Mapping[str, Any]],
    article_link: ArticleLink,
    used: Used | None,
) -> Element:
    steps = elements(body, article_link)
    first, rest = _first_screen(steps)
    shown: list[Element] = [text_block(plain_text(title), style="heading"), *first]
    if rest:
        shown.append(
            {
                "type": "ActionSet",
                "id": MORE_ID,
                "actions": [
                    {"type": "Action.ToggleVisibility", "title": "Show more", "targetElements": [MORE_ID, REST_ID]}
                ],
            }
        )
        shown.append({"type": "Container", "id": REST_ID, "isVisible": False, "items": rest})
    if used is None:
        shown.append(text_block(replies.ANSWER_PROMPT, weight="Bolder", spacing="Medium"))
        feedback = [submit(str(b.get("title")), _payload(b), SHORT.get(_payload(b), ALL_STEPS)) for b in buttons]
        shown.extend(_rows(feedback))
    else:
        shown.append(_outcome(used))
    url = article_link(article_id)
    if url:  # an article only one council sees has no public page unless the council publishes one
        shown.append(_row([{"type": "Action.OpenUrl", "title": "Open article", "url": url}]))
    return _fit(_card(shown))


def _first_screen(steps: list[Element]) -> tuple[list[Element], list[Element]]:
    """The steps that fit a phone's first screen, and the rest (nothing, when the rest is short)."""
    lines = [_lines(step, LINE_CHARS) for step in steps]
    if sum(lines) <= FIRST_SCREEN_LINES + 3:  # folding away two lines would only add a button
        return steps, []
    count, total = 1, lines[0]
    while count < len(steps) and total + lines[count] <= FIRST_SCREEN_LINES:
        total += lines[count]
        count += 1
    while count > 1 and _is_heading(steps[count - 1]):  # a heading goes with the steps under it
        count -= 1
    return steps[:count], steps[count:]


def _is_heading(element: Element) -> bool:
    return element["type"] == "TextBlock" and element.get("weight") == "Bolder"


def _lines(element: Element, width: int) -> int:
    """About how many lines of text ``element`` takes at ``width`` characters a line."""
    if element["type"] == "TextBlock":
        return max(1, math.ceil(len(str(element["text"])) / width))
    if element["type"] == "ColumnSet":
        return sum(_lines(item, width - 3) for item in element["columns"][-1]["items"])
    return 1


def _choices(text: str, buttons: Sequence[Mapping[str, Any]], article_link: ArticleLink, used: Used | None) -> Element:
    """Each choice a row of the body, wrapped and clickable as a whole."""
    rows = []
    for button in buttons:
        title = str(button.get("title") or "")
        row: Element = {
            "type": "Container",
            "style": "emphasis",
            "spacing": "Small",
            "items": [text_block(plain_text(title))],
        }
        if used is None:
            row["selectAction"] = submit(title, _payload(button))
        elif title == used.chosen:
            row["items"] = [text_block(f"✓ {plain_text(title)}", weight="Bolder")]
        rows.append(row)
    closed = [] if used is None or used.chosen else [_outcome(used)]
    return _card([*elements(text, article_link), *rows, *closed])


def _buttons(buttons: Sequence[Mapping[str, Any]], used: Used | None) -> list[Element]:
    if used is not None:
        return [_outcome(used)]
    return _rows([submit(str(b.get("title") or ""), _payload(b)) for b in buttons])


def _outcome(used: Used) -> Element:
    said = f"✓ {plain_text(used.chosen)}" if used.chosen else CLOSED
    return text_block(said, isSubtle=True, spacing="Medium")


def _ticket(text: str, custom: Mapping[str, Any], article_link: ArticleLink) -> Element:
    ref, url = str(custom["ticket_ref"]), custom.get("ticket_url")
    facts = []
    if custom.get("group"):
        facts.append({"title": "Team", "value": plain_text(replies.team_name(str(custom["group"])))})
    if custom.get("priority"):
        major = " (major incident)" if custom.get("major_incident") else ""
        facts.append({"title": "Priority", "value": plain_text(f"{custom['priority']}{major}")})
    if custom.get("response_time"):
        facts.append({"title": "Response", "value": plain_text(str(custom["response_time"]))})
    shown: list[Element] = [
        text_block("Ticket raised", style="heading"),
        text_block(plain_text(ref), size="ExtraLarge", weight="Bolder", spacing="Small"),
    ]
    if facts:
        shown.append({"type": "FactSet", "facts": facts})
    next_steps = text.replace(replies.follow_it(url), "").rsplit("\n\n", 1)[-1]  # the rest is in the facts
    shown.extend(elements(next_steps, article_link))
    if isinstance(url, str):
        shown.append(_row([{"type": "Action.OpenUrl", "title": "Open ticket", "url": url}]))
    return _card(shown)


def _rows(actions: list[Element]) -> list[Element]:
    """``actions`` in rows of what fits a phone's width, in order."""
    rows: list[list[Element]] = []
    width = ROW_PX + GAP_PX
    for action in actions:
        need = len(str(action["title"])) * CHAR_PX + BUTTON_PX + GAP_PX
        if not rows or width + need > ROW_PX + GAP_PX:
            rows.append([])
            width = 0
        rows[-1].append(action)
        width += need
    return [_row(row) for row in rows]


def _row(actions: list[Element]) -> Element:
    return {"type": "ActionSet", "spacing": "Small", "actions": actions}


def _payload(button: Mapping[str, Any]) -> str:
    return str(button.get("payload") or button.get("title") or "")


def _card(body: list[Element]) -> Element:
    return {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION, "body": body}


def _fit(answer: Element) -> Element:
    """An answer too big for Teams loses the end of its folded steps; the article page has them."""
    rest = next((e for e in answer["body"] if e.get("id") == REST_ID), None)
    if rest is None:
        return answer
    steps, note = rest["items"], text_block("…the rest is in the full article.", isSubtle=True)
    while len(steps) > 1 and len(json.dumps(answer, ensure_ascii=False).encode()) > MAX_CARD_BYTES:
        steps = steps[:-1]
        rest["items"] = [*steps, note]
    return answer
