"""The studio's inbox (bot/studio/inbox.py) on SQLite and PostgreSQL, on a copy of the real articles
folder and an insights store loaded from broker events: a "didn't help" becomes a task on its
article until an editor decides it; a question whose asker chose an article from a list is proposed
as its phrasing, accepted into a draft (nothing live changes) or rejected for good; a council's
editor sees only their councils' articles; the gaps are those of the editor's councils."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot import replies, sql
from bot.backoffice.roles import Grant, Person
from bot.insights.figures import DAY, Gap, GapRun
from bot.insights.store import InsightsStore
from bot.paths import KNOWLEDGE_BASE_DIR
from bot.studio.errors import AlreadyDecided, InvalidDraft, NotAllowed, NotInInbox, StaleDraft
from bot.studio.folder import ArticleFolder
from bot.studio.inbox import Inbox, folded, gap_key, questions_of
from bot.studio.inbox_store import InboxStore
from bot.studio.store import StudioStore
from bot.studio.workflow import Studio
from tests.insights.history import Chat, Log

TENANTS = ("northbrook", "riverside", "southmere")
NOW = 1_800_000_000.0
EDITOR = Person("ed", "Edith Editor", None, None, (Grant("editor"),))
RIVERSIDE_EDITOR = Person("red", "Rita Riverside", None, None, (Grant("editor", "riverside"),))
PHRASING = "the  Council Connect thing keeps whirring"  # not a question of any article
RIVERSIDE = "walk-in-support-riverside"  # an article for Riverside's staff only
NOTHING_FITTED = {"text": "Sorry, I couldn't find that.", "custom": {"decision": "escalate"}}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def folder(tmp_path: Path) -> ArticleFolder:
    shutil.copytree(KNOWLEDGE_BASE_DIR / "articles", tmp_path / "articles")
    return ArticleFolder(tmp_path / "articles")


@pytest.fixture
def db(location: str) -> sql.Database:
    return sql.open_database(location)


@pytest.fixture
def insights(db: sql.Database) -> InsightsStore:
    return InsightsStore(db)


@pytest.fixture
def inbox(db: sql.Database, folder: ArticleFolder, insights: InsightsStore) -> Inbox:
    clock = Clock()
    return Inbox(Studio(StudioStore(db), folder, TENANTS, clock), InboxStore(db), insights, clock)


def load(insights: InsightsStore, log: Log, tmp_path: Path) -> None:
    insights.load(sql.open_database(log.write(tmp_path / f"events-{len(log.events)}.db")))


def chat(log: Log, sender: str, days_ago: float, council: str = "riverside") -> Chat:
    return Chat(log, sender, at=NOW - days_ago * DAY, email=f"pat@{council}.example", name="Pat Jones")


def chose(log: Log, sender: str, text: str, article_id: str, days_ago: float = 3) -> Chat:
    """Asked ``text``, got a list, chose ``article_id`` from it."""
    listed = chat(log, sender, days_ago).says(text).bot(replies.clarify([(article_id, "It"), ("leaver", "Leaver")]))
    return listed.says(replies.choose_article_payload(article_id)).bot(replies.answer(article_id, "It", "Steps."))


def test_a_didnt_help_is_a_task_on_its_article_until_an_editor_decides_it(
    inbox: Inbox, insights: InsightsStore, tmp_path: Path
) -> None:
    log = Log()
    chat(log, "s1", 2).answered("vpn dies every time I call pat@riverside.example", "vpn-connect").not_helped(
        "vpn-connect"
    )
    chat(log, "s2", 1, "northbrook").answered("vpn no go", "vpn-connect").not_helped("vpn-connect")
    chat(log, "s3", 1).answered("vpn down", "vpn-connect").helped()  # helped: no task
    chat(log, "s4", 120).answered("vpn broke", "vpn-connect").not_helped("vpn-connect")  # too long ago
    load(insights, log, tmp_path)
    [work] = inbox.work(EDITOR).articles
    assert work.article.article_id == "vpn-connect" and work.phrasings == ()
    assert [(t.text, t.council, t.channel) for t in work.tasks] == [
        ("vpn no go", "northbrook", "webchat"),  # newest first
        ("vpn dies every time I call [email]", "riverside", "webchat"),  # as the store kept it: redacted
    ]
    assert inbox.work(EDITOR).counts == {"tasks": 2, "phrasings": 0, "gaps": 0}
    done = inbox.decide_task(EDITOR, work.tasks[0].question_id, "done", "split the article")
    assert done == work.tasks[0]
    [left] = inbox.work(EDITOR).articles[0].tasks
    assert left == work.tasks[1]
    with pytest.raises(AlreadyDecided):
        inbox.decide_task(EDITOR, done.question_id, "dismissed", "")
    inbox.decide_task(EDITOR, left.question_id, "dismissed", "")
    assert inbox.work(EDITOR).articles == []
    helped = next(q for q in insights.questions() if q.text == "vpn down")
    old = next(q for q in insights.questions() if q.text == "vpn broke")
    for forged in (helped.id, old.id, 999_999_999):
        with pytest.raises(NotInInbox):
            inbox.decide_task(EDITOR, forged, "done", "")


def test_a_choice_from_a_list_is_proposed_and_accepting_it_makes_a_draft(
    inbox: Inbox, insights: InsightsStore, folder: ArticleFolder, tmp_path: Path
) -> None:
    log = Log()
    chose(log, "c1", PHRASING, "vpn-connect", days_ago=4)
    chose(log, "c2", "The council connect thing keeps WHIRRING ", "vpn-connect", days_ago=2)  # the same, folded
    chose(log, "c3", "VPN won't  connect", "vpn-connect")  # one of its questions already
    chose(log, "c4", "my vpn, Pat, is down", "vpn-connect")  # the asker's name was redacted: nobody's phrasing
    chat(log, "c5", 1).answered("council connect is whirring", "vpn-connect")  # the bot chose it: no proposal
    load(insights, log, tmp_path)
    [work] = inbox.work(EDITOR).articles
    [phrasing] = work.phrasings
    assert (phrasing.text, phrasing.key, phrasing.asked) == (
        "the Council Connect thing keeps whirring", folded(PHRASING), 2,
    )  # fmt: skip
    live = folder.text("vpn-connect")
    draft, accepted = inbox.accept(EDITOR, "vpn-connect", phrasing.key, work.article.version)
    assert accepted == phrasing and draft.stage == "draft" and draft.author == "ed"
    assert questions_of(draft.text)[-1] == "the Council Connect thing keeps whirring"
    assert questions_of(draft.text)[:-1] == questions_of(live or "")
    assert folder.text("vpn-connect") == live  # through review, like any change
    assert inbox.work(EDITOR).articles == []
    with pytest.raises(AlreadyDecided):
        inbox.accept(EDITOR, "vpn-connect", phrasing.key, draft.version)


def test_a_rejected_phrasing_is_never_proposed_again(inbox: Inbox, insights: InsightsStore, tmp_path: Path) -> None:
    log = Log()
    chose(log, "c1", PHRASING, "vpn-connect", days_ago=5)
    load(insights, log, tmp_path)
    [phrasing] = inbox.work(EDITOR).articles[0].phrasings
    assert inbox.reject(EDITOR, "vpn-connect", phrasing.key) == phrasing
    with pytest.raises(AlreadyDecided):
        inbox.reject(EDITOR, "vpn-connect", phrasing.key)
    later = Log(list(log.events))
    chose(later, "c2", PHRASING.upper(), "vpn-connect", days_ago=1)  # asked again since
    load(insights, later, tmp_path)
    assert inbox.work(EDITOR).articles == []
    with pytest.raises(AlreadyDecided):
        inbox.accept(EDITOR, "vpn-connect", phrasing.key, 0)
    with pytest.raises(NotInInbox):
        inbox.reject(EDITOR, "vpn-connect", folded("never asked"))


def test_accepting_a_phrasing_of_a_changed_article_or_one_that_would_not_load_keeps_it_proposed(
    inbox: Inbox, insights: InsightsStore, folder: ArticleFolder, tmp_path: Path
) -> None:
    log = Log()
    chose(log, "c1", PHRASING, "vpn-connect")
    chose(log, "c2", "I'm leaving the council, where do I return my laptop", "vpn-connect")  # leaver's question
    load(insights, log, tmp_path)
    keys = {p.text: p.key for p in inbox.work(EDITOR).articles[0].phrasings}
    live = folder.text("vpn-connect") or ""
    inbox.studio.save(EDITOR, "vpn-connect", live.replace("vpn not working", "the vpn is not working"), 0)
    with pytest.raises(StaleDraft):
        inbox.accept(EDITOR, "vpn-connect", keys[PHRASING.replace("  ", " ")], 0)  # read before that save
    with pytest.raises(InvalidDraft, match="also a question of 'leaver'"):
        inbox.accept(EDITOR, "vpn-connect", keys["I'm leaving the council, where do I return my laptop"], 1)
    assert len(inbox.work(EDITOR).articles[0].phrasings) == 2  # nothing lost


def test_a_councils_editor_sees_and_decides_only_their_councils_articles(
    inbox: Inbox, insights: InsightsStore, tmp_path: Path
) -> None:
    log = Log()
    chat(log, "s1", 1).answered("is the civic centre desk open", RIVERSIDE).not_helped(RIVERSIDE)
    chat(log, "s2", 1).answered("vpn no go", "vpn-connect").not_helped("vpn-connect")  # for every council
    chose(log, "c1", PHRASING, "vpn-connect")
    load(insights, log, tmp_path)
    [work] = inbox.work(RIVERSIDE_EDITOR).articles
    assert work.article.article_id == RIVERSIDE and [t.text for t in work.tasks] == ["is the civic centre desk open"]
    assert {w.article.article_id for w in inbox.work(EDITOR).articles} == {RIVERSIDE, "vpn-connect"}
    theirs = next(q for q in insights.questions() if q.text == "vpn no go")
    with pytest.raises(NotAllowed):
        inbox.decide_task(RIVERSIDE_EDITOR, theirs.id, "done", "")
    with pytest.raises(NotAllowed):
        inbox.reject(RIVERSIDE_EDITOR, "vpn-connect", folded(PHRASING))
    inbox.decide_task(RIVERSIDE_EDITOR, work.tasks[0].question_id, "done", "")
    assert inbox.work(RIVERSIDE_EDITOR).articles == []


def test_the_gaps_are_those_of_the_editors_councils(inbox: Inbox, insights: InsightsStore, tmp_path: Path) -> None:
    log = Log()
    asked = [f"how do I book a parking permit {n}" for n in range(6)]
    for n, text in enumerate(asked):
        chat(log, f"r{n}", 3).says(text).bot(NOTHING_FITTED)
        chat(log, f"n{n}", 3, "northbrook").says(f"parking permit please {n}").bot(NOTHING_FITTED)
    load(insights, log, tmp_path)
    ids = tuple(q.id for q in insights.questions())
    insights.save_gaps(GapRun(NOW, NOW - 30 * DAY, NOW, len(ids), [Gap("parking permit book", len(ids), {}, (), ids)]))
    [everyone] = inbox.work(EDITOR).gaps
    [riverside] = inbox.work(RIVERSIDE_EDITOR).gaps
    assert everyone.key == riverside.key == gap_key("parking permit book")
    assert (everyone.size, everyone.councils) == (12, {"riverside": 6, "northbrook": 6})
    assert (riverside.size, riverside.councils) == (6, {"riverside": 6})
    assert inbox.gap_examples(RIVERSIDE_EDITOR, riverside.key) == tuple(asked[:3])
    assert inbox.gap_examples(RIVERSIDE_EDITOR, "no-such-gap") == ()
