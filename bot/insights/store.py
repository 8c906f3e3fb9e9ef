"""The insights store: questions and tickets, loaded from the event broker's table in batches,
each question judged (bot/insights/figures.py) as the events that decide it arrive; the figures
are SQL aggregates over the judged questions. Each batch's rows, judgements, the conversations'
states and how far the loader has read are written in one transaction, so a loader stopped at any
point and started again counts every event exactly once. SQLite by default, PostgreSQL when
configured (bot/sql.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import sql
from bot.insights.events import BrokerEvent, read_events
from bot.insights.figures import (
    DAY,
    DEFLECTION_DAYS,
    EXAMPLES,
    INCIDENT_COUNTS,
    MIN_CLUSTER,
    ArticleFigures,
    ChatFigures,
    Escalation,
    Figures,
    Gap,
    GapRun,
    IncidentFigures,
    judge,
)
from bot.insights.outcomes import (
    Answered,
    Change,
    ChatRated,
    Delivered,
    IncidentStep,
    IncidentTold,
    LiveChat,
    Question,
    State,
    Ticket,
    follow,
)

MIGRATIONS = Path(__file__).with_name("migrations")
BATCH = 5_000
SOURCE = "events"  # the one event source: the broker's table
WINDOW = "deflection_days"  # the window the stored judgements were made with
GROUPS = {"council": "tenant", "channel": "channel", "week": "week", "month": "month"}  # --by -> column
COUNTS = """COUNT(*) AS questions,
    SUM(CASE WHEN decision = 'answer' THEN 1 ELSE 0 END) AS answered,
    SUM(CASE WHEN decision = 'clarify' THEN 1 ELSE 0 END) AS clarified,
    SUM(CASE WHEN decision = 'elsewhere' THEN 1 ELSE 0 END) AS elsewhere,
    SUM(CASE WHEN decision = 'escalate' THEN 1 ELSE 0 END) AS escalated,
    SUM(CASE WHEN feedback = 'helped' THEN 1 ELSE 0 END) AS helped,
    SUM(CASE WHEN feedback = 'not_helped' THEN 1 ELSE 0 END) AS not_helped,
    SUM(CASE WHEN outcome = 'confirmed' THEN 1 ELSE 0 END) AS confirmed,
    SUM(CASE WHEN outcome = 'potential' THEN 1 ELSE 0 END) AS potential,
    SUM(CASE WHEN outcome = 'not_deflected' THEN 1 ELSE 0 END) AS not_deflected,
    SUM(CASE WHEN outcome = 'unresolved' THEN 1 ELSE 0 END) AS unresolved,
    SUM(CASE WHEN ticket_id IS NULL THEN 1 ELSE 0 END) AS contained"""


@dataclass(frozen=True)
class Loaded:
    events: int
    questions: int
    tickets: int
    last_event: int


class InsightsStore:
    def __init__(self, db: sql.Database, days: int = DEFLECTION_DAYS) -> None:
        """``days``: the deflection window; a store judged with another is judged again now."""
        self.db, self.days = db, days
        sql.migrate(db, MIGRATIONS)
        with db.transaction() as tx:  # the row each load locks (_apply): there from the start
            tx.execute(
                "INSERT INTO insights_progress (source, last_event) VALUES (?, 0) ON CONFLICT DO NOTHING", (SOURCE,)
            )
        if self._progress(WINDOW) != days:
            self._judge_all()

    @classmethod
    def open(cls, location: str | Path, days: int = DEFLECTION_DAYS) -> InsightsStore:
        return cls(sql.open_database(location), days)

    def _progress(self, source: str) -> int | None:
        with self.db.transaction() as tx:
            row = tx.execute("SELECT last_event FROM insights_progress WHERE source = ?", (source,)).fetchone()
        return int(row["last_event"]) if row else None

    def _judge_all(self) -> None:
        with self.db.transaction(immediate=True) as tx:
            ids = [int(r["id"]) for r in tx.execute("SELECT id FROM insights_questions").fetchall()]
            self._judge(tx, ids)
            _set_progress(tx, WINDOW, self.days)

    def last_event(self) -> int:
        return self._progress(SOURCE) or 0

    def latest(self) -> float | None:
        """When the latest question loaded was asked (None: none yet): how fresh the figures are."""
        with self.db.transaction() as tx:
            row = tx.execute("SELECT MAX(at) AS at FROM insights_questions").fetchone()
        return None if row is None or row["at"] is None else float(row["at"])

    def load(self, events: sql.Database, batch: int = BATCH, max_batches: int | None = None) -> Loaded:
        """Read the events after the last one loaded, ``batch`` at a time, until none are left
        (or ``max_batches`` were loaded)."""
        total = Loaded(0, 0, 0, self.last_event())
        done = 0
        while max_batches is None or done < max_batches:
            found = read_events(events, total.last_event, batch)
            loaded = self._apply(found, total.last_event) if found else None
            if loaded is None:
                break
            total = Loaded(
                total.events + loaded.events,
                total.questions + loaded.questions,
                total.tickets + loaded.tickets,
                loaded.last_event,
            )
            done += 1
        return total

    def _apply(self, found: list[BrokerEvent], after: int) -> Loaded | None:
        """Judge the events ``found`` after event ``after`` in one transaction; None, changing nothing,
        when another load (the back office's, a cron job's) has moved past ``after`` or is at work."""
        with self.db.transaction(immediate=True) as tx:
            mark = tx.execute(
                f"SELECT last_event FROM insights_progress WHERE source = ?{self.db.lock_for_claim}", (SOURCE,)
            ).fetchone()
            if mark is None or int(mark["last_event"]) != after:
                return None
            states: dict[str, State] = {}
            changes: list[Change] = []
            for event in found:
                if event.sender_id not in states:
                    states[event.sender_id] = self._state(tx, event.sender_id)
                states[event.sender_id], more = follow(states[event.sender_id], event)
                changes.extend(more)
            for change in changes:
                _record(tx, change)
            self._judge(tx, self._affected(tx, changes))
            for conversation, state in states.items():
                tx.execute(
                    "INSERT INTO insights_conversations (conversation, state) VALUES (?, ?)"
                    " ON CONFLICT (conversation) DO UPDATE SET state = excluded.state",
                    (conversation, json.dumps(state.as_json())),
                )
            last = found[-1].id
            _set_progress(tx, SOURCE, last)
        questions = sum(isinstance(c, Question) for c in changes)
        return Loaded(len(found), questions, sum(isinstance(c, Ticket) for c in changes), last)

    def _affected(self, tx: Any, changes: list[Change]) -> set[int]:
        """The questions these changes may judge differently: new ones, ones given feedback or a
        choice, and the asker's questions a new ticket may follow."""
        ids = {c.id for c in changes if isinstance(c, Question)}
        ids |= {c.question_id for c in changes if isinstance(c, Answered)}
        for ticket in (c for c in changes if isinstance(c, Ticket | LiveChat)):
            rows = tx.execute(
                "SELECT id FROM insights_questions WHERE user_key = ? AND at BETWEEN ? AND ?",
                (ticket.user, ticket.at - self.days * DAY, ticket.at),
            ).fetchall()
            ids |= {int(r["id"]) for r in rows}
        return ids

    def _judge(self, tx: Any, ids: Iterable[int]) -> None:
        for question_id in sorted(ids):
            row = tx.execute("SELECT * FROM insights_questions WHERE id = ?", (question_id,)).fetchone()
            if row is None:
                continue
            question = _question(row)
            window = (question.user, question.at, question.at + self.days * DAY)
            tickets = tx.execute(
                "SELECT * FROM insights_tickets WHERE user_key = ? AND at BETWEEN ? AND ?", window
            ).fetchall()
            chats = tx.execute(
                "SELECT * FROM insights_live_chats WHERE user_key = ? AND at BETWEEN ? AND ?", window
            ).fetchall()
            found: list[Escalation] = [*map(_ticket, tickets), *map(_live_chat, chats)]
            escalations = sorted(found, key=lambda e: (e.at, e.id))
            kind, ticket = judge(question, escalations, self.days)
            tx.execute(
                "UPDATE insights_questions SET outcome = ?, ticket_id = ? WHERE id = ?",
                (kind, ticket.id if ticket else None, question_id),
            )

    def figures(
        self, since: float = 0.0, until: float = float("inf"), council: str | None = None, by: str | None = None
    ) -> dict[str, Figures]:
        """The figures of the questions asked in [since, until), for one council or all, in one row
        or a row per council, channel, week or month (``by``: a key of GROUPS)."""
        group = GROUPS[by] if by else "'all'"
        grouped = f" GROUP BY {group} ORDER BY {group}" if by else ""  # else one row, zeros for no questions
        where, params = _where(since, until, council)
        with self.db.transaction() as tx:
            rows = tx.execute(
                f"SELECT {group} AS grp, {COUNTS} FROM insights_questions WHERE {where} AND decision <> 'narrow'"
                + grouped,
                params,
            ).fetchall()
        return {str(r["grp"] or "unknown"): Figures(**{k: int(r[k] or 0) for k in FIGURE_FIELDS}) for r in rows}

    def articles(
        self, since: float = 0.0, until: float = float("inf"), council: str | None = None
    ) -> list[ArticleFigures]:
        """Per article answered in [since, until), most answers first."""
        where, params = _where(since, until, council)
        with self.db.transaction() as tx:
            rows = tx.execute(
                "SELECT article_id, COUNT(*) AS answers,"
                " SUM(CASE WHEN feedback = 'helped' THEN 1 ELSE 0 END) AS helped,"
                " SUM(CASE WHEN feedback = 'not_helped' THEN 1 ELSE 0 END) AS not_helped,"
                " SUM(CASE WHEN ticket_id IS NULL THEN 0 ELSE 1 END) AS tickets"
                f" FROM insights_questions WHERE {where} AND decision = 'answer' AND article_id IS NOT NULL"
                " GROUP BY article_id ORDER BY COUNT(*) DESC, article_id",
                params,
            ).fetchall()
        return [
            ArticleFigures(
                r["article_id"], int(r["answers"]), int(r["helped"]), int(r["not_helped"]), int(r["tickets"])
            )
            for r in rows
        ]

    def triage(
        self, since: float = 0.0, until: float = float("inf"), council: str | None = None
    ) -> list[tuple[str, str, int]]:
        """The tickets raised through AskIT in [since, until), as (resolver group, priority, count),
        most first."""
        where, params = _where(since, until, council)
        with self.db.transaction() as tx:
            rows = tx.execute(
                "SELECT COALESCE(resolver_group, 'unknown') AS grp, COALESCE(priority, 'unknown') AS priority,"
                f" COUNT(*) AS tickets FROM insights_tickets WHERE {where}"
                " GROUP BY COALESCE(resolver_group, 'unknown'), COALESCE(priority, 'unknown')"
                " ORDER BY COUNT(*) DESC, grp, priority",
                params,
            ).fetchall()
        return [(r["grp"], r["priority"], int(r["tickets"])) for r in rows]

    def live_chats(
        self, since: float = 0.0, until: float = float("inf"), council: str | None = None
    ) -> dict[str, ChatFigures]:
        """Live chats with a person asked for in [since, until), and their ratings, per council."""
        where, params = _where(since, until, council)
        with self.db.transaction() as tx:
            rows = tx.execute(
                "SELECT tenant, COUNT(*) AS chats, COUNT(csat) AS rated, COALESCE(SUM(csat), 0) AS total,"
                " SUM(CASE WHEN csat >= 4 THEN 1 ELSE 0 END) AS well"
                f" FROM insights_live_chats WHERE {where} GROUP BY tenant ORDER BY tenant",
                params,
            ).fetchall()
        counts = ("chats", "rated", "total", "well")
        return {str(r["tenant"] or "unknown"): ChatFigures(*(int(r[k] or 0) for k in counts)) for r in rows}

    def incidents(
        self, since: float = 0.0, until: float = float("inf"), council: str | None = None
    ) -> list[IncidentFigures]:
        """What staff did with each known incident's card in [since, until), per incident and staff
        member's council, the incident first met earliest first (figures.INCIDENT_DEFINITIONS)."""
        where, params = _where(since, until, council)
        window = self.days * DAY
        escalated = (  # what keeps an affected person from being a ticket avoided
            "EXISTS (SELECT 1 FROM insights_tickets t WHERE t.user_key = p.user_key"
            " AND (t.incident_id = p.incident_id OR t.at BETWEEN p.at AND p.at + ?))"
            " OR EXISTS (SELECT 1 FROM insights_live_chats c WHERE c.user_key = p.user_key"
            " AND c.at BETWEEN p.at AND p.at + ?)"
        )
        kinds = "".join(f", SUM(CASE WHEN kind = '{k}' THEN 1 ELSE 0 END) AS {k}" for k in INCIDENT_STEPS)
        with self.db.transaction() as tx:
            found = [
                *tx.execute(
                    f"SELECT incident_id, tenant, MIN(at) AS first{kinds},"
                    f" SUM(CASE WHEN kind = 'affected' AND NOT ({escalated}) THEN 1 ELSE 0 END) AS avoided"
                    f" FROM insights_incident_people p WHERE {where} GROUP BY incident_id, tenant",
                    (window, window, *params),
                ).fetchall(),
                *tx.execute(
                    "SELECT incident_id, tenant, MIN(at) AS first, COUNT(*) AS told"
                    f" FROM insights_incident_updates WHERE {where} GROUP BY incident_id, tenant",
                    params,
                ).fetchall(),
                *tx.execute(
                    "SELECT incident_id, tenant, MIN(at) AS first, COUNT(*) AS tickets"
                    f" FROM insights_tickets WHERE {where} AND incident_id IS NOT NULL GROUP BY incident_id, tenant",
                    params,
                ).fetchall(),
            ]
        counts: dict[tuple[str, str], dict[str, int]] = {}
        first: dict[str, float] = {}
        for row in found:
            key, columns = (str(row["incident_id"]), str(row["tenant"] or "unknown")), row.keys()
            first[key[0]] = min(first.get(key[0], FOREVER), float(row["first"]))
            into = counts.setdefault(key, {})
            into.update({k: into.get(k, 0) + int(row[k] or 0) for k in INCIDENT_COUNTS if k in columns})
        ordered = sorted(counts, key=lambda key: (first[key[0]], key))
        return [IncidentFigures(incident, council, **counts[incident, council]) for incident, council in ordered]

    def outcomes(self, since: float = 0.0, until: float = float("inf")) -> dict[int, str]:
        """Each question's judged outcome, by question id (tests and tools)."""
        where, params = _where(since, until, None)
        with self.db.transaction() as tx:
            rows = tx.execute(f"SELECT id, outcome FROM insights_questions WHERE {where}", params).fetchall()
        return {int(r["id"]): str(r["outcome"]) for r in rows}

    def save_gaps(self, run: GapRun) -> None:
        """Keep ``run`` (bot/insights/gaps.py) for the dashboard, in place of the last one."""
        with self.db.transaction(immediate=True) as tx:
            for table in ("insights_gap_questions", "insights_gaps", "insights_gap_runs"):
                tx.execute(f"DELETE FROM {table}")
            tx.execute(
                "INSERT INTO insights_gap_runs (id, at, since, until, questions) VALUES (1, ?, ?, ?, ?)",
                (run.at, run.since, _finite(run.until), run.questions),
            )
            for rank, gap in enumerate(run.gaps):
                tx.execute("INSERT INTO insights_gaps (rank, label) VALUES (?, ?)", (rank, gap.label))
                for question_id in gap.questions:
                    tx.execute(
                        "INSERT INTO insights_gap_questions (rank, question_id) VALUES (?, ?)", (rank, question_id)
                    )

    def gap_run(self, council: str | None = None) -> GapRun | None:
        """The gaps last saved (None: never), counted and quoted from ``council``'s questions only
        (None: every council's); a gap with fewer than MIN_CLUSTER of them is left out."""
        with self.db.transaction() as tx:
            run = tx.execute("SELECT * FROM insights_gap_runs").fetchone()
            if run is None:
                return None
            labels = {int(r["rank"]): r["label"] for r in tx.execute("SELECT rank, label FROM insights_gaps")}
            members = tx.execute(
                "SELECT g.rank, q.tenant, q.text FROM insights_gap_questions g"
                " JOIN insights_questions q ON q.id = g.question_id"
                + (" WHERE q.tenant = ?" if council else "")
                + " ORDER BY g.rank, q.at, q.id",
                (council,) if council else (),
            ).fetchall()
        found: dict[int, list[Any]] = {}
        for member in members:
            found.setdefault(int(member["rank"]), []).append(member)
        gaps = []
        for rank, rows in found.items():
            if len(rows) < MIN_CLUSTER:
                continue
            councils = dict(Counter(row["tenant"] or "unknown" for row in rows).most_common())
            texts = tuple(dict.fromkeys(row["text"] for row in rows if row["text"]))[:EXAMPLES]
            gaps.append(Gap(labels[rank], len(rows), councils, texts))
        gaps.sort(key=lambda gap: -gap.size)
        until = float(run["until"])
        return GapRun(
            float(run["at"]),
            float(run["since"]),
            until if until < FOREVER else float("inf"),
            int(run["questions"]),
            gaps,
        )

    @staticmethod
    def _state(tx: Any, conversation: str) -> State:
        row = tx.execute("SELECT state FROM insights_conversations WHERE conversation = ?", (conversation,)).fetchone()
        return State.from_json(json.loads(row["state"])) if row else State()

    def forget_text(self, before: float) -> int:
        """Drop the text of questions asked before ``before`` (retention); the outcomes stay."""
        with self.db.transaction(immediate=True) as tx:
            cursor = tx.execute(
                "UPDATE insights_questions SET text = NULL WHERE at < ? AND text IS NOT NULL", (before,)
            )
            return int(cursor.rowcount)

    def questions(self, since: float = 0.0, until: float = float("inf")) -> list[Question]:
        with self.db.transaction() as tx:
            rows = tx.execute(
                "SELECT * FROM insights_questions WHERE at >= ? AND at < ? ORDER BY at", (since, _finite(until))
            ).fetchall()
        return [_question(row) for row in rows]

    def answers(
        self,
        since: float = 0.0,
        until: float = float("inf"),
        *,
        feedback: str | None = None,
        chosen: bool | None = None,
    ) -> list[Question]:
        """The questions asked in [since, until) and answered from an article, oldest first; only
        those given ``feedback``, only those whose article was (or was not) ``chosen`` from a list."""
        terms, params = ["at >= ?", "at < ?"], list[Any]([since, _finite(until)])
        if feedback is not None:
            terms.append("feedback = ?")
            params.append(feedback)
        if chosen is not None:
            terms.append("chosen = ?")
            params.append(1 if chosen else 0)
        with self.db.transaction() as tx:
            rows = tx.execute(
                "SELECT * FROM insights_questions WHERE decision = 'answer' AND article_id IS NOT NULL AND "
                + " AND ".join(terms)
                + " ORDER BY at, id",
                tuple(params),
            ).fetchall()
        return [_question(row) for row in rows]

    def question(self, question_id: int) -> Question | None:
        with self.db.transaction() as tx:
            row = tx.execute("SELECT * FROM insights_questions WHERE id = ?", (question_id,)).fetchone()
        return None if row is None else _question(row)

    def tickets(self, since: float = 0.0, until: float = float("inf")) -> list[Ticket]:
        with self.db.transaction() as tx:
            rows = tx.execute(
                "SELECT * FROM insights_tickets WHERE at >= ? AND at < ? ORDER BY at", (since, _finite(until))
            ).fetchall()
        return [_ticket(row) for row in rows]


