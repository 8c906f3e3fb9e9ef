"""knowledge_base/handoff.yml (bot/handoff/settings.py): the shipped file is valid and says what the
service desk manager reads in docs/agents.md; each kind of mistake stops the start with one line
naming the file and the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.config import ConfigurationError
from bot.handoff.hours import DAY_NAMES, Opening, is_open
from bot.handoff.models import Timeouts
from bot.handoff.settings import FILE_FIELDS, HANDOFF_CONFIG, HOURS_FIELDS, TIMEOUT_FIELDS, HandoffSettings, main
from bot.identity import load_tenants
from bot.paths import ROOT

Change = Callable[[dict[str, Any]], None]


def shipped() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(HANDOFF_CONFIG.read_text())
    return data


def written(tmp_path: Path, change: Change) -> Path:
    data = shipped()
    change(data)
    path = tmp_path / "handoff.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_the_shipped_file_is_valid_and_read_once() -> None:
    settings = HandoffSettings.load()
    assert settings is HandoffSettings.load()
    assert settings.capacity == 3 and settings.teams_agents_channel is None
    assert settings.timeouts == Timeouts(queue=600, agent_response=180, idle_user=600, idle_agent=900)
    assert set(settings.hours) == {"default", "riverside", "southmere"}
    assert set(settings.hours) - {"default"} <= load_tenants().ids
    default = settings.hours_for(None)
    assert str(default.zone) == "Europe/London"
    assert default.week[0] == (Opening(dt.time(8, 30), dt.time(17, 0)),) and default.week[6] == ()
    assert len(default.closed_dates) == 16 and dt.date(2027, 12, 28) in default.closed_dates


def test_a_council_takes_from_the_default_what_it_does_not_say() -> None:
    settings = HandoffSettings.load()
    default, riverside = settings.hours_for("northbrook"), settings.hours_for("riverside")
    assert default is settings.hours["default"]
    assert riverside.week[4] == (Opening(dt.time(8, 30), dt.time(16, 30)),)  # its own Friday
    assert riverside.week[:4] == default.week[:4] and riverside.zone == default.zone
    assert riverside.closed_dates == default.closed_dates  # bank holidays added, not replaced
    assert settings.hours_for("southmere").week[5] == (Opening(dt.time(9), dt.time(12)),)


def test_each_group_serves_its_councils() -> None:
    settings = HandoffSettings.load()
    assert [g.id for g in settings.groups_for("northbrook")] == ["service-desk", "identity-access"]
    assert [g.id for g in settings.groups_for("riverside")] == [
        "service-desk",
        "identity-access",
        "riverside-applications",
    ]
    assert [g.id for g in settings.groups_for(None)] == ["service-desk", "identity-access"]
    assert settings.groups["riverside-applications"].name == "Riverside Business Applications"


def test_a_whole_file_of_good_values_is_read(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["hours"]["northbrook"] = {
            "time_zone": "Europe/Dublin",
            "mon": "08:00-12:30, 13:30-17:00",
            "tue": "00:00-24:00",
            "closed_dates": ["2026-03-17"],
        }
        data["timeouts"] = {"queue": 5}
        data["teams_agents_channel"] = "19:0123abcd@thread.tacv2"
        del data["capacity"]

    settings = HandoffSettings.load(written(tmp_path, change))
    northbrook = settings.hours_for("northbrook")
    assert northbrook.week[0] == (Opening(dt.time(8), dt.time(12, 30)), Opening(dt.time(13, 30), dt.time(17)))
    assert northbrook.week[1] == (Opening(dt.time(0), dt.time.max),)  # all day, to midnight
    assert is_open(northbrook, dt.datetime(2026, 9, 22, 23, 59, 30, tzinfo=ZoneInfo("Europe/Dublin")))
    assert str(northbrook.zone) == "Europe/Dublin" and dt.date(2026, 3, 17) in northbrook.closed_dates
    assert settings.timeouts.queue == 300 and settings.timeouts.idle_agent == 900  # the others' defaults
    assert settings.capacity == 3 and settings.teams_agents_channel == "19:0123abcd@thread.tacv2"


def put(*path: str, value: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        for key in path[:-1]:
            data = data.setdefault(key, {})
        data[path[-1]] = value

    return change


def drop(*path: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        for key in path[:-1]:
            data = data[key]
        del data[path[-1]]

    return change


OPENING = "must be opening times"
MISTAKES: list[tuple[Change, str]] = [
    (put("hours", "default", "mon", value="25:00-17:00"), f"hours.default.mon: {OPENING} .*, got '25:00-17:00'"),
    (put("hours", "default", "tue", value="17:00-08:30"), f"hours.default.tue: {OPENING}"),
    (put("hours", "default", "tue", value="24:00-24:00"), f"hours.default.tue: {OPENING}"),  # 24:00 only ends one
    (put("hours", "default", "tue", value="08:00-24:30"), f"hours.default.tue: {OPENING}"),
    (put("hours", "default", "wed", value="08:30-12:00, 11:00-17:00"), f"hours.default.wed: {OPENING}"),
    (put("hours", "default", "thu", value="8.30 to 5"), f"hours.default.thu: {OPENING}"),
    (put("hours", "default", "fri", value=9), f"hours.default.fri: {OPENING} .*, got 9"),
    (put("hours", "default", "sat", value="shut"), f"hours.default.sat: {OPENING}"),
    (put("hours", "default", "monday", value="08:30-17:00"), "hours.default.monday: is not a known field"),
    (put("hours", "default", "time_zone", value="Europe/Londn"), "hours.default.time_zone: must be a time zone"),
    (put("hours", "default", "closed_dates", value=["2026-13-01"]), r"hours.default.closed_dates\[0\]: must be a date"),
    (put("hours", "riverside", "closed_dates", value=["25/12/2026"]), r"hours.riverside.closed_dates\[0\]: must be a"),
    (put("hours", "default", "closed_dates", value="2026-12-25"), "hours.default.closed_dates: must be a list"),
    (drop("hours", "default"), "hours.default: is missing"),
    (put("hours", "eastham", value={"mon": "08:30-17:00"}), r"hours.eastham: is not a council of tenants.yml \("),
    (put("hours", value=["mon"]), "hours: must be a mapping"),
    (drop("hours"), "hours: is missing"),
    (put("groups", "helpdesk", value={"name": "Help", "councils": "all"}), "groups.helpdesk: is not a resolver group"),
    (put("groups", "service-desk", "councils", value=["eastham"]), "groups.service-desk.councils: must be all, or a"),
    (put("groups", "service-desk", "councils", value=[]), "groups.service-desk.councils: must be all, or a"),
    (put("groups", "service-desk", "councils", value="everyone"), "groups.service-desk.councils: must be all, or"),
    (drop("groups", "service-desk", "councils"), "groups.service-desk.councils: is missing"),
    (drop("groups", "service-desk", "name"), "groups.service-desk.name: is missing"),
    (put("groups", "service-desk", "hours", value="all"), "groups.service-desk.hours: is not a known field"),
    (put("groups", value={}), "groups: must name at least one resolver group"),
    (put("capacity", value=0), "capacity: must be a whole number of chats, 1 or more, got 0"),
    (put("capacity", value="three"), "capacity: must be a whole number of chats"),
    (put("timeouts", "queue", value=-5), "timeouts.queue: must be a whole number of minutes, 1 or more, got -5"),
    (put("timeouts", "idle_user", value=2.5), "timeouts.idle_user: must be a whole number of minutes"),
    (put("timeouts", "queue_minutes", value=5), "timeouts.queue_minutes: is not a known field"),
    (put("teams_agents_channel", value="the agents channel"), "teams_agents_channel: must be a Teams conversation id"),
    (put("opening_hours", value={}), "opening_hours: is not a known field"),
]


@pytest.mark.parametrize(("change", "expected"), MISTAKES, ids=[m[1].split(":")[0] for m in MISTAKES])
def test_a_mistake_is_one_line_naming_the_file_and_the_field(tmp_path: Path, change: Change, expected: str) -> None:
    path = written(tmp_path, change)
    with pytest.raises(ConfigurationError, match=f"^{path}: {expected}") as error:
        HandoffSettings.load(path)
    assert "\n" not in str(error.value)


def test_a_file_that_is_not_yaml_is_named(tmp_path: Path) -> None:
    path = tmp_path / "handoff.yml"
    path.write_text("hours: [\n")
    with pytest.raises(ConfigurationError, match=f"^{path}: cannot be read: not YAML at line"):
        HandoffSettings.load(path)


def test_the_check_command_says_fine_or_the_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0 and capsys.readouterr().out.startswith("knowledge_base/handoff.yml: fine (3 groups")
    assert main([str(written(tmp_path, put("capacity", value=0)))]) == 2
    assert (
        capsys.readouterr().err
        == f"{tmp_path / 'handoff.yml'}: capacity: must be a whole number of chats, 1 or more, got 0\n"
    )


def test_the_configuration_document_names_every_field() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    section = text.split("### `knowledge_base/handoff.yml`")[1].split("\n### ")[0]
    fields = [f.key for f in (*FILE_FIELDS, *HOURS_FIELDS, *TIMEOUT_FIELDS) if f.key not in DAY_NAMES[1:-1]]
    assert [f for f in fields if f"{f}`" not in section] == []  # `capacity`, `hours.<id>.time_zone`


def test_the_week_has_seven_named_days() -> None:
    assert tuple(dt.date(2026, 9, 21 + i).strftime("%a").lower() for i in range(7)) == DAY_NAMES
