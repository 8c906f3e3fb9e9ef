"""Who staff can reach, and when, per partner council (``knowledge_base/contacts.yml``): the service
desk's phone line, opening hours with bank holidays, and the response time a ticket's priority
promises; and the team that handles each question the desk does not (HR, payroll, facilities ...).

Action-server code (pydantic 2). ``Contacts.load`` checks the file, ``check_entries`` that it names
only tenants and not-IT entries that exist; both raise ConfigError naming the file and the field.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from bot.config import EMAIL, NAME, TEXT, URL, check_file, shown_path
from bot.priority import PRIORITIES
from bot.replies import DeskLine, Team
from bot.servicedesk.errors import ConfigError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
HOURS = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)")
LOOK_AHEAD_DAYS = 31  # a desk closed for longer than this is "closed", with no opening time


def _hours(value: Any) -> tuple[dt.time, dt.time]:
    match = HOURS.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("must be opening hours such as 08:00-18:00")
    opens = dt.time(int(match[1]), int(match[2]))
    closes = dt.time(23, 59, 59) if match[3] == "24" else dt.time(int(match[3]), int(match[4]))
    if closes <= opens:
        raise ValueError("must close after it opens, such as 08:00-18:00")
    return opens, closes


def _zone(value: Any) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError("must be a time zone such as Europe/London") from None
    return str(value)


def _priority(value: Any) -> str:
    if value not in PRIORITIES:
        raise ValueError(f"must be one of {', '.join(PRIORITIES)}")
    return str(value)


def _phone(value: Any) -> str:
    text = str(value) if isinstance(value, int) else value
    if not (isinstance(text, str) and re.fullmatch(r"\+?[0-9][0-9 ]{4,20}[0-9]", text)):
        raise ValueError("must be a phone number such as 01632 960000")
    return text


def _weekday(value: Any) -> str:
    if value not in WEEKDAYS:
        raise ValueError(f"must be a weekday: {', '.join(WEEKDAYS)}")
    return str(value)


Text = Annotated[str, BeforeValidator(TEXT.check)]
Name = Annotated[str, BeforeValidator(NAME.check)]
Phone = Annotated[str, BeforeValidator(_phone)]
Url = Annotated[str, BeforeValidator(URL.check)]
Email = Annotated[str, BeforeValidator(EMAIL.check)]
Span = Annotated[tuple[dt.time, dt.time], BeforeValidator(_hours)]
Zone = Annotated[str, BeforeValidator(_zone)]
Priority = Annotated[str, BeforeValidator(_priority)]
Weekday = Annotated[str, BeforeValidator(_weekday)]


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TeamEntry(_Schema):
    name: Text = Field(description="who staff are sent to, as the bot names them")
    phone: Phone | None = None
    email: Email | None = None
    url: Url | None = None


class DeskEntry(_Schema):
    name: Text = "ICT Service Desk"
    phone: Phone = Field(description="the service desk's phone number")
    urgent_phone: Phone | None = None
    portal: Url | None = None
    timezone: Zone = "Europe/London"
    hours: dict[Weekday, Span] = Field(description="opening hours by weekday, such as monday: 08:00-18:00")
    bank_holidays: list[dt.date] = []
    response_times: dict[Priority, Text] = {}


class TenantDeskEntry(_Schema):
    """A council's own values: each one given replaces the shared one; response times one by one."""

    phone: Phone | None = None
    urgent_phone: Phone | None = None
    hours: dict[Weekday, Span] | None = None
    bank_holidays: list[dt.date] | None = None
    response_times: dict[Priority, Text] = {}


class TenantEntry(_Schema):
    service_desk: TenantDeskEntry = TenantDeskEntry()
    teams: dict[Name, TeamEntry] = {}


class ContactsFile(_Schema):
    """knowledge_base/contacts.yml (``ASKIT_CONTACTS_FILE``)."""

    service_desk: DeskEntry = Field(description="the service desk's phone line and opening hours")
    teams: dict[Name, TeamEntry] = {}
    elsewhere: dict[Name, Name] = {}  # not-IT entry id -> team
    tenants: dict[Name, TenantEntry] = {}


@dataclass(frozen=True)
class Opening:
    """Whether the desk is open at a moment, and the next time that changes."""

    open: bool
    until: dt.datetime | None = None  # open: when it closes
    opens: dt.datetime | None = None  # closed: when it next opens (None: not within a month)


