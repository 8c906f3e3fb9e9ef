"""knowledge_base/incident_feeds.yml (bot/incidents/feeds/config.py): the shipped file, what a
feed's incident is given from it (councils, questions), and mistakes named by file and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import ConfigurationError
from bot.identity import ALL_COUNCILS
from bot.incidents.feeds.base import FeedIncident
from bot.incidents.feeds.config import FEEDS_CONFIG, FeedSettings, Scope, load_feeds
from bot.incidents.feeds.poller import IncidentFeeds
from bot.servicedesk.errors import ConfigError

COUNCILS = ("northbrook", "riverside", "southmere")
VPN_QUESTIONS = ["vpn not connecting", "I can't get on the VPN from home"]


def statuspage(**changes: Any) -> dict[str, Any]:
    feed: dict[str, Any] = {
        "name": "suppliers",
        "kind": "statuspage",
        "url": "https://status.example.com/",
        "services": {"VPN": {"councils": ["riverside", "northbrook"], "questions": VPN_QUESTIONS}},
    }
    feed.update(changes)
    return {k: v for k, v in feed.items() if v is not ...}


def written(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "incident_feeds.yml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def test_the_shipped_file_declares_no_feed_and_the_server_starts_with_none() -> None:
    assert load_feeds(FEEDS_CONFIG, COUNCILS) == []
    assert IncidentFeeds.from_env({}).feeds == []


def test_a_feed_is_read_with_its_defaults(tmp_path: Path) -> None:
    [feed] = load_feeds(written(tmp_path, {"feeds": [statuspage()]}), COUNCILS)
    assert (feed.name, feed.kind, feed.url, feed.poll_seconds) == (
        "suppliers",
        "statuspage",
        "https://status.example.com",
        60,
    )
    assert feed.default == Scope((ALL_COUNCILS,)) and feed.prefix == "suppliers/"
    assert feed.services == {"vpn": Scope(("riverside", "northbrook"), tuple(VPN_QUESTIONS))}


FEED = FeedSettings(
    "suppliers",
    "statuspage",
    "https://status.example.com",
    default=Scope(("southmere",)),
    services={
        "vpn": Scope(("riverside", "northbrook"), ("vpn not connecting",)),
        "email": Scope((ALL_COUNCILS,), ("my email is slow",)),
        "crm": Scope(("riverside",)),
    },
)


@pytest.mark.parametrize(
    "services,councils,questions",
    [
        (("VPN",), ("riverside", "northbrook"), ("vpn not connecting",)),
        (
            ("vpn", "CRM"),
            ("riverside", "northbrook"),
            ("vpn not connecting",),
        ),  # any case; questions of those with some
        (("CRM",), ("riverside",), ("Email delays",)),  # no questions given: the title
        (("VPN", "Website"), ("riverside", "northbrook", "southmere"), ("vpn not connecting",)),  # + the default's
        (("VPN", "Email"), (ALL_COUNCILS,), ("vpn not connecting", "my email is slow")),  # all is all
        ((), ("southmere",), ("Email delays",)),
    ],
)
def test_an_incident_gets_the_councils_and_questions_of_its_services(
    services: tuple[str, ...], councils: tuple[str, ...], questions: tuple[str, ...]
) -> None:
    incident = FeedIncident("p1", "Email delays", "Late.", "identified", 1.0, services=services, desk_ref="MI-1")
    fields = FEED.fields(incident)
    assert (fields.councils, fields.questions) == (councils, questions)
    assert (fields.title, fields.summary, fields.status, fields.services) == (
        "Email delays",
        "Late.",
        "identified",
        services,
    )
    assert (fields.started_at, fields.desk_ref, fields.workaround) == (1.0, "MI-1", None)


def test_the_default_s_questions_come_before_the_title() -> None:
    feed = FeedSettings("s", "statuspage", default=Scope((ALL_COUNCILS,), ("is there an outage",)))
    incident = FeedIncident("p1", "Email delays", "Late.", "identified", 1.0)
    assert feed.fields(incident).questions == ("is there an outage",)


F = "incident_feeds.yml: feeds[0]"


@pytest.mark.parametrize(
    "data,message",
    [
        ("feeds: [", "incident_feeds.yml: cannot be read: not YAML at line 1"),
        ({"feed": []}, "incident_feeds.yml: feed: is not a known field"),
        ({"feeds": [statuspage(colour="red")]}, f"{F}.colour: is not a known field"),
        ({"feeds": [statuspage(url=...)]}, f"{F}: url: is missing (a statuspage feed's page"),
        ({"feeds": [statuspage(url="http://status.example.com")]}, f"{F}.url: must be an https URL"),
        ({"feeds": [statuspage(url="https://me:pw@status.example.com")]}, f"{F}.url: must not hold a user or password"),
        ({"feeds": [statuspage(kind="servicenow")]}, f"{F}: url: a servicenow feed has none"),
        ({"feeds": [statuspage(kind="jira")]}, f"{F}.kind: Input should be 'statuspage' or 'servicenow'"),
        ({"feeds": [statuspage(name="Our Suppliers")]}, f"{F}.name: String should match pattern"),
        ({"feeds": [statuspage(poll_seconds=5)]}, f"{F}.poll_seconds: Input should be greater than or equal to 10"),
        ({"feeds": [statuspage(), statuspage()]}, "incident_feeds.yml: feeds[1].name: is the name of another feed"),
        (
            {"feeds": [statuspage(services={"VPN": {"councils": ["riverside", "westfield"]}})]},
            f"{F}.services.VPN.councils[1]: is not a council of tenants.yml (northbrook, riverside, southmere)",
        ),
        (
            {"feeds": [statuspage(services={"VPN": {"councils": ["all", "riverside"]}})]},
            f"{F}.services.VPN.councils: is either all or a list of councils, not both",
        ),
        ({"feeds": [statuspage(services={"VPN": {"councils": []}})]}, f"{F}.services.VPN.councils: must not be empty"),
        ({"feeds": [statuspage(services={"VPN": {"questions": ["vpn"]}})]}, f"{F}.services.VPN.councils: is missing"),
        (
            {"feeds": [statuspage(default={"councils": ["all"], "questions": ["vpn", "ok"]})]},
            f"{F}.default.questions[1]: must be at least 3 characters",
        ),
        (
            {"feeds": [statuspage(services={"VPN": {"councils": ["all"]}, "vpn": {"councils": ["all"]}})]},
            f"{F}.services.vpn: is listed twice",
        ),
    ],
)
def test_a_mistake_names_the_file_and_the_field(tmp_path: Path, data: Any, message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_feeds(written(tmp_path, data), COUNCILS)
    shown = str(caught.value).replace(f"{tmp_path}/", "")  # the project's files are shown from its folder
    assert shown.startswith(message), shown


def test_a_servicenow_feed_needs_the_desk_s_settings_and_says_which(tmp_path: Path) -> None:
    path = written(tmp_path, {"feeds": [{"name": "major", "kind": "servicenow"}]})
    with pytest.raises(
        ConfigError,
        match=r"incident_feeds.yml: feeds\[0\]: a servicenow feed reads the desk's "
        r"settings: ASKIT_SERVICENOW_URL: is not set",
    ):
        IncidentFeeds.from_env({"ASKIT_INCIDENT_FEEDS_FILE": str(path)})
    env = {"ASKIT_INCIDENT_FEEDS_FILE": str(path), "ASKIT_SERVICENOW_URL": "https://council.service-now.com"}
    with pytest.raises(ConfigError, match=r"ASKIT_SERVICENOW_TOKEN \(or ASKIT_SERVICENOW_USER and .*\) is not set"):
        IncidentFeeds.from_env(env)
    [(settings, feed)] = IncidentFeeds.from_env({**env, "ASKIT_SERVICENOW_TOKEN": "t0ken-for-feeds"}).feeds
    assert (settings.name, feed.source, "t0ken-for-feeds" in repr(feed)) == ("major", "desk", False)


def test_a_feeds_file_that_is_not_there_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="ASKIT_INCIDENT_FEEDS_FILE: must be an existing file"):
        IncidentFeeds.from_env({"ASKIT_INCIDENT_FEEDS_FILE": str(tmp_path / "nowhere.yml")})


def test_a_bad_feeds_file_stops_the_action_server_before_the_index_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.action_server import _start_services

    path = written(tmp_path, {"feeds": [statuspage(poll_seconds=1)]})
    assert _start_services({"ASKIT_INCIDENT_FEEDS_FILE": str(path)}) is None
    assert capsys.readouterr().err == (
        f"action server cannot start: {path}: feeds[0].poll_seconds: Input should be greater than or equal to 10,"
        " got 1\n"
    )
