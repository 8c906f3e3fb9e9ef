"""The monthly report for the joint committee: one self-contained HTML file (charts as inline SVG,
each with its figures as a table beside it), and a PDF printed from it by headless Chromium.

    python -m bot.insights report --month 2026-11 [--council riverside] [--out var/reports]

Counts under 5 are shown as "<5" everywhere in it; the definitions are printed at the end.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.insights import figures as f
from bot.insights.settings import InsightsSettings
from bot.insights.store import InsightsStore

BEST_MIN_ANSWERS = 5  # an article is ranked only with at least this many answers
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
COLOURS = {"confirmed": "#1b7f3b", "potential": "#7fb88f", "not_deflected": "#b3261e", "unresolved": "#8a8a8a"}
LABELS = {
    "confirmed": "Confirmed",
    "potential": "Potential",
    "not_deflected": "Not deflected",
    "unresolved": "Unresolved",
}


@dataclass(frozen=True)
class Month:
    first: dt.date

    @classmethod
    def parse(cls, text: str) -> Month:
        try:
            return cls(dt.datetime.strptime(text, "%Y-%m").date())
        except ValueError:
            raise ValueError(f"--month: {text!r} is not a month such as 2026-11") from None

    def shifted(self, months: int) -> Month:
        index = self.first.year * 12 + self.first.month - 1 + months
        return Month(dt.date(index // 12, index % 12 + 1, 1))

    @property
    def start(self) -> float:
        return dt.datetime.combine(self.first, dt.time(), dt.timezone.utc).timestamp()

    @property
    def end(self) -> float:
        return self.shifted(1).start

    @property
    def name(self) -> str:
        return self.first.strftime("%B %Y")


def write_report(
    store: InsightsStore,
    settings: InsightsSettings,
    month: Month,
    council: str | None,
    out: Path,
    pdf: bool = True,
    titles: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write the month's report (and its PDF when ``pdf``) into ``out``; returns the files written.
    ``titles``: the known incidents' titles by id (bot/insights/incidents.py)."""
    out.mkdir(parents=True, exist_ok=True)
    stem = f"askit-{month.first:%Y-%m}" + (f"-{council}" if council else "")
    page = out / f"{stem}.html"
    page.write_text(render(store, settings, month, council, titles))
    written = [page]
    if pdf:
        written.append(print_pdf(page, out / f"{stem}.pdf"))
    return written


def render(
    store: InsightsStore,
    settings: InsightsSettings,
    month: Month,
    council: str | None,
    titles: Mapping[str, str] | None = None,
) -> str:
    def figures(first: Month, last: Month, by: str | None = None) -> dict[str, f.Figures]:
        return store.figures(first.start, last.end, council, by)

    def total(first: Month) -> f.Figures:
        return next(iter(figures(first, first).values()), EMPTY)

    per_council = figures(month, month, "council")
    low, high = f.cost_avoided(per_council, settings.costs, settings.default_cost)
    scope = f"Council: {council}" if council else "All councils"
    parts = [
        f"<h1>AskIT service report: {html.escape(month.name)}</h1>",
        f"<p>{html.escape(scope)}. Figures are judged {settings.deflection_days} days after each question; "
        "counts under 5 are shown as &lt;5.</p>",
        _tiles(total(month), total(month.shifted(-1)), low, high),
        _weekly(figures(month, month, "week")),
        _trend(figures(month.shifted(-11), month, "month")),
        _councils(per_council, settings) if council is None else "",
        _triage(store.triage(month.start, month.end, council)),
        _live_chats(store.live_chats(month.start, month.end, council)),
        _incidents(store.incidents(month.start, month.end, council), titles or {}),
        _articles(store.articles(month.start, month.end, council)),
        "<h2>Definitions</h2>",
        "<dl>"
        + "".join(
            f"<dt>{html.escape(t)}</dt><dd>{html.escape(m)}</dd>" for t, m in f.DEFINITIONS + f.INCIDENT_DEFINITIONS
        )
        + "</dl>",
    ]
    return _PAGE.format(title=html.escape(f"AskIT service report, {month.name}"), body="\n".join(parts))


EMPTY = f.Figures(*(0 for _ in f.Figures.__dataclass_fields__))
COUNCIL_COLUMNS = (
    "Council", "Questions", "Confirmed", "Potential", "Not deflected", "Containment", "Helpful", "Cost avoided",
)  # fmt: skip


def _percent(value: float | None, whole: int) -> str:
    """A share, hidden when it is of fewer than SMALL (it would tell a small count)."""
    return "–" if whole < f.SMALL else f.percent(value)


def _count(count: int) -> str:
    return html.escape(f.shown(count))


