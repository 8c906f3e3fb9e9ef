"""knowledge_base/handoff.yml, declared and checked once at start-up: when each council's desk takes
live chats, which resolver groups take them, how many chats an agent holds, the timeouts and the
Teams agents' channel. Every mistake is one ConfigurationError naming the file and the field.

Both environments read this file (the broker in the Rasa server, the console in the back office),
and they have pydantic 1 and 2, so it is checked with bot/config.py's small checker, as tenants.yml is.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import (
    MAPPING,
    NAME,
    SECURE_URL,
    ConfigurationError,
    Field,
    Kind,
    count,
    kind,
    line,
    read_fields,
    read_yaml,
    shown_path,
)
from bot.handoff.hours import DAY_NAMES, Hours, Opening
from bot.handoff.models import Timeouts
from bot.identity import ALL_COUNCILS, load_tenants, serves
from bot.paths import KNOWLEDGE_BASE_DIR, TENANTS_CONFIG

HANDOFF_CONFIG = KNOWLEDGE_BASE_DIR / "handoff.yml"
ROUTING_CONFIG = KNOWLEDGE_BASE_DIR / "routing.yml"
DEFAULT = "default"  # the hours every council has unless it has its own
DEFAULT_ZONE = "Europe/London"
DEFAULT_CAPACITY = 3
# Where a bot sends to Teams when no user's message has said (Microsoft's global connector address);
# tenants in a national cloud set their own.
DEFAULT_TEAMS_SERVICE_URL = "https://smba.trafficmanager.net/teams/"
DEFAULT_TIMEOUT_MINUTES = {"queue": 10, "agent_response": 3, "idle_user": 10, "idle_agent": 15}
CLOSED = "closed"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_RANGE = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-(?:([01]\d|2[0-3]):([0-5]\d)|24:00)")
END_OF_DAY = dt.time.max  # "24:00": open until midnight (a time of day cannot be 24:00 itself)


def _openings(value: Any) -> tuple[Opening, ...]:
    """``closed``, or ``HH:MM-HH:MM`` ranges separated by commas, each after the one before; a
    range may end at 24:00 (midnight, the end of the day)."""
    if value == CLOSED:
        return ()
    if not isinstance(value, str):
        raise ValueError
    found: list[Opening] = []
    for part in value.split(","):
        match = _RANGE.fullmatch(part.strip())
        if match is None:
            raise ValueError
        start = dt.time(int(match[1]), int(match[2]))
        end = dt.time(int(match[3]), int(match[4])) if match[3] else END_OF_DAY
        if start >= end or (found and start <= found[-1].end):
            raise ValueError
        found.append(Opening(start, end))
    return tuple(found)


def _zone(value: Any) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError from None


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value  # YAML reads an unquoted 2026-12-25 as a date
    if not isinstance(value, str) or _ISO_DATE.fullmatch(value) is None:
        raise ValueError
    return dt.date.fromisoformat(value)


def _described(describe: str, convert: Any) -> Kind:
    """A kind whose ``convert`` raises ValueError (or TypeError) for a value that is not ``describe``."""

    def check(value: Any) -> Any:
        try:
            return convert(value)
        except (ValueError, TypeError):
            raise ValueError(f"must be {describe}") from None

    return Kind(describe, check)


OPENINGS = _described(
    'opening times "HH:MM-HH:MM" (24-hour clock, opening before closing, 24:00 for midnight at the end of the day;'
    " several separated by commas), or closed",
    _openings,
)
ZONE = _described('a time zone such as "Europe/London"', _zone)
DATE = _described("a date, YYYY-MM-DD", _date)
TEAMS_CONVERSATION = kind(
    "a Teams conversation id (19:...@thread.tacv2)", lambda v: isinstance(v, str) and v.isprintable() and " " not in v
)
MINUTES = count("minutes")
FILE_FIELDS = (
    Field("hours", MAPPING, "each council's opening hours: default, and councils that differ", required=True),
    Field("groups", MAPPING, "the resolver groups that take live chats", required=True),
    Field("capacity", count("chats"), "how many chats an agent holds at once"),
    Field("timeouts", MAPPING, "minutes: queue, agent_response, idle_user, idle_agent"),
    Field("teams_agents_channel", TEAMS_CONVERSATION, "the Teams channel where request cards go"),
    Field("teams_service_url", SECURE_URL, "the Bot Framework connector the agents' channel is reached through"),
)
HOURS_FIELDS = (
    Field("time_zone", ZONE, "the desk's time zone"),
    *(Field(day, OPENINGS, "the day's opening times, or closed") for day in DAY_NAMES),
    Field("closed_dates", DATE, "bank holidays and other days the desk is shut", many=True),
)
TIMEOUT_FIELDS = tuple(Field(key, MINUTES, f"minutes (default {n})") for key, n in DEFAULT_TIMEOUT_MINUTES.items())


@dataclass(frozen=True)
class Group:
    """A resolver group that takes live chats: ``councils`` are tenant ids, or ALL_COUNCILS."""

    id: str
    name: str
    councils: tuple[str, ...]

    def serves(self, tenant: str | None) -> bool:
        return serves(self.councils, tenant)


@dataclass(frozen=True)
class HandoffSettings:
    hours: Mapping[str, Hours]  # DEFAULT and the councils that have their own
    groups: Mapping[str, Group]
    capacity: int
    timeouts: Timeouts
    teams_agents_channel: str | None
    teams_service_url: str = DEFAULT_TEAMS_SERVICE_URL

    @classmethod
    def load(
        cls, path: Path = HANDOFF_CONFIG, tenants_file: Path = TENANTS_CONFIG, routing_file: Path = ROUTING_CONFIG
    ) -> HandoffSettings:
        """The settings in ``path`` (read once per path), checked against the councils of
        ``tenants_file`` and the resolver groups of ``routing_file``."""
        return _load(path, tenants_file, routing_file)

    def hours_for(self, tenant: str | None) -> Hours:
        return self.hours.get(tenant or DEFAULT, self.hours[DEFAULT])

    def groups_for(self, tenant: str | None) -> list[Group]:
        """The groups that take ``tenant``'s chats, in the file's order."""
        return [g for g in self.groups.values() if g.serves(tenant)]


@lru_cache(maxsize=4)
def _load(path: Path, tenants_file: Path, routing_file: Path) -> HandoffSettings:
    file, councils = shown_path(path), load_tenants(tenants_file).ids
    top = read_fields(read_yaml(path), FILE_FIELDS, path, "")
    unknown = sorted(str(t) for t in set(top["hours"]) - councils - {DEFAULT})
    if DEFAULT not in top["hours"]:
        raise ConfigurationError(line(f"{file}: hours.{DEFAULT}", "is missing (the hours of every council)"))
    if unknown:
        raise ConfigurationError(line(f"{file}: hours.{unknown[0]}", f"is not a council of {_known(councils)}"))
    default = _hours(top["hours"][DEFAULT], path, f"hours.{DEFAULT}", None)
    hours = {DEFAULT: default}
    hours.update({t: _hours(v, path, f"hours.{t}", default) for t, v in top["hours"].items() if t != DEFAULT})
    routed = _routing_groups(routing_file)
    groups = {g: _group(g, v, path, councils, routed) for g, v in top["groups"].items()}
    if not groups:
        raise ConfigurationError(line(f"{file}: groups", "must name at least one resolver group"))
    minutes = read_fields(top["timeouts"] or {}, TIMEOUT_FIELDS, path, "timeouts")
    timeouts = Timeouts(**{k: 60.0 * (minutes[k] or n) for k, n in DEFAULT_TIMEOUT_MINUTES.items()})
    return HandoffSettings(
        hours,
        groups,
        top["capacity"] or DEFAULT_CAPACITY,
        timeouts,
        top["teams_agents_channel"],
        top["teams_service_url"] or DEFAULT_TEAMS_SERVICE_URL,
    )


def _hours(data: Any, path: Path, at: str, default: Hours | None) -> Hours:
    """One entry of ``hours``; a council's entry takes what it does not say from ``default``, and
    its closed_dates are added to the default's."""
    fields = read_fields(data or {}, HOURS_FIELDS, path, at)
    zone = fields["time_zone"] or (default.zone if default else _zone(DEFAULT_ZONE))
    week = tuple(
        fields[day] if fields[day] is not None else (default.week[i] if default else ())
        for i, day in enumerate(DAY_NAMES)
    )
    closed = frozenset(fields["closed_dates"]) | (default.closed_dates if default else frozenset())
    return Hours(zone, week, closed)


