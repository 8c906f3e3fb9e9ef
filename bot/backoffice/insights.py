"""The insights dashboard for service desk managers (role ``manager``, for all councils or some):
the last 30 days against the 30 before, outcomes by week, the last 12 months, each council, the
best and worst articles, what staff did with known incidents' cards; every chart drawn from a table
on the page (bot/web/backoffice/insights.js), and every table also as CSV. Its figures come only
from the insights store (bot/insights/store.py); known incidents' titles from their records."""

from __future__ import annotations

import csv
import functools
import io
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.backoffice.access import forbidden, requires
from bot.backoffice.sessions import person_of
from bot.backoffice.templates import render
from bot.insights import figures as f
from bot.insights.settings import InsightsSettings
from bot.insights.store import InsightsStore

DAY = 86_400.0
PERIOD_DAYS = 30
WEEKS = 12
CHANNELS = {"webchat": "Web chat", "teams": "Microsoft Teams", "rest": "REST"}
BEST_MIN_ANSWERS = 5  # an article is ranked only with at least this many answers in the period


@dataclass(frozen=True)
class Table:
    """One table of the page (and its CSV): a caption, column heads, rows of cells."""

    name: str
    caption: str
    head: tuple[str, ...]
    rows: list[tuple[str, ...]]
    chart: str | None = None  # "stacked" | "line": drawn from the table by insights.js


def insights_routes(
    store: InsightsStore, settings: InsightsSettings, titles: Callable[[], Mapping[str, str]] = dict
) -> list[Route]:
    """The dashboard's page and its CSV files, reading ``store``; ``titles``: the known incidents'
    titles by id (bot/insights/incidents.py), read for each request."""
    builders = BUILDERS | {"incidents": functools.partial(_incidents, titles=titles)}

    @requires("manager")
    async def page(request: Request) -> Response:
        council = _council(request)
        if isinstance(council, Response):
            return council
        now = time.time()
        tables = {t.name: t for t in _tables(builders, store, council, now)}
        return render(
            request,
            "insights.html",
            {
                "title": "Insights",
                "council": council,
                "choices": _choices(request),
                "freshness": _freshness(store.latest()),
                "tiles": _tiles(store, settings, council, now),
                "tables": tables,
                "table_names": list(BUILDERS),
                "definitions": f.DEFINITIONS + f.INCIDENT_DEFINITIONS,
                "days": settings.deflection_days,
            },
        )

    @requires("manager")
    async def table_csv(request: Request) -> Response:
        council = _council(request)
        if isinstance(council, Response):
            return council
        name = request.path_params["table"]
        found = next(iter(_tables(builders, store, council, time.time(), [name])), None)
        if found is None:
            return render(request, "error.html", {"title": "Page not found", "message": "No such table."}, 404)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(found.head)
        writer.writerows(found.rows)
        filename = f"askit-{name}" + (f"-{council}" if council else "") + ".csv"
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{filename}"'},
        )

    return [Route("/insights", page), Route("/insights/{table:str}.csv", table_csv)]


def _council(request: Request) -> str | Response | None:
    """The council the page shows (None: all), as the manager may see it; a 403 page otherwise."""
    person = person_of(request)
    assert person is not None  # requires() let only a signed-in manager in
    allowed = person.councils("manager")  # None: every council
    asked = request.query_params.get("council") or None
    if asked is None:
        return None if allowed is None else sorted(allowed)[0]
    if allowed is not None and asked not in allowed:
        return forbidden(request, "You can see the insights of your own council only.")
    if asked not in request.app.state.council_names:
        return forbidden(request, "There is no such council.")
    return asked


def _choices(request: Request) -> list[tuple[str, str]]:
    person = person_of(request)
    assert person is not None
    names: dict[str, str] = request.app.state.council_names
    allowed = person.councils("manager")
    listed = sorted(names) if allowed is None else sorted(allowed)
    everyone = [("", "All councils")] if allowed is None else []
    return everyone + [(c, names.get(c, c)) for c in listed]


