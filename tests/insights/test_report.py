"""The committee's monthly report (bot/insights/report.py) on a generated history: the figures in it
are the store's, small counts are hidden, and the PDF Chromium prints has pages that are drawn
(poppler's pdftoppm renders them) and are not blank."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path
from typing import cast

import pytest

from bot import sql
from bot.insights import figures as f
from bot.insights.report import Month, render, write_report
from bot.insights.settings import InsightsSettings
from bot.insights.store import InsightsStore
from tests.insights.history import DAY, Chat, Log
from tests.insights.test_figures import history


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> InsightsStore:
    folder = tmp_path_factory.mktemp("report")
    loaded = InsightsStore.open(folder / "insights.sqlite")
    loaded.load(sql.open_database(history(size=600, seed=3).log.write(folder / "events.db")))
    return loaded


def test_the_report_shows_the_months_figures_and_hides_small_counts(store: InsightsStore) -> None:
    settings = InsightsSettings.load()
    month = Month.parse("2026-10")
    page = render(store, settings, month, None)
    total = store.figures(month.start, month.end)["all"]
    tiles = re.search(r"Confirmed deflections</th><td>([^<]+)</td>", page)
    assert tiles is not None and tiles.group(1) == f.shown(total.confirmed)
    assert "<th scope='row'>riverside</th>" in page and "Definitions" in page and "<dt>Containment</dt>" in page
    assert page.count('role="img"') == 2 and "<svg" in page  # the charts, each with a name and a table
    triage = store.triage(month.start, month.end)
    assert triage and all(
        f"<th scope='row'>{group}</th><td>{priority}</td><td>{html.escape(f.shown(count))}</td>" in page
        for group, priority, count in triage
    )  # the tickets raised, by team and priority
    one = render(store, settings, month, "southmere")
    assert "Council: southmere" in one and "<h2>By council</h2>" not in one
    for shown in (page, one):
        assert not re.search(r"<td>[1-4]</td>", shown)  # a count of 1 to 4 is never printed


def test_small_counts_are_hidden(tmp_path: Path) -> None:
    few = InsightsStore.open(tmp_path / "insights.sqlite")
    few.load(sql.open_database(history(size=12, seed=5).log.write(tmp_path / "events.db")))
    shown = render(few, InsightsSettings.load(), Month.parse("2026-10"), None)
    assert "<td>&lt;5</td>" in shown and not re.search(r"<td>[1-4]</td>", shown)


def test_live_chats_and_their_ratings_are_reported_per_council_without_small_counts(tmp_path: Path) -> None:
    log, october = Log(), Month.parse("2026-10").start + 3 * DAY
    for n, rating in enumerate((5, 5, 4, 2, 5, 4)):
        Chat(log, f"r{n}", at=october).live_chat(f"h-r{n}", rating=rating)
    for n in range(2):
        Chat(log, f"n{n}", at=october, email="sam@northbrook.example").live_chat(f"h-n{n}", rating=5)
    chats = InsightsStore.open(tmp_path / "insights.sqlite")
    chats.load(sql.open_database(log.write(tmp_path / "events.db")))
    page = render(chats, InsightsSettings.load(), Month.parse("2026-10"), None)
    assert "<h2>Live chats with a person</h2>" in page
    assert "<th scope='row'>riverside</th><td>6</td><td>6</td><td>4.2</td><td>83%</td>" in page
    assert "<th scope='row'>northbrook</th><td>&lt;5</td><td>&lt;5</td><td>–</td><td>–</td>" in page


def test_known_incidents_are_reported_per_council_without_small_counts(tmp_path: Path) -> None:
    log, october = Log(), Month.parse("2026-10").start + 3 * DAY
    for n in range(6):
        Chat(log, f"r{n}", at=october).incident_card("inc-vpn").affected("inc-vpn").subscribes("inc-vpn")
    Chat(log, "n0", at=october, email="sam@northbrook.example").incident_card("inc-vpn").affected("inc-vpn")
    Chat(log, "late", at=october + 40 * DAY).incident_card("inc-vpn")  # November: not in October's report
    met = InsightsStore.open(tmp_path / "insights.sqlite")
    met.load(sql.open_database(log.write(tmp_path / "events.db")))
    settings, month = InsightsSettings.load(), Month.parse("2026-10")
    page = render(met, settings, month, None, {"inc-vpn": "VPN unavailable"})
    name = "<th scope='row'>VPN unavailable (inc-vpn)</th>"
    assert "<h2>Known incidents</h2>" in page and "<dt>Tickets avoided</dt>" in page
    assert f"{name}<td>riverside</td><td>6</td><td>6</td><td>6</td><td>0</td><td>0</td><td>0</td><td>6</td>" in page
    assert f"{name}<td>northbrook</td><td>&lt;5</td><td>&lt;5</td><td>0</td>" in page
    assert not re.search(r"<td>[1-4]</td>", page)
    one = render(met, settings, month, "northbrook")  # no titles: the incident's id
    assert "<th scope='row'>inc-vpn</th><td>northbrook</td>" in one and "<td>riverside</td>" not in one
    assert "None met this month" in render(met, settings, month, "southmere")


def test_the_pdf_has_pages_that_are_drawn(store: InsightsStore, tmp_path: Path) -> None:
    html, pdf = write_report(store, InsightsSettings.load(), Month.parse("2026-10"), None, tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF") and html.suffix == ".html"
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    from PIL import Image

    for png in pages[:2]:
        darkest, lightest = cast(tuple[int, int], Image.open(png).convert("L").getextrema())
        assert darkest < 100 < lightest  # ink on paper, not a blank page


def test_a_bad_month_is_named() -> None:
    with pytest.raises(ValueError, match="--month: '2026-13'"):
        Month.parse("2026-13")