FOREVER = 1e300  # an unbounded ``until`` as a column holds it


def _finite(value: float) -> float:
    return min(value, FOREVER)


FIGURE_FIELDS = tuple(Figures.__dataclass_fields__)
INCIDENT_STEPS = ("shown", "affected", "subscribed", "different")  # the kinds of insights_incident_people


def most_answered(db: sql.Database, since: float, council: str | None, limit: int) -> list[str]:
    """The ids of the articles staff of ``council`` (None: of any) were answered with most often
    since ``since``, most first, at most ``limit``: what the welcome offers when editors chose
    nothing (bot/studio/starters.py). A plain function, so the Rasa server can ask without the
    store's loader; the tables are made by the store's migrations (``MIGRATIONS``)."""
    where, params = _where(since, float("inf"), council)
    with db.transaction() as tx:
        rows = tx.execute(
            f"SELECT article_id FROM insights_questions WHERE {where} AND decision = 'answer'"
            " AND article_id IS NOT NULL GROUP BY article_id ORDER BY COUNT(*) DESC, article_id LIMIT ?",
            (*params, limit),
        ).fetchall()
    return [r["article_id"] for r in rows]


def _where(since: float, until: float, council: str | None) -> tuple[str, tuple[Any, ...]]:
    """The condition for questions asked in [since, until) (of ``council``). An unbounded period
    reads the table rather than the whole of the time index: twice as fast in SQLite."""
    terms: list[str] = []
    params: list[Any] = []
    if since > 0.0:
        terms.append("at >= ?")
        params.append(since)
    if until != float("inf"):
        terms.append("at < ?")
        params.append(until)
    if council is not None:
        terms.append("tenant = ?")
        params.append(council)
    return " AND ".join(terms) or "1 = 1", tuple(params)


