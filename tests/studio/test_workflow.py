"""The studio's rules (bot/studio/workflow.py) on a copy of the real articles folder, on SQLite and
PostgreSQL: a draft goes through review to the folder and nothing live changes before; the approver
is never the author; a council's editor keeps to their council; two editors saving at once never
overwrite each other; a malformed article names its field and changes nothing; every published
version is kept, and restoring one makes a new version."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from bot.backoffice.roles import Grant, Person
from bot.config import ConfigurationError
from bot.knowledge.articles import article_text, split_article
from bot.paths import KNOWLEDGE_BASE_DIR
from bot.sql import open_database
from bot.studio.errors import InvalidDraft, NotAllowed, StaleDraft, WrongStage
from bot.studio.folder import ArticleFolder
from bot.studio.settings import SETTING, StudioSettings
from bot.studio.store import StudioStore
from bot.studio.workflow import Studio
from tests.fakes import lockers_article

TENANTS = ("northbrook", "riverside", "southmere")
EDITOR = Person("ed", "Edith Editor", None, None, (Grant("editor"),))
RIVERSIDE_EDITOR = Person("red", "Rita Riverside", None, None, (Grant("editor", "riverside"),))
APPROVER = Person("ap", "Arun Approver", None, None, (Grant("approver"),))
WRITING_APPROVER = Person("wa", "Wendy Both", None, None, (Grant("approver"), Grant("editor")))
RIVERSIDE_APPROVER = Person("rap", "Ravi Riverside", None, None, (Grant("approver", "riverside"),))
LEAVERS_QUESTION = "I'm leaving the council, where do I return my laptop"  # a question of the article leaver


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def folder(tmp_path: Path) -> ArticleFolder:
    root = tmp_path / "articles"
    shutil.copytree(KNOWLEDGE_BASE_DIR / "articles", root)
    return ArticleFolder(root)


@pytest.fixture
def studio(location: str, folder: ArticleFolder) -> Studio:
    return Studio(StudioStore(open_database(location)), folder, TENANTS, Clock())


def lockers(audience: str = "all") -> str:
    return lockers_article(audience)


def test_a_new_article_goes_live_only_when_an_approver_publishes_it(studio: Studio, folder: ArticleFolder) -> None:
    draft = studio.create(EDITOR, lockers())
    assert (draft.stage, draft.version, draft.author) == ("draft", 1, "ed")
    assert folder.find("smart-lockers") is None
    submitted = studio.submit(EDITOR, "smart-lockers", 1)
    approved = studio.approve(APPROVER, "smart-lockers", submitted.version)
    assert folder.find("smart-lockers") is None  # approved is not yet live
    live = studio.publish(APPROVER, "smart-lockers", approved.version)
    assert (live.stage, live.live_version) == ("published", 1)
    assert folder.text("smart-lockers") == lockers()
    assert [v.number for v in studio.versions("smart-lockers")] == [1]


def test_a_new_draft_of_a_published_article_changes_nothing_live_until_it_is_published(
    studio: Studio, folder: ArticleFolder
) -> None:
    before = folder.text("leaver")
    assert before is not None
    front, body = split_article(before) or ({}, "")
    edited = article_text({**front, "title": "Leaving: what IT needs from you"}, body)
    saved = studio.save(EDITOR, "leaver", edited, 0)
    assert (saved.stage, saved.version, saved.live_version) == ("draft", 1, 1)
    assert folder.text("leaver") == before
    # The file as the studio found it is version 1: what a restore can go back to.
    assert [(v.number, v.text) for v in studio.versions("leaver")] == [(1, before)]
    studio.submit(EDITOR, "leaver", 1)
    studio.approve(APPROVER, "leaver", 2)
    live = studio.publish(APPROVER, "leaver", 3)
    assert folder.text("leaver") == edited and live.live_version == 2
    restored = studio.restore(APPROVER, "leaver", 1, live.version)
    assert folder.text("leaver") == before
    assert (restored.live_version, [v.number for v in studio.versions("leaver")]) == (3, [3, 2, 1])
    assert studio.versions("leaver")[0].note == "restored version 1"


def test_the_approver_is_never_the_author(studio: Studio) -> None:
    studio.create(WRITING_APPROVER, lockers())
    studio.submit(WRITING_APPROVER, "smart-lockers", 1)
    with pytest.raises(NotAllowed, match="another approver"):
        studio.approve(WRITING_APPROVER, "smart-lockers", 2)
    with pytest.raises(NotAllowed):
        studio.approve(EDITOR, "smart-lockers", 2)  # an editor is no approver
    assert studio.approve(APPROVER, "smart-lockers", 2).stage == "approved"


def test_publishing_needs_an_approval_and_any_change_undoes_one(studio: Studio) -> None:
    studio.create(EDITOR, lockers())
    with pytest.raises(WrongStage):
        studio.publish(APPROVER, "smart-lockers", 1)
    studio.submit(EDITOR, "smart-lockers", 1)
    studio.approve(APPROVER, "smart-lockers", 2)
    changed = studio.save(EDITOR, "smart-lockers", lockers().replace("again.", "once more."), 3)
    assert changed.stage == "draft"
    with pytest.raises(WrongStage):
        studio.publish(APPROVER, "smart-lockers", changed.version)


def test_a_councils_editor_and_approver_keep_to_their_council(studio: Studio, folder: ArticleFolder) -> None:
    with pytest.raises(NotAllowed, match="all councils"):
        studio.create(RIVERSIDE_EDITOR, lockers())
    with pytest.raises(NotAllowed, match="northbrook"):
        studio.create(RIVERSIDE_EDITOR, lockers("[northbrook]"))
    own = studio.create(RIVERSIDE_EDITOR, lockers("[riverside]"))
    # Nor can they take an article for every council and make it theirs.
    text = folder.text("leaver") or ""
    with pytest.raises(NotAllowed):
        studio.save(RIVERSIDE_EDITOR, "leaver", text.replace("audience: all", "audience: [riverside]"), 0)
    studio.submit(RIVERSIDE_EDITOR, "smart-lockers", own.version)
    assert studio.approve(RIVERSIDE_APPROVER, "smart-lockers", own.version + 1).stage == "approved"
    studio.create(EDITOR, lockers("[northbrook]").replace("smart-lockers", "north-lockers"))
    studio.submit(EDITOR, "north-lockers", 1)
    with pytest.raises(NotAllowed, match="northbrook"):
        studio.approve(RIVERSIDE_APPROVER, "north-lockers", 2)


def test_of_two_editors_saving_the_same_version_the_second_is_told(studio: Studio) -> None:
    studio.create(EDITOR, lockers())
    studio.save(EDITOR, "smart-lockers", lockers().replace("again.", "once more."), 1)
    with pytest.raises(StaleDraft) as refused:
        studio.save(WRITING_APPROVER, "smart-lockers", lockers().replace("again.", "twice."), 1)
    assert refused.value.current.version == 2 and "once more." in refused.value.current.text


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (lockers().replace("title: Smart lockers will not open\n", ""), "title"),
        (lockers("[eastwick]"), "audience"),
        (lockers().replace("review_by: 2027-09-30", "review_by: next year"), "review_by"),
        (lockers().replace("category: devices", "category: gadgets"), "category"),
        (lockers().replace("id: smart-lockers", "id: Smart Lockers!"), "id"),
        (lockers().replace("stuck shut", f"stuck shut\n  - {LEAVERS_QUESTION}"), "questions"),
        (lockers().replace("status: published", "status: published\n  bad: [indent"), "front matter"),
        ("no front matter at all", "front matter"),
    ],
)  # fmt: skip
def test_a_malformed_article_names_its_field_and_nothing_is_kept(
    studio: Studio, folder: ArticleFolder, text: str, field: str
) -> None:
    with pytest.raises(InvalidDraft) as refused:
        studio.create(EDITOR, text)
    assert field in [p.field for p in refused.value.problems], refused.value.problems
    assert studio.store.get("smart-lockers") is None and folder.find("smart-lockers") is None


def test_an_id_that_is_taken_is_refused(studio: Studio) -> None:
    taken = lockers().replace("id: smart-lockers", "id: leaver").replace("category: devices", "category: accounts")
    with pytest.raises(InvalidDraft, match="taken"):
        studio.create(EDITOR, taken.replace("Smart lockers", "Lockers"))


def test_retiring_takes_it_out_of_the_folder_and_keeps_its_history(studio: Studio, folder: ArticleFolder) -> None:
    retired = studio.retire(APPROVER, "leaver", 0)
    assert retired.stage == "retired" and folder.find("leaver") is None
    assert [v.number for v in studio.versions("leaver")] == [1]
    back = studio.restore(APPROVER, "leaver", 1, retired.version)
    assert back.stage == "published" and folder.find("leaver") is not None


def test_verifying_moves_the_review_date_a_year_on_and_changes_nothing_else(
    studio: Studio, folder: ArticleFolder
) -> None:
    before = folder.text("leaver") or ""
    verified = studio.verify(EDITOR, "leaver", 0, "checked with the Identity team")
    after = folder.text("leaver") or ""
    today = dt.datetime.fromtimestamp(studio.clock(), dt.timezone.utc).date()
    front_before, body_before = split_article(before) or ({}, "")
    front_after, body_after = split_article(after) or ({}, "")
    assert front_after == {**front_before, "review_by": today + dt.timedelta(days=365)} and body_after == body_before
    assert (verified.stage, verified.live_version) == ("published", 2)
    assert studio.versions("leaver")[0].note == "verified: checked with the Identity team"
    with pytest.raises(NotAllowed):
        studio.verify(RIVERSIDE_EDITOR, "leaver", verified.version, "")


def test_an_expiry_date_is_checked_like_any_field(studio: Studio) -> None:
    with pytest.raises(InvalidDraft) as refused:
        studio.create(EDITOR, lockers().replace("status: published", "status: published\nexpires: Friday"))
    assert [p.field for p in refused.value.problems] == ["expires"]
    notice = studio.create(EDITOR, lockers().replace("status: published", "status: published\nexpires: 2027-01-08"))
    assert "expires: 2027-01-08" in notice.text


def test_a_category_may_let_its_authors_approve_their_own_work(location: str, folder: ArticleFolder) -> None:
    studio = Studio(StudioStore(open_database(location)), folder, TENANTS, Clock(), self_approval={"devices"})
    studio.create(WRITING_APPROVER, lockers())
    studio.submit(WRITING_APPROVER, "smart-lockers", 1)
    assert studio.approve(WRITING_APPROVER, "smart-lockers", 2).stage == "approved"
    elsewhere = lockers().replace("category: devices", "category: printing").replace("smart-lockers", "print-lockers")
    studio.create(WRITING_APPROVER, elsewhere)
    studio.submit(WRITING_APPROVER, "print-lockers", 1)
    with pytest.raises(NotAllowed):
        studio.approve(WRITING_APPROVER, "print-lockers", 2)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("self_approval: [gadgets]\n", "self_approval[0]: is no category of the articles folder"),
        ("self_approval: devices\n", "self_approval"),
        ("self_aproval: [devices]\n", "self_aproval"),
    ],
)
def test_a_wrong_studio_file_names_the_file_and_the_field(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "studio.yml").write_text(text)
    with pytest.raises(ConfigurationError, match=re.escape(problem)) as refused:
        StudioSettings.load({SETTING: str(tmp_path / "studio.yml")}, ("devices", "printing"))
    assert "studio.yml" in str(refused.value)


def test_the_studio_file_as_shipped_loads() -> None:
    assert StudioSettings.load({}, ArticleFolder(KNOWLEDGE_BASE_DIR / "articles").categories()).self_approval == set()


def test_a_scheduled_article_goes_live_at_its_time_and_a_change_meanwhile_undoes_the_schedule(
    location: str, folder: ArticleFolder
) -> None:
    clock = Clock()
    studio = Studio(StudioStore(open_database(location)), folder, TENANTS, clock)
    studio.create(EDITOR, lockers())
    studio.submit(EDITOR, "smart-lockers", 1)
    studio.approve(APPROVER, "smart-lockers", 2)
    with pytest.raises(WrongStage, match="later than now"):
        studio.schedule(APPROVER, "smart-lockers", 3, clock.now - 60)
    with pytest.raises(NotAllowed):
        studio.schedule(EDITOR, "smart-lockers", 3, clock.now + 3600)
    scheduled = studio.schedule(APPROVER, "smart-lockers", 3, clock.now + 3600)
    assert (scheduled.stage, scheduled.scheduled_by) == ("approved", "ap")
    assert studio.publish_due() == [] and folder.find("smart-lockers") is None  # not yet
    clock.now += 3600
    [published] = studio.publish_due()
    assert (published.stage, published.live_version) == ("published", 1) and folder.text("smart-lockers") == lockers()
    assert studio.versions("smart-lockers")[0].published_by == "ap"
    assert studio.publish_due() == []  # once

    # A change after scheduling undoes it: what goes live is what was approved, nothing else.
    studio.save(EDITOR, "smart-lockers", lockers().replace("again.", "once more."), published.version)
    studio.submit(EDITOR, "smart-lockers", published.version + 1)
    approved = studio.approve(APPROVER, "smart-lockers", published.version + 2)
    studio.schedule(APPROVER, "smart-lockers", approved.version, clock.now + 60)
    changed = studio.save(EDITOR, "smart-lockers", lockers().replace("again.", "twice."), approved.version + 1)
    assert changed.publish_at is None
    clock.now += 120
    assert studio.publish_due() == [] and folder.text("smart-lockers") == lockers()
