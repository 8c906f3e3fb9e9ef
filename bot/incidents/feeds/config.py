"""knowledge_base/incident_feeds.yml (``ASKIT_INCIDENT_FEEDS_FILE``), declared and checked at
start-up: which feeds are polled and how often, and which councils and staff questions their
incidents get, since a feed says neither. An error names the file and the field.

    feeds:
      - name: suppliers                  # lower case, digits, dashes: the incidents' source ids start with it
        kind: statuspage                 # or servicenow (its major incidents; ASKIT_SERVICENOW_* settings)
        url: https://status.example.com  # statuspage only: the page's address
        poll_seconds: 60                 # default 60, at least 10
        default: {councils: [all]}       # an incident none of whose services is listed below
        services:                        # by the feed's component or service name, any case
          VPN: {councils: [riverside, northbrook], questions: ["vpn not connecting"]}
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from bot.config import FILE, NAME, SECURE_URL, ConfigurationError, Setting, check_file, line, shown_path
from bot.identity import ALL_COUNCILS
from bot.incidents.errors import InvalidIncident
from bot.incidents.feeds.base import FeedIncident
from bot.incidents.models import IncidentFields
from bot.incidents.validation import checked
from bot.paths import KNOWLEDGE_BASE_DIR

FEEDS_SETTING = "ASKIT_INCIDENT_FEEDS_FILE"
FEEDS_CONFIG = KNOWLEDGE_BASE_DIR / "incident_feeds.yml"
DEFAULT_POLL = 60.0
MIN_POLL = 10.0  # a status page is someone else's service: not more often than this
Kind = Literal["statuspage", "servicenow"]
SETTINGS = (Setting(FEEDS_SETTING, FILE, "the incident feeds the action server polls", default=FEEDS_CONFIG),)


@dataclass(frozen=True)
class Scope:
    """Who an incident concerns (tenants.yml ids, or ALL_COUNCILS) and how staff would describe it."""

    councils: tuple[str, ...]
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedSettings:
    """One feed as configured. ``services``: by the service's name in lower case."""

    name: str
    kind: Kind
    url: str | None = None
    poll_seconds: float = DEFAULT_POLL
    default: Scope = Scope((ALL_COUNCILS,))
    services: Mapping[str, Scope] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        """What the ids of this feed's incidents start with in the store: two feeds of one kind
        (two suppliers' pages) never take each other's incidents for their own."""
        return f"{self.name}/"

    def fields(self, incident: FeedIncident) -> IncidentFields:
        """What the store is told of ``incident``: the councils of each of its services (the
        default's for a service not listed, or no service), the questions of those listed (else
        the default's, else its title: staff describe it as the feed names it)."""
        listed = [self.services.get(s.casefold()) for s in incident.services]
        scopes = [s for s in listed if s is not None]
        if None in listed or not scopes:
            scopes.append(self.default)
        councils = tuple(dict.fromkeys(c for s in scopes for c in s.councils))
        named = [q for s in listed if s is not None for q in s.questions]
        questions = tuple(dict.fromkeys(named or self.default.questions or (incident.title,)))
        return IncidentFields(
            title=incident.title,
            summary=incident.summary,
            questions=questions,
            councils=(ALL_COUNCILS,) if ALL_COUNCILS in councils else councils,
            services=incident.services,
            status=incident.status,
            desk_ref=incident.desk_ref,
            started_at=incident.started_at,
        )


def _null_is_empty(value: object) -> object:
    return {} if value is None else value


Name = Annotated[str, BeforeValidator(NAME.check)]


def _without_credentials(value: object) -> str:
    url = SECURE_URL.check(value)
    if "@" in urlsplit(url).netloc:
        raise ValueError("must not hold a user or password: the file holds no secrets")
    return str(url)


Url = Annotated[str, BeforeValidator(_without_credentials)]


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScopeEntry(_Schema):
    councils: Annotated[list[Name], Field(min_length=1, description="tenants.yml ids, or [all]")]
    questions: list[str] = Field([], description="how staff would describe it, 3 to 300 characters each")


class FeedEntry(_Schema):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="lower case letters, digits and dashes")
    kind: Kind = Field(description="statuspage or servicenow")
    url: Url | None = Field(None, description="a statuspage feed's page, e.g. https://status.example.com")
    poll_seconds: float = Field(DEFAULT_POLL, ge=MIN_POLL, description="seconds between polls")
    default: ScopeEntry = ScopeEntry(councils=[ALL_COUNCILS], questions=[])
    services: Annotated[dict[Name, ScopeEntry], BeforeValidator(_null_is_empty)] = {}

    @model_validator(mode="after")
    def url_for_its_kind(self) -> FeedEntry:
        if self.kind == "statuspage" and self.url is None:
            raise ValueError("url: is missing (a statuspage feed's page, e.g. https://status.example.com)")
        if self.kind == "servicenow" and self.url is not None:
            raise ValueError("url: a servicenow feed has none: it reads the desk's ASKIT_SERVICENOW_URL")
        return self


class FeedsFile(_Schema):
    feeds: Annotated[list[FeedEntry], BeforeValidator(lambda v: [] if v is None else v)] = []


def load_feeds(path: Path, councils: Collection[str]) -> list[FeedSettings]:
    """The feeds ``path`` declares; ConfigurationError names the file and the field. ``councils``:
    the tenant ids of tenants.yml, which the scopes' councils must be."""
    feeds = check_file(path, FeedsFile).feeds
    names = [f.name for f in feeds]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ConfigurationError(line(f"{shown_path(path)}: feeds[{i}].name", "is the name of another feed", name))
    return [_settings(f, f"{shown_path(path)}: feeds[{i}]", councils) for i, f in enumerate(feeds)]


def _settings(entry: FeedEntry, where: str, councils: Collection[str]) -> FeedSettings:
    services: dict[str, Scope] = {}
    for name, scope in entry.services.items():
        if name.casefold() in services:
            raise ConfigurationError(line(f"{where}.services.{name}", "is listed twice (in any case)"))
        services[name.casefold()] = _scope(scope, f"{where}.services.{name}", councils)
    return FeedSettings(
        name=entry.name,
        kind=entry.kind,
        url=entry.url,
        poll_seconds=entry.poll_seconds,
        default=_scope(entry.default, f"{where}.default", councils),
        services=services,
    )


def _scope(entry: ScopeEntry, where: str, councils: Collection[str]) -> Scope:
    """The scope, checked by the rules every incident's councils and questions are checked by."""
    scope = Scope(tuple(entry.councils), tuple(entry.questions))
    questions = scope.questions or ("probe",)  # none: the default's or the title, checked with the incident
    probe = IncidentFields(title="probe", summary="probe", questions=questions, councils=scope.councils)
    try:
        found = checked(probe, councils)
    except InvalidIncident as exc:
        raise ConfigurationError(f"{where}.{exc}") from None
    return Scope(found.councils, found.questions if scope.questions else ())