@dataclass(frozen=True)
class Desk:
    name: str
    phone: str
    zone: zoneinfo.ZoneInfo
    hours: Mapping[int, tuple[dt.time, dt.time]]  # weekday (Monday 0) -> opens, closes
    closed: frozenset[dt.date] = frozenset()
    urgent_phone: str | None = None
    portal: str | None = None
    response_times: Mapping[str, str] = field(default_factory=dict)

    def at(self, now: dt.datetime) -> Opening:
        """Open or closed at ``now`` (an aware time), and until when."""
        local = now.astimezone(self.zone)
        for days in range(LOOK_AHEAD_DAYS + 1):
            day = local.date() + dt.timedelta(days=days)
            if day in self.closed or day.weekday() not in self.hours:
                continue
            opens, closes = (dt.datetime.combine(day, t, self.zone) for t in self.hours[day.weekday()])
            if opens <= local < closes:
                return Opening(True, until=closes)
            if local < opens:
                return Opening(False, opens=opens)
        return Opening(False)

    def line(self, now: dt.datetime) -> DeskLine:
        """The phone line as the chat tells it at ``now``."""
        return DeskLine(self.phone, self.at(now).open, self.when(now), self.urgent_phone)

    def when(self, now: dt.datetime) -> str:
        """ "open now, until 18:00", "closed now; it opens at 08:00 tomorrow" (words for the chat)."""
        hours = self.at(now)
        if hours.open and hours.until is not None:
            return f"open now, until {_clock(hours.until)}"
        if hours.opens is None:
            return "closed just now"
        local = now.astimezone(self.zone).date()
        gap, opens = (hours.opens.date() - local).days, hours.opens
        day = "today" if gap == 0 else "tomorrow" if gap == 1 else f"on {opens:%A} {opens.day} {opens:%B}"
        return f"closed now; it opens at {_clock(hours.opens)} {day}"


def _clock(moment: dt.datetime) -> str:
    return "midnight" if moment.time() >= dt.time(23, 59) else f"{moment:%H:%M}"


def _team(entry: TeamEntry) -> Team:
    return Team(entry.name, tuple(way for way in (entry.phone, entry.email, entry.url) if way))


def _desk(shared: DeskEntry, own: TenantDeskEntry) -> Desk:
    hours = own.hours if own.hours is not None else shared.hours
    closed = own.bank_holidays if own.bank_holidays is not None else shared.bank_holidays
    return Desk(
        name=shared.name,
        phone=own.phone or shared.phone,
        zone=zoneinfo.ZoneInfo(shared.timezone),
        hours={WEEKDAYS.index(day): span for day, span in hours.items()},
        closed=frozenset(closed),
        urgent_phone=own.urgent_phone or shared.urgent_phone,
        portal=shared.portal,
        response_times={**shared.response_times, **own.response_times},
    )


@dataclass(frozen=True)
class Contacts:
    shared: Desk
    desks: Mapping[str, Desk]  # tenant -> its desk, where it sets anything of its own
    teams: Mapping[str | None, Mapping[str, Team]]  # tenant (None: shared) -> team -> contact
    elsewhere: Mapping[str, str]  # not-IT entry id -> team
    path: Path

    @classmethod
    def load(cls, path: Path) -> Contacts:
        """The contacts file, checked: ConfigError names the file and the field."""
        data = check_file(path, ContactsFile, ConfigError)
        file = shown_path(path)
        for entry, team in data.elsewhere.items():
            if team not in data.teams:
                raise ConfigError(f"{file}: elsewhere.{entry}: {team!r} is not one of the teams listed under teams")
        teams: dict[str | None, Mapping[str, Team]] = {None: {k: _team(v) for k, v in data.teams.items()}}
        for tenant, own in data.tenants.items():
            for key in own.teams:
                if key not in data.teams:
                    where = f"{file}: tenants.{tenant}.teams.{key}"
                    raise ConfigError(f"{where}: is not one of the teams listed under teams")
            teams[tenant] = {**teams[None], **{k: _team(v) for k, v in own.teams.items()}}
        desks = {tenant: _desk(data.service_desk, own.service_desk) for tenant, own in data.tenants.items()}
        return cls(_desk(data.service_desk, TenantDeskEntry()), desks, teams, dict(data.elsewhere), path)

    def check_entries(self, tenants: Collection[str] | None, elsewhere_ids: Collection[str] | None) -> None:
        """Raise ConfigError if the file names a council that tenants.yml does not, or a not-IT
        entry that the knowledge base does not have (None: that part is not checked now)."""
        file = shown_path(self.path)
        unknown = [t for t in self.desks if t not in tenants] if tenants is not None else []
        if unknown:
            raise ConfigError(f"{file}: tenants.{unknown[0]}: is not a tenant of tenants.yml")
        missing = [e for e in self.elsewhere if e not in elsewhere_ids] if elsewhere_ids is not None else []
        if missing:
            raise ConfigError(f"{file}: elsewhere.{missing[0]}: is not an article of kind: elsewhere")

    def desk(self, tenant: str | None) -> Desk:
        return self.desks.get(tenant or "", self.shared)

    def team_for(self, entry_id: str, tenant: str | None) -> Team | None:
        """Who handles what the not-IT entry ``entry_id`` is about, for this council's staff."""
        key = self.elsewhere.get(entry_id)
        if key is None:
            return None
        return self.teams.get(tenant, self.teams[None]).get(key)
