from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.paths import ROOT
from bot.servicedesk import ConfigError, Requester, TicketNotFound, TicketRequest
from bot.servicedesk.local import LocalServiceDesk
from bot.servicedesk.registry import create_service_desk


def request(correlation_id: str = "c-1", requester: str = "rest:alice") -> TicketRequest:
    return TicketRequest(
        summary="Laptop will not start",
        description="Transcript...",
        requester=Requester(id=requester, email="alice@northbrook.example", tenant="northbrook"),
        category="devices",
        priority="P3",
        resolver_group="end-user-computing",
        correlation_id=correlation_id,
    )


def test_create_then_status_list_and_comment(tmp_path: Path) -> None:
    desk = LocalServiceDesk(tmp_path / "desk.sqlite")
    ref = desk.create_ticket(request())
    assert ref.ref == "LOC-000001"
    status = desk.get_status(ref.ref)
    assert (status.summary, status.status, status.requester_id) == ("Laptop will not start", "open", "rest:alice")
    assert [t.ref for t in desk.list_open(Requester("rest:alice"))] == ["LOC-000001"]
    assert desk.list_open(Requester("rest:bob")) == []
    assert desk.find_by_correlation("c-1") == ref and desk.find_by_correlation("c-2") is None
    desk.add_comment(ref.ref, "Now on my second laptop too")
    assert desk.all_tickets()[0]["comments"][0]["body"] == "Now on my second laptop too"


def test_the_same_correlation_id_never_makes_a_second_ticket(tmp_path: Path) -> None:
    desk = LocalServiceDesk(tmp_path / "desk.sqlite")
    first, again = desk.create_ticket(request("same")), desk.create_ticket(request("same"))
    other = desk.create_ticket(request("different"))
    assert first == again and other.ref == "LOC-000002"
    assert len(desk.all_tickets()) == 2


@pytest.mark.parametrize("ref", ["LOC-000099", "INC0010002", "nonsense"])
def test_unknown_tickets_raise_not_found(tmp_path: Path, ref: str) -> None:
    desk = LocalServiceDesk(tmp_path / "desk.sqlite")
    with pytest.raises(TicketNotFound):
        desk.get_status(ref)
    with pytest.raises(TicketNotFound):
        desk.add_comment(ref, "hello")


@pytest.mark.parametrize(
    "field,value", [("summary", " "), ("priority", "urgent"), ("correlation_id", ""), ("summary", "x" * 161)]
)
def test_a_malformed_request_is_refused_before_it_reaches_a_desk(field: str, value: str) -> None:
    fields = {**request().__dict__, field: value}
    with pytest.raises(ValueError):
        TicketRequest(**fields)


def test_registry_names_the_setting_for_an_unknown_desk() -> None:
    with pytest.raises(ConfigError) as raised:
        create_service_desk({"ASKIT_SERVICE_DESK": "nodesk"})
    known = "freshservice, hornbill, jira_sm, local, rt, servicenow, webhook, zendesk"
    assert str(raised.value) == f"ASKIT_SERVICE_DESK: must be a known service desk: {known}, got 'nodesk'"


def test_tickets_command_lists_the_local_desk_as_json(tmp_path: Path) -> None:
    db = tmp_path / "desk.sqlite"
    LocalServiceDesk(db).create_ticket(request())
    out = subprocess.run(
        [sys.executable, "-m", "bot.servicedesk", "tickets", "--json"],
        cwd=ROOT,
        env={"ASKIT_LOCAL_DESK_DB": str(db), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    tickets = json.loads(out.stdout)
    assert [(t["ref"], t["requester_email"]) for t in tickets] == [("LOC-000001", "alice@northbrook.example")]


def test_the_latest_reply_is_the_desks_newest_public_one_never_the_requesters(tmp_path: Path) -> None:
    db = tmp_path / "desk.sqlite"
    desk = LocalServiceDesk(db)
    ref = desk.create_ticket(request()).ref
    assert desk.latest_reply(ref) is None
    desk.add_comment(ref, "Any news?")
    assert desk.latest_reply(ref) is None  # the requester's own words are not the desk's reply
    out = subprocess.run(
        [sys.executable, "-m", "bot.servicedesk", "reply", ref, "A loan laptop is at reception for you."],
        cwd=ROOT,
        env={"ASKIT_LOCAL_DESK_DB": str(db), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"replied to {ref}"
    desk.reply(ref, "The engineer comes at 2pm.")
    desk.add_comment(ref, "Thanks!")
    reply = desk.latest_reply(ref)
    assert reply is not None and reply.text == "The engineer comes at 2pm." and reply.at is not None
    with pytest.raises(TicketNotFound):
        desk.latest_reply("LOC-000099")


def test_a_desk_file_from_before_replies_gains_the_author_column(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "old.sqlite"
    with sqlite3.connect(db) as old:
        old.execute(
            "CREATE TABLE comments (id INTEGER PRIMARY KEY AUTOINCREMENT, ticket_id INTEGER NOT NULL,"
            " body TEXT NOT NULL, created_at TEXT NOT NULL)"
        )
        old.execute("INSERT INTO comments (ticket_id, body, created_at) VALUES (1, 'old', '2026-01-01T00:00:00+00:00')")
    desk = LocalServiceDesk(db)
    assert desk.latest_reply(desk.create_ticket(request()).ref) is None  # the old comment was the requester's