def _rates(row: f.Figures) -> tuple[str, str, str]:
    """Containment, helpful and coverage, as the committee may see them."""
    return (
        _percent(row.containment, row.questions),
        _percent(row.helpful, row.helped + row.not_helped),
        _percent(row.coverage, row.questions),
    )


def _tiles(now: f.Figures, before: f.Figures, low: float, high: float) -> str:
    rows = [
        ("Questions", _count(now.questions), _count(before.questions)),
        ("Confirmed deflections", _count(now.confirmed), _count(before.confirmed)),
        ("Potential deflections", _count(now.potential), _count(before.potential)),
        *zip(("Containment", "Helpful", "Coverage"), _rates(now), _rates(before), strict=True),
    ]
    body = "".join(f"<tr><th scope='row'>{a}</th><td>{b}</td><td>{c}</td></tr>" for a, b, c in rows)
    return (
        "<h2>This month against the month before</h2><table><thead><tr><th scope='col'>Figure</th>"
        f"<th scope='col'>This month</th><th scope='col'>Month before</th></tr></thead><tbody>{body}</tbody></table>"
        f"<p>Cost avoided: £{low:,.0f} to £{high:,.0f} (confirmed, to confirmed and potential).</p>"
    )


def _weekly(weeks: dict[str, f.Figures]) -> str:
    data = {kind: [getattr(row, kind) for row in weeks.values()] for kind in f.KINDS}
    svg = _bars(list(weeks), data, "Outcomes of questions by week")
    return _chart("Outcomes by week", svg, list(weeks), data)


def _trend(months: dict[str, f.Figures]) -> str:
    rows = {"containment": [r.containment for r in months.values()], "helpful": [r.helpful for r in months.values()]}
    svg = _lines(list(months), rows, "Containment and helpful share by month")
    table = {"containment": [_rates(r)[0] for r in months.values()], "helpful": [_rates(r)[1] for r in months.values()]}
    return _chart("The last 12 months", svg, list(months), table)


def _councils(per_council: dict[str, f.Figures], settings: InsightsSettings) -> str:
    body = []
    for name, row in per_council.items():
        low, high = f.cost_avoided({name: row}, settings.costs, settings.default_cost)
        body.append(
            f"<tr><th scope='row'>{html.escape(name)}</th><td>{_count(row.questions)}</td>"
            f"<td>{_count(row.confirmed)}</td><td>{_count(row.potential)}</td><td>{_count(row.not_deflected)}</td>"
            f"<td>{_rates(row)[0]}</td><td>{_rates(row)[1]}</td><td>£{low:,.0f}–£{high:,.0f}</td></tr>"
        )
    head = "".join(f"<th scope='col'>{h}</th>" for h in COUNCIL_COLUMNS)
    return f"<h2>By council</h2><table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _triage(tickets: list[tuple[str, str, int]]) -> str:
    if not tickets:
        return "<h2>Tickets raised through AskIT</h2><p>None this month.</p>"
    body = "".join(
        f"<tr><th scope='row'>{html.escape(group)}</th><td>{html.escape(priority)}</td><td>{_count(count)}</td></tr>"
        for group, priority, count in tickets
    )
    return (
        "<h2>Tickets raised through AskIT</h2><table><thead><tr><th scope='col'>Team</th>"
        f"<th scope='col'>Priority</th><th scope='col'>Tickets</th></tr></thead><tbody>{body}</tbody></table>"
    )