def _group(group_id: Any, data: Any, path: Path, councils: frozenset[str], routed: set[str]) -> Group:
    at = f"groups.{group_id}"
    if group_id not in routed:
        where, shown = f"{shown_path(path)}: {at}", ", ".join(sorted(routed))
        raise ConfigurationError(line(where, f"is not a resolver group of routing.yml ({shown})"))
    fields = read_fields(data or {}, _group_fields(councils), path, at)
    return Group(group_id, fields["name"], fields["councils"])


def _group_fields(councils: frozenset[str]) -> tuple[Field, ...]:
    def served(value: Any) -> tuple[str, ...]:
        if value == ALL_COUNCILS:
            return (ALL_COUNCILS,)
        if not isinstance(value, list) or not value or any(c not in councils for c in value):
            raise ValueError
        return tuple(value)

    describe = f"{ALL_COUNCILS}, or a list of councils of {_known(councils)}"
    return (
        Field("name", NAME, "the name users and agents see", required=True),
        Field("councils", _described(describe, served), "all, or the councils whose chats it takes", required=True),
    )


def _routing_groups(path: Path) -> set[str]:
    """Every resolver group routing.yml can route to (bot/servicedesk/triage.py checks its shape)."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        return set()
    found = [data.get("default_group"), data.get("major_incident_group")]
    rules, tenants = data.get("rules"), data.get("tenants")
    found += [rule.get("group") for rule in rules if isinstance(rule, dict)] if isinstance(rules, list) else []
    for tenant in tenants.values() if isinstance(tenants, dict) else []:
        for key in ("groups", "categories"):
            named = tenant.get(key) if isinstance(tenant, dict) else None
            found += list(named.values()) if isinstance(named, dict) else []
    return {g for g in found if isinstance(g, str)}  # a malformed file is named by triage's own check


def _known(councils: frozenset[str]) -> str:
    return f"tenants.yml ({', '.join(sorted(councils))})"


def main(argv: list[str]) -> int:
    """``python -m bot.handoff.settings [file]``: check the file as the start-up does; one line either way."""
    path = Path(argv[0]) if argv else HANDOFF_CONFIG
    try:
        settings = HandoffSettings.load(path)
    except ConfigurationError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"{shown_path(path)}: fine ({len(settings.groups)} groups, {len(settings.hours) - 1} councils' own hours)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
