"""The studio's pages (bot/backoffice/studio.py) in-process, on SQLite and PostgreSQL, on a copy of
the articles folder: an editor writes an article in the form and an approver publishes it, with
every step audited; a mistake is named next to its field with what was typed kept; a second save of
the same version is told and shown the difference; HTML in an answer is kept as text. Everyone else
is refused: nobody signed in, other roles, an editor of one council reaching past it, an editor
publishing, a missing or forged CSRF token, huge input."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.backoffice import audit
from bot.backoffice.app import create_app
from bot.backoffice.csrf import REFUSED
from bot.backoffice.sessions import IDLE_TIMEOUT
from bot.backoffice.settings import load_settings
from bot.backoffice.studio import PATH, scheduled_publisher, studio_routes
from bot.paths import KNOWLEDGE_BASE_DIR
from bot.sql import Database
from bot.studio.folder import ArticleFolder
from bot.studio.store import StudioStore
from bot.studio.workflow import Studio
from tests.backoffice.conftest import BASE_URL, SECRET, csrf_of, post, signed_in

FORM = {
    "id": "smart-lockers",
    "title": "Smart lockers will not open",
    "category": "devices",
    "questions": "the locker app won't open my locker\r\n\r\n  my smart locker is stuck shut \r\n",
    "councils": ["all"],
    "owner": "End User Computing team",
    "review_by": "2027-11-30",
    "group": "end-user-computing",
    "priority": "P4",
    "body": "Turn Bluetooth on and tap **Open** again.\r\n\r\n<script>alert('x')</script>",
}


@pytest.fixture
def folder(tmp_path: Path) -> ArticleFolder:
    shutil.copytree(KNOWLEDGE_BASE_DIR / "articles", tmp_path / "articles")
    return ArticleFolder(tmp_path / "articles")


@pytest.fixture
def client(db: Database, folder: ArticleFolder) -> Iterator[TestClient]:
    settings = load_settings({"ASKIT_BACKOFFICE_SECRET": SECRET}, dev=True, port=5057)
    studio = Studio(StudioStore(db), folder, ("northbrook", "riverside", "southmere"), time.time)
    routes = studio_routes(studio, groups=("end-user-computing", "service-desk"))
    with TestClient(create_app(settings, db, dev=True, routes=routes), base_url=BASE_URL) as client:
        yield client


def version_on(page: str, action: str) -> str:
    form = page.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
    found = re.search(r'name="version" value="(\d+)"', form)
    assert found, form
    return found.group(1)


def test_an_editor_writes_and_an_approver_publishes(client: TestClient, folder: ArticleFolder, db: Database) -> None:
    editor = signed_in(client, "editor")
    assert "Write a new article" in editor.client.get(PATH).text
    created = post(editor, f"{PATH}/new", FORM)
    assert created.status_code == 303 and created.headers["location"] == f"{PATH}/articles/smart-lockers"
    page = editor.client.get(created.headers["location"]).text
    assert "Saved as a draft" in page and folder.find("smart-lockers") is None
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page and "<script>alert" not in page
    submit = f"{PATH}/articles/smart-lockers/submit"
    assert post(editor, submit, {"version": version_on(page, submit)}).status_code == 303
    # The editor cannot approve or publish; an approver can.
    assert post(editor, f"{PATH}/articles/smart-lockers/approve", {"version": "2"}).status_code == 403
    approver = signed_in(client, "approver")
    page = approver.client.get(f"{PATH}/articles/smart-lockers").text
    approve = f"{PATH}/articles/smart-lockers/approve"
    assert post(approver, approve, {"version": version_on(page, approve)}).status_code == 303
    page = approver.client.get(f"{PATH}/articles/smart-lockers").text
    publish = f"{PATH}/articles/smart-lockers/publish"
    assert post(approver, publish, {"version": version_on(page, publish)}).status_code == 303
    text = folder.text("smart-lockers")
    assert text is not None and "  - my smart locker is stuck shut\n" in text and "<script>alert('x')</script>" in text
    actions = [(e.action, e.target) for e in audit.entries(db) if e.action.startswith("article.")]
    assert actions == [(f"article.{a}", "smart-lockers") for a in ("publish", "approve", "submit", "create")]
    history = approver.client.get(f"{PATH}/articles/smart-lockers/history").text
    assert "Version 1 (live)" in history


def test_a_mistake_is_named_next_to_its_field_and_what_was_typed_is_kept(
    client: TestClient, folder: ArticleFolder
) -> None:
    editor = signed_in(client, "editor")
    reply = post(editor, f"{PATH}/new", {**FORM, "title": "", "review_by": "soon"})
    assert reply.status_code == 400
    assert 'id="a-title-error"' in reply.text and "Title: is missing" in reply.text
    assert "Review by: must be a date" in reply.text and "smart locker is stuck shut" in reply.text
    copied = post(editor, f"{PATH}/new", {**FORM, "questions": "I'm leaving the council, where do I return my laptop"})
    assert copied.status_code == 400 and "is also a question of &#39;leaver&#39;" in copied.text
    crafted = post(editor, f"{PATH}/new", {**FORM, "title": "Lockers\n---\nstatus: draft", "councils": []})
    assert "Lockers --- status: draft" in crafted.text  # one line, as the form's field holds it
    nobody = post(editor, f"{PATH}/new", {**FORM, "councils": []})
    assert nobody.status_code == 400 and "Whose staff see it: choose every council" in nobody.text
    assert folder.find("smart-lockers") is None


def test_a_second_save_of_the_same_version_is_told_and_shown_the_difference(client: TestClient) -> None:
    first, second = signed_in(client, "editor"), signed_in(client, "approver-2")
    post(first, f"{PATH}/new", FORM)
    mine = {**FORM, "version": "1", "body": "Turn Bluetooth on, then tap Open."}
    assert post(first, f"{PATH}/articles/smart-lockers", mine).status_code == 303
    theirs = post(second, f"{PATH}/articles/smart-lockers", {**FORM, "version": "1", "body": "Restart the app."})
    assert theirs.status_code == 409 and "Someone else saved this article" in theirs.text
    assert "Turn Bluetooth on, then tap Open." in theirs.text and "Restart the app." in theirs.text
    # Having seen the difference, they save again: now it is theirs that is kept.
    again = post(
        second,
        f"{PATH}/articles/smart-lockers",
        {**FORM, "version": version_on(theirs.text, f"{PATH}/articles/smart-lockers"), "body": "Restart the app."},
    )
    assert again.status_code == 303


def test_a_councils_editor_changes_only_their_councils_articles(client: TestClient, folder: ArticleFolder) -> None:
    riverside = signed_in(client, "editor-riverside")
    page = riverside.client.get(f"{PATH}/articles/leaver").text
    assert "Save draft" not in page  # an article for every council: theirs to read, not to change
    text = folder.text("leaver")
    reply = post(
        riverside, f"{PATH}/articles/leaver", {**FORM, "id": "leaver", "version": "0", "councils": ["riverside"]}
    )
    assert reply.status_code == 403 and folder.text("leaver") == text
    assert post(riverside, f"{PATH}/new", FORM).status_code == 403
    assert post(riverside, f"{PATH}/new", {**FORM, "councils": ["riverside"]}).status_code == 303


def test_nobody_without_a_studio_role_gets_in(client: TestClient) -> None:
    anonymous = client.get(PATH, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/signin")
    agent = signed_in(client, "agent")
    assert agent.client.get(PATH).status_code == 403
    assert agent.client.get(f"{PATH}/articles/leaver").status_code == 403
    assert post(agent, f"{PATH}/new", FORM).status_code == 403
    assert post(agent, f"{PATH}/articles/leaver/retire", {"version": "0"}).status_code == 403


@pytest.mark.parametrize("token", [None, "", "forged-token-" + "x" * 30, "other session"])
def test_every_change_needs_the_sessions_csrf_token(
    client: TestClient, folder: ArticleFolder, token: str | None
) -> None:
    approver = signed_in(client, "approver-2")
    if token == "other session":
        token = signed_in(client, "approver").csrf()
    sent = {} if token is None else {"csrf_token": token}
    for path in (f"{PATH}/new", f"{PATH}/articles/leaver", f"{PATH}/articles/leaver/retire", f"{PATH}/try"):
        reply = approver.client.post(path, data={**FORM, "version": "0", **sent}, follow_redirects=False)
        assert reply.status_code == 403 and reply.text == REFUSED, path
    assert folder.find("leaver") is not None and folder.find("smart-lockers") is None


def test_hostile_paths_and_huge_input_are_refused(client: TestClient, folder: ArticleFolder) -> None:
    editor = signed_in(client, "editor")
    for path in ("../../etc/passwd", "..%2F..%2Fsecrets", "LEAVER", "x" * 500):
        assert editor.client.get(f"{PATH}/articles/{path}").status_code == 404, path
    huge = post(editor, f"{PATH}/new", {**FORM, "body": "a" * 3_000_000})
    assert huge.status_code == 413
    long_answer = post(editor, f"{PATH}/new", {**FORM, "questions": "\n".join(f"question {n}" for n in range(150))})
    assert long_answer.status_code == 400 and "at most 100" in long_answer.text
    assert folder.find("smart-lockers") is None
    assert csrf_of(editor.client.get(f"{PATH}/new").text)


def test_a_save_after_the_session_expired_is_refused_and_nothing_is_kept(
    client: TestClient, db: Database, folder: ArticleFolder
) -> None:
    editor = signed_in(client, "editor")
    token = editor.csrf()
    with db.transaction() as tx:
        tx.execute("UPDATE backoffice_sessions SET seen_at = seen_at - ?", (IDLE_TIMEOUT + 1,))
    reply = editor.client.post(f"{PATH}/new", data={**FORM, "csrf_token": token}, follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"].startswith("/signin")
    assert folder.find("smart-lockers") is None
    assert not [e for e in audit.entries(db) if e.action.startswith("article.")]


def test_an_approver_schedules_a_publish_and_the_job_publishes_it_when_due(
    client: TestClient, db: Database, folder: ArticleFolder
) -> None:
    editor, approver = signed_in(client, "editor"), signed_in(client, "approver")
    post(editor, f"{PATH}/new", FORM)
    post(editor, f"{PATH}/articles/smart-lockers/submit", {"version": "1"})
    post(approver, f"{PATH}/articles/smart-lockers/approve", {"version": "2"})
    schedule = f"{PATH}/articles/smart-lockers/schedule"
    past = post(approver, schedule, {"version": "3", "publish_at": "2020-01-01T09:00"})
    assert "Nothing was done: choose a time later than now" in approver.client.get(past.headers["location"]).text
    assert post(approver, schedule, {"version": "3", "publish_at": "not a time"}).status_code == 303
    assert post(editor, schedule, {"version": "3", "publish_at": "2099-01-01T09:00"}).status_code == 403
    assert post(approver, schedule, {"version": "3", "publish_at": "2099-01-01T09:00"}).status_code == 303
    page = approver.client.get(f"{PATH}/articles/smart-lockers").text
    assert "To be published" in page and "2099-01-01 at 09:00 (UK time), as Demo approver scheduled" in page
    assert folder.find("smart-lockers") is None

    # The job, on a clock at that time: published once, audited as the approver's.
    studio = Studio(StudioStore(db), folder, ("northbrook", "riverside", "southmere"), lambda: 4_071_000_000.0)
    job = scheduled_publisher(studio, db)
    job.step()
    job.step()
    assert folder.text("smart-lockers") is not None
    [entry] = [e for e in audit.entries(db) if e.action == "article.publish"]
    assert (entry.who, entry.detail["scheduled"]) == ("dev-approver", True)