def _tiles(store: InsightsStore, settings: InsightsSettings, council: str | None, now: float) -> list[dict[str, str]]:
    recent = store.figures(now - PERIOD_DAYS * DAY, now, council)["all"]
    before = store.figures(now - 2 * PERIOD_DAYS * DAY, now - PERIOD_DAYS * DAY, council)["all"]
    low, high = f.cost_avoided(
        store.figures(now - PERIOD_DAYS * DAY, now, council, "council"), settings.costs, settings.default_cost
    )
    tiles = [
        ("Questions", str(recent.questions), str(before.questions)),
        ("Confirmed deflections", str(recent.confirmed), str(before.confirmed)),
        ("Potential deflections", str(recent.potential), str(before.potential)),
        ("Containment", f.percent(recent.containment), f.percent(before.containment)),
        ("Helpful", f.percent(recent.helpful), f.percent(before.helpful)),
        ("Coverage", f.percent(recent.coverage), f.percent(before.coverage)),
        ("Cost avoided", f"£{low:,.0f}–£{high:,.0f}", ""),
    ]
    return [{"name": name, "now": now_, "before": before_} for name, now_, before_ in tiles]


def _tables(
    builders: Mapping[str, Builder],
    store: InsightsStore,
    council: str | None,
    now: float,
    names: Sequence[str] | None = None,
) -> list[Table]:
    """The tables called ``names`` (None: all) that this view has (the councils' is for all councils only)."""
    found = (builders[name](store, council, now) for name in names or builders if name in builders)
    return [table for table in found if table is not None]


def _weeks(store: InsightsStore, council: str | None, now: float) -> Table:
    weeks = store.figures(now - WEEKS * 7 * DAY, now, council, "week")
    return Table(
        "weeks",
        f"Outcomes of questions by week, the last {WEEKS} weeks",
        ("Outcome", *weeks),
        [
            ("Confirmed", *(str(w.confirmed) for w in weeks.values())),
            ("Potential", *(str(w.potential) for w in weeks.values())),
            ("Not deflected", *(str(w.not_deflected) for w in weeks.values())),
            ("Unresolved", *(str(w.unresolved) for w in weeks.values())),
        ],
        "stacked",
    )


def _months(store: InsightsStore, council: str | None, now: float) -> Table:
    months = store.figures(now - 365 * DAY, now, council, "month")
    return Table(
        "months",
        "Containment and helpful share by month, the last 12 months",
        ("Share", *months),
        [
            ("Containment", *(f.percent(m.containment) for m in months.values())),
            ("Helpful", *(f.percent(m.helpful) for m in months.values())),
        ],
        "line",
    )


def _councils(store: InsightsStore, council: str | None, now: float) -> Table | None:
    if council is not None:
        return None
    per_council = store.figures(now - PERIOD_DAYS * DAY, now, None, "council")
    return Table(
        "councils",
        f"Each council, the last {PERIOD_DAYS} days",
        ("Council", "Questions", "Confirmed", "Potential", "Not deflected", "Containment", "Helpful"),
        [_figures_row(name, r) for name, r in per_council.items()],
    )


def _channels(store: InsightsStore, council: str | None, now: float) -> Table:
    per_channel = store.figures(now - PERIOD_DAYS * DAY, now, council, "channel")
    return Table(
        "channels",
        f"Each channel, the last {PERIOD_DAYS} days",
        ("Channel", "Questions", "Confirmed", "Potential", "Not deflected", "Containment", "Helpful"),
        [_figures_row(CHANNELS.get(name, name), r) for name, r in per_channel.items()],
    )


def _tickets(store: InsightsStore, council: str | None, now: float) -> Table:
    return Table(
        "tickets",
        f"Tickets raised through AskIT, the last {PERIOD_DAYS} days, by team and priority",
        ("Team", "Priority", "Tickets"),
        [
            (group, priority, str(count))
            for group, priority, count in store.triage(now - PERIOD_DAYS * DAY, now, council)
        ],
    )


