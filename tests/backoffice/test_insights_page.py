"""The insights dashboard (bot/backoffice/insights.py) in-process: what a manager sees equals the
store's figures; other roles get 403; a council's manager sees only that council, whatever the
request asks; the tables download as CSV; hostile parameters get a clear refusal."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot import sql
from bot.backoffice.app import create_app
from bot.backoffice.insights import WEEKS, insights_routes
from bot.backoffice.settings import load_settings
from bot.identity import load_tenants
from bot.incidents.models import IncidentFields
from bot.incidents.store import IncidentStore
from bot.insights.figures import INCIDENT_COUNTS, Gap, GapRun
from bot.insights.incidents import incident_titles
from bot.insights.settings import InsightsSettings
from bot.insights.store import InsightsStore
from bot.sql import Database
from tests.backoffice.conftest import BASE_URL, SECRET, Browser
from tests.insights.history import Chat, Log
from tests.insights.test_figures import history


@pytest.fixture
def store(db: Database, tmp_path: Path) -> InsightsStore:
    loaded = InsightsStore(db)
    loaded.load(sql.open_database(history(size=300, seed=4).log.write(tmp_path / "events.db")))
    return loaded


@contextmanager
def open_dashboard(db: Database, store: InsightsStore) -> Iterator[Browser]:
    settings = load_settings({"ASKIT_BACKOFFICE_SECRET": SECRET}, dev=True, port=5057)
    incidents = IncidentStore(db, load_tenants().ids)  # the known incidents' titles, as __main__ reads them
    routes = insights_routes(store, InsightsSettings.load(), lambda: incident_titles(incidents))
    app = create_app(settings, db, dev=True, routes=routes)
    with TestClient(app, base_url=BASE_URL) as client:
        yield Browser(client)


@pytest.fixture
def dashboard(db: Database, store: InsightsStore) -> Iterator[Browser]:
    with open_dashboard(db, store) as browser:
        yield browser


def test_a_manager_sees_the_figures_of_the_store(dashboard: Browser, store: InsightsStore) -> None:
    dashboard.sign_in("manager")
    page = dashboard.client.get("/insights")
    assert page.status_code == 200
    text = page.text
    for section in ("The last 30 days", "Outcomes of questions by week", "the last 12 months", "Each council"):
        assert section in text
    now = time.time()
    weeks = list(store.figures(now - WEEKS * 7 * 86_400, now, by="week"))
    assert weeks and all(f'<th scope="col">{week}</th>' in text for week in weeks)  # the weekly table's columns
    recent = store.figures(now - 30 * 86_400, now)["all"]
    assert f'<th scope="row">Questions</th><td>{recent.questions}</td>' in text
    assert 'data-kind="stacked"' in text and "/static/vendor/chart.umd.min.js" in text
    assert "<dt>Containment</dt><dd>the share of questions" in text  # the definitions are on the page
    latest = max(q.at for q in store.questions())
    asked = time.strftime("%d %B %Y, %H:%M UTC", time.gmtime(latest)).lstrip("0")
    assert f"These figures include the questions asked up to {asked}." in text


def test_before_any_load_the_page_says_why_it_is_empty(db: Database) -> None:
    with open_dashboard(db, InsightsStore(db)) as dashboard:
        dashboard.sign_in("manager")
        text = dashboard.client.get("/insights").text
    assert "No conversations have been loaded yet: the figures appear once the insights loader has run" in text


def test_the_tables_download_as_csv_and_match_the_store(dashboard: Browser, store: InsightsStore) -> None:
    dashboard.sign_in("manager")
    reply = dashboard.client.get("/insights/councils.csv")
    assert reply.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(reply.text)))
    assert rows[0][:3] == ["Council", "Questions", "Confirmed"]
    assert {r[0] for r in rows[1:]} <= {"northbrook", "riverside", "southmere", "unknown"}
    assert dashboard.client.get("/insights/nothing.csv").status_code == 404


@pytest.mark.parametrize("who", ["editor", "agent", "approver"])
def test_other_roles_are_refused(dashboard: Browser, who: str) -> None:
    dashboard.sign_in(who)
    assert dashboard.client.get("/insights").status_code == 403
    assert dashboard.client.get("/insights/weeks.csv").status_code == 403


def test_nobody_signed_in_is_sent_to_sign_in(dashboard: Browser) -> None:
    reply = dashboard.client.get("/insights", follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"].startswith("/signin")


def test_a_councils_manager_sees_only_that_council(dashboard: Browser) -> None:
    dashboard.sign_in("manager-riverside")
    page = dashboard.client.get("/insights").text
    assert '<option value="riverside" selected>' in page and "All councils" not in page
    assert "Each council" not in page  # no other council's row
    assert dashboard.client.get("/insights?council=northbrook").status_code == 403
    assert dashboard.client.get("/insights/weeks.csv?council=northbrook").status_code == 403


@pytest.mark.parametrize("council", ["<script>", "x" * 5000, "riverside' OR 1=1 --", "../../etc"])
def test_hostile_councils_are_refused(dashboard: Browser, council: str) -> None:
    dashboard.sign_in("manager")
    reply = dashboard.client.get("/insights", params={"council": council})
    assert reply.status_code == 403 and "<script>" not in reply.text


def test_content_gaps_are_shown_from_the_last_run_each_council_its_own(
    dashboard: Browser, store: InsightsStore
) -> None:
    dashboard.sign_in("manager")
    assert "Not worked out yet" in dashboard.client.get("/insights").text  # no run yet: said, not an empty table
    northbrook = [q for q in store.questions() if q.tenant == "northbrook"][:5]
    riverside = [q for q in store.questions() if q.tenant == "riverside"][:2]
    asked = (*northbrook, *riverside)
    store.save_gaps(GapRun(time.time(), 0.0, float("inf"), 7, [Gap("pool car", 7, {}, (), tuple(q.id for q in asked))]))
    page = dashboard.client.get("/insights").text
    assert "among 7 such questions asked, grouped on" in page
    assert '<th scope="row">pool car</th><td>7</td><td>northbrook 5, riverside 2</td>' in page
    rows = list(csv.reader(io.StringIO(dashboard.client.get("/insights/gaps.csv").text)))
    assert rows[0] == ["Topic", "Questions", "Councils", "Examples"] and rows[1][:3] == [
        "pool car",
        "7",
        "northbrook 5, riverside 2",
    ]

    dashboard.sign_in("manager-riverside")  # 2 of its questions: under the minimum, and nothing of northbrook's
    page = dashboard.client.get("/insights").text
    assert "pool car" not in page and "Nothing to show for this period." in page


def test_live_chats_and_their_ratings_per_council_match_the_store(db: Database, tmp_path: Path) -> None:
    log, yesterday = Log(), time.time() - 86_400
    Chat(log, "a", at=yesterday).live_chat("h-a", rating=5)
    Chat(log, "b", at=yesterday).live_chat("h-b", rating=2)
    Chat(log, "c", at=yesterday, email="sam@northbrook.example").live_chat("h-c")  # not rated
    store = InsightsStore(db)
    store.load(sql.open_database(log.write(tmp_path / "events.db")))
    with open_dashboard(db, store) as dashboard:
        dashboard.sign_in("manager")
        assert "Live chats with a person" in dashboard.client.get("/insights").text
        rows = list(csv.reader(io.StringIO(dashboard.client.get("/insights/chats.csv").text)))
    assert rows == [
        ["Council", "Chats", "Rated", "Average rating", "Rated 4 or 5"],
        ["northbrook", "1", "0", "–", "–"],
        ["riverside", "2", "2", "3.5", "50%"],
    ]


def test_each_channel_and_the_tickets_triage_match_the_store(dashboard: Browser, store: InsightsStore) -> None:
    dashboard.sign_in("manager")
    now = time.time()
    triage = store.triage(now - 30 * 86_400, now)
    assert triage and sum(n for _, _, n in triage) == len(store.tickets(now - 30 * 86_400, now))
    rows = list(csv.reader(io.StringIO(dashboard.client.get("/insights/tickets.csv").text)))
    assert rows == [["Team", "Priority", "Tickets"], *([g, p, str(n)] for g, p, n in triage)]
    channels = list(csv.reader(io.StringIO(dashboard.client.get("/insights/channels.csv").text)))
    per_channel = store.figures(now - 30 * 86_400, now, by="channel")
    assert {r[0]: r[1] for r in channels[1:]} == {
        {"webchat": "Web chat", "teams": "Microsoft Teams"}[name]: str(row.questions)
        for name, row in per_channel.items()
    }


def test_known_incidents_per_council_match_the_store_and_name_each_incident(db: Database, tmp_path: Path) -> None:
    fields = IncidentFields("VPN unavailable", "The VPN will not connect.", ("vpn down",), ("riverside", "northbrook"))
    vpn = IncidentStore(db, load_tenants().ids).declare(fields, source="cli", now=time.time()).id
    log, yesterday = Log(), time.time() - 86_400
    for n in range(6):
        chat = Chat(log, f"r{n}", at=yesterday, email=f"r{n}@riverside.example").incident_card(vpn).affected(vpn)
        if n == 0:
            chat.affected(vpn).ticket("INC1", incident_id=vpn)  # pressed twice, then still asked for a ticket
    Chat(log, "n0", at=yesterday, email="sam@northbrook.example").incident_card(vpn).subscribes(vpn).told(vpn)
    Chat(log, "u0", at=yesterday + 60, email="x@riverside.example").incident_card("inc-gone")  # no record: its id
    store = InsightsStore(db)
    store.load(sql.open_database(log.write(tmp_path / "events.db")))
    head = ["Incident", "Council", *INCIDENT_COUNTS.values()]
    with open_dashboard(db, store) as dashboard:
        dashboard.sign_in("manager")
        page = dashboard.client.get("/insights").text
        rows = list(csv.reader(io.StringIO(dashboard.client.get("/insights/incidents.csv").text)))
        dashboard.sign_in("manager-riverside")
        own = list(csv.reader(io.StringIO(dashboard.client.get("/insights/incidents.csv").text)))
        refused = dashboard.client.get("/insights/incidents.csv?council=northbrook").status_code
    assert f'<th scope="row">VPN unavailable ({vpn})</th><td>riverside</td><td>6</td><td>6</td>' in page
    assert "<dt>Tickets avoided</dt><dd>affected members of staff who raised no ticket" in page  # defined there
    assert rows == [
        head,
        [f"VPN unavailable ({vpn})", "northbrook", "1", "0", "1", "1", "0", "0", "0"],
        [f"VPN unavailable ({vpn})", "riverside", "6", "6", "0", "0", "0", "1", "5"],
        ["inc-gone", "riverside", "1", "0", "0", "0", "0", "0", "0"],
    ]  # the counts are exact here: the "under 5" rule is for the committee
    assert own == [head, rows[2], rows[3]] and refused == 403
