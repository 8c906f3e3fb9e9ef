"""A Statuspage page's unresolved.json read into incidents (bot/incidents/feeds/statuspage.py): the
fields each incident gives, the entries that cannot be read (left out, the others kept), and
answers that are not a page's at all (BadResponse: the poll fails, nothing changes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.incidents.feeds.base import ELLIPSIS, Unreadable
from bot.incidents.feeds.statuspage import listing
from bot.incidents.validation import MAX_SUMMARY, MAX_TITLE
from bot.servicedesk.errors import BadResponse


def at(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()


def entry(**changes: Any) -> dict[str, Any]:
    """An incident as a page lists it (updates newest first)."""
    found: dict[str, Any] = {
        "id": "p0000000001",
        "name": "Email delays",
        "status": "identified",
        "impact": "major",
        "created_at": "2026-11-30T08:15:00.000Z",
        "updated_at": "2026-11-30T09:01:00.000Z",
        "shortlink": "https://stspg.io/abcde",
        "incident_updates": [
            {"body": "A fix is being rolled out.", "status": "identified", "created_at": "2026-11-30T09:01:00.000Z"},
            {"body": "We are looking into it.", "status": "investigating", "created_at": "2026-11-30T08:15:00.000Z"},
        ],
        "components": [{"id": "c1", "name": "Email"}, {"id": "c2", "name": "Calendar"}],
    }
    found.update(changes)
    return {k: v for k, v in found.items() if v is not ...}


def one(**changes: Any) -> Any:
    read = listing({"page": {"id": "x"}, "incidents": [entry(**changes)]})
    assert len(read.incidents) == 1, read.unreadable
    return read.incidents[0]


def test_an_incident_gives_its_name_newest_update_status_start_and_components() -> None:
    incident = one()
    assert (incident.id, incident.title, incident.summary) == (
        "p0000000001",
        "Email delays",
        "A fix is being rolled out.",
    )
    assert (incident.status, incident.services, incident.desk_ref) == ("identified", ("Email", "Calendar"), None)
    assert incident.started_at == at("2026-11-30T08:15:00+00:00")


@pytest.mark.parametrize(
    "changes,field,expected",
    [
        ({"started_at": "2026-11-30T07:50:00.000-01:00"}, "started_at", at("2026-11-30T08:50:00+00:00")),
        ({"status": "postmortem"}, "status", "resolved"),
        ({"status": "monitoring"}, "status", "monitoring"),
        ({"components": ...}, "services", ()),
        ({"components": [{"name": "VPN"}, {"name": " VPN "}, {"name": ""}]}, "services", ("VPN",)),
        ({"name": "  Email\n  delays\tfor some  "}, "title", "Email delays for some"),
        ({"incident_updates": []}, "summary", "Email delays"),  # nothing said yet: the name
        # the newest by its time, whatever the order; one that only changed a component says nothing
        (
            {
                "incident_updates": [
                    {"body": "Older.", "created_at": "2026-11-30T08:00:00Z"},
                    {"body": "", "created_at": "2026-11-30T10:00:00Z"},
                    {"body": "Newest.", "created_at": "2026-11-30T09:00:00Z"},
                ]
            },
            "summary",
            "Newest.",
        ),
    ],
)
def test_what_each_field_becomes(changes: dict[str, Any], field: str, expected: Any) -> None:
    assert getattr(one(**changes), field) == expected


def test_long_text_is_cut_at_a_word_to_what_the_card_shows() -> None:
    incident = one(name="word " * 40, incident_updates=[{"body": "sentence " * 100, "created_at": "2026-11-30T09:00Z"}])
    assert len(incident.title) <= MAX_TITLE and incident.title.endswith("word" + ELLIPSIS)
    assert len(incident.summary) <= MAX_SUMMARY and incident.summary.endswith("sentence" + ELLIPSIS)


@pytest.mark.parametrize(
    "bad,expected",
    [
        (entry(id=...), Unreadable(None, "id: is missing")),
        (entry(id=""), Unreadable(None, "id: must be text that is not empty")),
        (entry(id="p1\nx"), Unreadable(None, "id: must be one line of text")),
        ("an incident", Unreadable(None, "(the entry): is not an object")),
        (entry(name=None), Unreadable("p0000000001", "name: is missing")),
        (
            entry(status="exploded"),
            Unreadable(
                "p0000000001",
                "status: must be one of investigating, identified, monitoring, resolved, postmortem, got 'exploded'",
            ),
        ),
        (entry(created_at="yesterday"), Unreadable("p0000000001", "created_at: is not a time: 'yesterday'")),
        (entry(created_at=...), Unreadable("p0000000001", "created_at: is missing")),
        (entry(components=["Email"]), Unreadable("p0000000001", "components: must be a list of objects with a name")),
        (entry(incident_updates="none"), Unreadable("p0000000001", "incident_updates: must be a list")),
    ],
)
def test_an_entry_that_cannot_be_read_is_left_out_and_the_others_kept(bad: Any, expected: Unreadable) -> None:
    read = listing({"incidents": [entry(id="p-good"), bad]})
    assert [i.id for i in read.incidents] == ["p-good"] and read.unreadable == (expected,)
    # absence proves nothing when an entry's id cannot be read: it might be any incident of ours
    assert read.listed_ids() == (None if expected.id is None else {"p-good", "p0000000001"})


def test_a_numeric_id_is_read_as_its_digits() -> None:
    assert one(id=42).id == "42"
    assert listing({"incidents": [entry(id=42, name=None)]}).unreadable == (Unreadable("42", "name: is missing"),)


def test_a_page_with_no_incidents_lists_none() -> None:
    read = listing({"page": {"id": "x"}, "incidents": []})
    assert read.incidents == () and read.listed_ids() == frozenset()


@pytest.mark.parametrize(
    "body,problem",
    [
        ([], "not a JSON object"),
        ("<html>", "not a JSON object"),
        (None, "not a JSON object"),  # an empty body
        ({"page": {"id": "x"}}, "has no incidents"),
        ({"incidents": {"id": "p1"}}, "incidents is not a list"),
    ],
)
def test_an_answer_that_is_not_a_page_is_a_bad_response(body: Any, problem: str) -> None:
    with pytest.raises(BadResponse, match=problem):
        listing(body)