def _chats(store: InsightsStore, council: str | None, now: float) -> Table:
    return Table(
        "chats",
        f"Live chats with a person, the last {PERIOD_DAYS} days, and how staff rated them (1 to 5)",
        ("Council", "Chats", "Rated", "Average rating", "Rated 4 or 5"),
        [
            (name, str(c.chats), str(c.rated), "–" if c.average is None else f"{c.average:.1f}", f.percent(c.satisfied))
            for name, c in store.live_chats(now - PERIOD_DAYS * DAY, now, council).items()
        ],
    )


def _incidents(
    store: InsightsStore, council: str | None, now: float, titles: Callable[[], Mapping[str, str]] = dict
) -> Table:
    found = store.incidents(now - PERIOD_DAYS * DAY, now, council)
    named = titles() if found else {}
    return Table(
        "incidents",
        f"Known incidents, the last {PERIOD_DAYS} days: what staff did with each one's card",
        ("Incident", "Council", *f.INCIDENT_COUNTS.values()),
        [(f.incident_name(i.incident_id, named), i.council, *_counts(i)) for i in found],
    )


def _counts(row: f.IncidentFigures) -> tuple[str, ...]:
    return tuple(str(getattr(row, count)) for count in f.INCIDENT_COUNTS)


def _articles(store: InsightsStore, council: str | None, now: float) -> Table:
    ranked = [a for a in store.articles(now - PERIOD_DAYS * DAY, now, council) if a.answers >= BEST_MIN_ANSWERS]
    ranked.sort(key=lambda a: (-(a.helpful or 0.0), -a.answers, a.article_id))
    return Table(
        "articles",
        f"Articles answered at least {BEST_MIN_ANSWERS} times in the last {PERIOD_DAYS} days, most helpful first",
        ("Article", "Answers", "Helped", "Didn't help", "Helpful", "Tickets or chats after"),
        [
            (a.article_id, str(a.answers), str(a.helped), str(a.not_helped), f.percent(a.helpful), str(a.tickets))
            for a in ranked
        ],
    )


def _gaps(store: InsightsStore, council: str | None, now: float) -> Table | None:
    run = store.gap_run(council)
    if run is None:
        return None
    return Table(
        "gaps",
        f"Content gaps: topics of at least {f.MIN_CLUSTER} questions that no article answered or whose "
        f"answer did not help, among {run.questions} such questions {_period(run)}",
        ("Topic", "Questions", "Councils", "Examples"),
        [
            (g.label or "(no distinctive words)", str(g.size), f.councils_text(g.councils), " / ".join(g.examples))
            for g in run.gaps
        ],
    )


Builder = Callable[[InsightsStore, str | None, float], Table | None]
BUILDERS: dict[str, Builder] = {  # in the page's order
    "weeks": _weeks,
    "months": _months,
    "councils": _councils,
    "channels": _channels,
    "tickets": _tickets,
    "chats": _chats,
    "incidents": _incidents,  # named by id: insights_routes gives it the titles
    "articles": _articles,
    "gaps": _gaps,
}


def _freshness(latest: float | None) -> str:
    if latest is None:
        return (
            "No conversations have been loaded yet: the figures appear once the insights loader has run "
            "(docs/insights.md)."
        )
    asked = time.strftime("%d %B %Y, %H:%M UTC", time.gmtime(latest)).lstrip("0")
    return f"These figures include the questions asked up to {asked}."


def _period(run: f.GapRun) -> str:
    """When a gap run's questions were asked, and when they were grouped, in words."""

    def day(at: float) -> str:
        return time.strftime("%d %B %Y", time.gmtime(at)).lstrip("0")

    asked = f"asked from {day(run.since)}" if run.since > 0 else "asked"
    until = f" to {day(run.until - DAY)}" if run.until < run.at else ""  # until: the day after the last
    return f"{asked}{until}, grouped on {day(run.at)}"


def _figures_row(name: str, row: f.Figures) -> tuple[str, ...]:
    counts = (row.questions, row.confirmed, row.potential, row.not_deflected)
    return (name, *(str(n) for n in counts), f.percent(row.containment), f.percent(row.helpful))
