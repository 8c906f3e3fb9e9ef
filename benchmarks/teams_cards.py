"""The Teams cards' sizes and heights, and screenshots of each kind (docs/teams.md).

Every card AskIT sends (tests/e2e/teams_render.py's catalogue: each article's answer whole and per
section, and every other reply) is built as the channel sends it and drawn by Microsoft's renderer
with the Teams light host config in headless Chromium at 320 and 450 px. Prints, per kind, the
activity's size (UTF-8 bytes, and UTF-16 bytes, as Teams counts its ~28 KB limit) and the card's
height; ``--write FILE`` puts the table in FILE between markers, ``--screenshots DIR`` saves one PNG
per kind and width.

    .venv-actions/bin/python -m benchmarks.teams_cards --write docs/benchmarks.md --screenshots docs/teams
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
from collections import defaultdict
from pathlib import Path

from bot.channels.teams_payloads import reply
from tests.e2e.teams_render import WIDTHS, article_link, catalogue, teams_renderer

BEGIN, END = "<!-- teams-cards:begin -->", "<!-- teams-cards:end -->"
TEAMS_LIMIT_BYTES = 28 * 1024
SHOTS = {  # the card of each kind shown in docs/teams.md
    ("answer section", "printer-toner-jam#1"): "answer",
    ("answer", "printer-add"): "answer-whole",
    ("clarify", "three longest titles"): "clarify",
    ("clarify", "one chosen"): "clarify-chosen",
    ("welcome", "welcome"): "welcome",
    ("ticket offer", "person, desk closed"): "ticket-offer",
    ("ticket", "created"): "ticket",
    ("ticket status", "two tickets"): "ticket-status",
    ("answer", "closed"): "answer-closed",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", type=Path, help="put the table in this Markdown file, between markers")
    parser.add_argument("--screenshots", type=Path, help="save a PNG of each kind at each width here")
    args = parser.parse_args()
    sizes: dict[str, list[tuple[int, int]]] = defaultdict(list)
    heights: dict[tuple[str, int], list[float]] = defaultdict(list)
    with teams_renderer() as renderer:
        for kind, name, message, used in catalogue():
            activity = reply(message, article_link, used)
            text = json.dumps(activity, ensure_ascii=False)
            sizes[kind].append((len(text.encode()), len(text.encode("utf-16-le"))))
            card = activity["attachments"][0]["content"] if activity.get("attachments") else None
            if card is None:
                continue
            for width in WIDTHS.values():
                heights[(kind, width)].append(renderer.render(card, width).height)
                shot = SHOTS.get((kind, name))
                if shot and args.screenshots:
                    args.screenshots.mkdir(parents=True, exist_ok=True)
                    renderer.screenshot(card, width, args.screenshots / f"{shot}-{width}.png")
    table = _table(sizes, heights)
    print(table)
    if args.write:
        page = args.write.read_text()
        block = f"{BEGIN}\n{table}\n{END}"
        page = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, page, flags=re.DOTALL)
        args.write.write_text(page if block in page else f"{page.rstrip()}\n\n{block}\n")


def _table(sizes: dict[str, list[tuple[int, int]]], heights: dict[tuple[str, int], list[float]]) -> str:
    mobile, desktop = WIDTHS["mobile"], WIDTHS["desktop"]
    lines = [
        f"Machine: {platform.machine()}, {platform.system()}; Teams' limit is about {TEAMS_LIMIT_BYTES:,} bytes.",
        "",
        f"| kind | cards | largest UTF-8 bytes | largest UTF-16 bytes | median / tallest at {mobile} px "
        f"| median / tallest at {desktop} px |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind, found in sizes.items():
        drawn = [
            f"{statistics.median(heights[(kind, w)]):.0f} / {max(heights[(kind, w)]):.0f}"
            if heights[(kind, w)]
            else "text"
            for w in (mobile, desktop)
        ]
        utf8, utf16 = max(s[0] for s in found), max(s[1] for s in found)
        lines.append(f"| {kind} | {len(found)} | {utf8:,} | {utf16:,} | {drawn[0]} | {drawn[1]} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