def _set_progress(tx: Any, source: str, value: int) -> None:
    tx.execute(
        "INSERT INTO insights_progress (source, last_event) VALUES (?, ?)"
        " ON CONFLICT (source) DO UPDATE SET last_event = excluded.last_event",
        (source, value),
    )


def _week(at: float) -> str:
    year, number, _ = dt.datetime.fromtimestamp(at, dt.timezone.utc).isocalendar()
    return f"{year}-W{number:02d}"


def _month(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.timezone.utc).strftime("%Y-%m")


def _record(tx: Any, change: Change) -> None:
    if isinstance(change, Question):
        tx.execute(
            "INSERT INTO insights_questions (id, conversation, user_key, at, channel, tenant, text, decision,"
            " article_id, week, month) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            (change.id, change.conversation, change.user, change.at, change.channel, change.tenant, change.text,
             change.decision, change.article_id, _week(change.at), _month(change.at)),
        )  # fmt: skip
    elif isinstance(change, Answered):
        if change.decision is not None:
            tx.execute(
                "UPDATE insights_questions SET decision = ?, article_id = ?, chosen = ? WHERE id = ?",
                (change.decision, change.article_id, 1 if change.chosen else 0, change.question_id),
            )
        if change.feedback is not None:
            tx.execute("UPDATE insights_questions SET feedback = ? WHERE id = ?", (change.feedback, change.question_id))
    elif isinstance(change, Ticket):
        tx.execute(
            "INSERT INTO insights_tickets (id, conversation, user_key, at, channel, tenant, ref, receipt,"
            " resolver_group, priority, article_id, question_id, incident_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            (change.id, change.conversation, change.user, change.at, change.channel, change.tenant, change.ref,
             change.receipt, change.group, change.priority, change.article_id, change.question_id,
             change.incident_id),
        )  # fmt: skip
    elif isinstance(change, Delivered):
        tx.execute("UPDATE insights_tickets SET ref = ? WHERE receipt = ?", (change.ref, change.receipt))
    elif isinstance(change, LiveChat):
        tx.execute(
            "INSERT INTO insights_live_chats (id, conversation, user_key, at, channel, tenant, handoff_id, article_id,"
            " question_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (change.id, change.conversation, change.user, change.at, change.channel, change.tenant, change.handoff_id,
             change.article_id, change.question_id),
        )  # fmt: skip
    elif isinstance(change, ChatRated):  # a later rating replaces the first, as in the handoff store
        tx.execute("UPDATE insights_live_chats SET csat = ? WHERE handoff_id = ?", (change.score, change.handoff_id))
    elif isinstance(change, IncidentStep):  # each person once per incident and step: the first time
        tx.execute(
            "INSERT INTO insights_incident_people (incident_id, kind, user_key, id, conversation, at, channel, tenant)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (incident_id, kind, user_key) DO NOTHING",
            (change.incident_id, change.kind, change.user, change.id, change.conversation, change.at, change.channel,
             change.tenant),
        )  # fmt: skip
    elif isinstance(change, IncidentTold):
        tx.execute(
            "INSERT INTO insights_incident_updates (id, conversation, user_key, at, channel, tenant, incident_id,"
            " status) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            (change.id, change.conversation, change.user, change.at, change.channel, change.tenant,
             change.incident_id, change.status),
        )  # fmt: skip


def _question(row: Any) -> Question:
    return Question(
        int(row["id"]), row["conversation"], row["user_key"], float(row["at"]), row["channel"], row["tenant"],
        row["text"], row["decision"], row["article_id"], row["feedback"], bool(row["chosen"]),
    )  # fmt: skip


def _ticket(row: Any) -> Ticket:
    return Ticket(
        int(row["id"]), row["conversation"], row["user_key"], float(row["at"]), row["channel"], row["tenant"],
        row["ref"], row["receipt"], row["resolver_group"], row["priority"], row["article_id"], row["question_id"],
        row["incident_id"],
    )  # fmt: skip


def _live_chat(row: Any) -> LiveChat:
    return LiveChat(
        int(row["id"]), row["conversation"], row["user_key"], float(row["at"]), row["channel"], row["tenant"],
        row["handoff_id"], row["article_id"], row["question_id"],
    )  # fmt: skip


def changes_of(events: Iterable[BrokerEvent]) -> list[Change]:
    """Every change ``events`` make, followed from fresh states (tests and tools)."""
    states: dict[str, State] = {}
    found: list[Change] = []
    for event in events:
        states[event.sender_id], more = follow(states.get(event.sender_id, State()), event)
        found.extend(more)
    return found