def _live_chats(per_council: dict[str, f.ChatFigures]) -> str:
    title = "<h2>Live chats with a person</h2>"
    if not per_council:
        return title + "<p>None this month.</p>"
    body = "".join(
        f"<tr><th scope='row'>{html.escape(name)}</th><td>{_count(c.chats)}</td><td>{_count(c.rated)}</td>"
        f"<td>{'–' if c.rated < f.SMALL or c.average is None else f'{c.average:.1f}'}</td>"
        f"<td>{_percent(c.satisfied, c.rated)}</td></tr>"
        for name, c in per_council.items()
    )
    head = "".join(f"<th scope='col'>{h}</th>" for h in ("Council", "Chats", "Rated", "Average rating", "Rated 4 or 5"))
    return f"{title}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _incidents(found: list[f.IncidentFigures], titles: Mapping[str, str]) -> str:
    title = "<h2>Known incidents</h2>"
    if not found:
        return title + "<p>None met this month: no member of staff was shown a known incident's card.</p>"
    body = "".join(
        f"<tr><th scope='row'>{html.escape(f.incident_name(i.incident_id, titles))}</th>"
        f"<td>{html.escape(i.council)}</td>"
        + "".join(f"<td>{_count(getattr(i, k))}</td>" for k in f.INCIDENT_COUNTS)
        + "</tr>"
        for i in found
    )
    head = "".join(f"<th scope='col'>{h}</th>" for h in ("Incident", "Council", *f.INCIDENT_COUNTS.values()))
    return (
        f"{title}<p>What staff did with each known incident's card, per member of staff's council (the "
        f"definitions are at the end).</p><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _articles(per_article: list[f.ArticleFigures]) -> str:
    ranked = [a for a in per_article if a.answers >= BEST_MIN_ANSWERS and a.helpful is not None]
    ranked.sort(key=lambda a: (-(a.helpful or 0.0), -a.answers))
    best, worst = ranked[:5], list(reversed(ranked[-5:])) if len(ranked) > 5 else []

    def table(title: str, rows: Sequence[f.ArticleFigures]) -> str:
        if not rows:
            return f"<h3>{title}</h3><p>Not enough answers with feedback this month.</p>"
        body = "".join(
            f"<tr><th scope='row'>{html.escape(a.article_id)}</th><td>{_count(a.answers)}</td>"
            f"<td>{_percent(a.helpful, a.helped + a.not_helped)}</td><td>{_count(a.tickets)}</td></tr>"
            for a in rows
        )
        return (
            f"<h3>{title}</h3><table><thead><tr><th scope='col'>Article</th><th scope='col'>Answers</th>"
            f"<th scope='col'>Helpful</th><th scope='col'>Tickets or chats after</th></tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )

    return "<h2>Articles</h2>" + table("Most helpful", best) + table("Least helpful", worst)


def _chart(title: str, svg: str, columns: list[str], rows: Mapping[str, Sequence[object]]) -> str:
    head = "".join(f"<th scope='col'>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        f"<tr><th scope='row'>{html.escape(LABELS.get(k, k.capitalize()))}</th>"
        + "".join(f"<td>{_count(v) if isinstance(v, int) else html.escape(str(v))}</td>" for v in values)
        + "</tr>"
        for k, values in rows.items()
    )
    return (
        f"<h2>{html.escape(title)}</h2><figure>{svg}<figcaption>{html.escape(title)}: the figures</figcaption>"
        f"<table><thead><tr><th scope='col'></th>{head}</tr></thead><tbody>{body}</tbody></table></figure>"
    )


def _bars(columns: list[str], data: dict[str, list[int]], label: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(7, 2.8))
    bottom = [0] * len(columns)
    for kind, values in data.items():
        axes.bar(columns, values, bottom=bottom, label=LABELS[kind], color=COLOURS[kind])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=8, ncols=4, frameon=False)
    axes.set_ylabel("questions")
    return _svg(figure, label)


def _lines(columns: list[str], data: dict[str, list[float | None]], label: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(7, 2.6))
    for name, values in data.items():
        axes.plot(columns, [v if v is not None else float("nan") for v in values], marker="o", label=name.capitalize())
    axes.set_ylim(0, 1)
    axes.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axes.legend(loc="lower left", fontsize=8, frameon=False)
    return _svg(figure, label)


def _svg(figure: object, label: str) -> str:
    from matplotlib import pyplot

    buffer = io.StringIO()
    figure.tight_layout()  # type: ignore[attr-defined]
    figure.savefig(buffer, format="svg")  # type: ignore[attr-defined]
    pyplot.close(figure)  # type: ignore[arg-type]
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    return svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(label)}" ', 1)


def print_pdf(page: Path, pdf: Path) -> Path:
    """``page`` printed to ``pdf`` by headless Chromium (Debian's package ``chromium``)."""
    browser = next((found for name in CHROMIUM if (found := shutil.which(name))), None)
    if browser is None:
        raise ValueError("a PDF needs Chromium (Debian package chromium); use --no-pdf for the HTML alone")
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", page.resolve().as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return pdf


_PAGE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; color: #1a1a1a; max-width: 52rem; margin: 1.5rem auto; padding: 0 1rem; }}
h1 {{ font-size: 1.6rem; }} h2 {{ font-size: 1.2rem; margin-top: 1.6rem; }} h3 {{ font-size: 1rem; }}
table {{ border-collapse: collapse; margin: .5rem 0; }}
th, td {{ border: 1px solid #bbb; padding: .2rem .5rem; text-align: right; }}
th[scope=row], thead th:first-child {{ text-align: left; }}
figure {{ margin: 0; }} svg {{ max-width: 100%; height: auto; }}
@media print {{ h2 {{ break-after: avoid; }} table, figure {{ break-inside: avoid; }} }}
</style></head>
<body><main>
{body}
</main></body></html>
"""
