"""What every feed gives the poller: the incidents it lists, read into one plain shape, and the
entries it could not read. A feed's answer that is not its format at all raises the service desks'
``BadResponse``, so the poller handles a feed as it handles a desk: ``ServiceDeskError`` means
"nothing learnt this time"."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.incidents.models import Source, Status
from bot.incidents.validation import MAX_SUMMARY, MAX_TITLE
from bot.servicedesk.errors import BadResponse
from bot.servicedesk.http import HttpClient

ELLIPSIS = "…"


@dataclass(frozen=True)
class FeedIncident:
    """One incident as a feed says it, before the configuration gives it councils and questions.
    ``id`` is the feed's own; ``started_at`` seconds since the epoch."""

    id: str
    title: str
    summary: str
    status: Status
    started_at: float
    services: tuple[str, ...] = ()
    desk_ref: str | None = None


@dataclass(frozen=True)
class Unreadable:
    """An entry of a feed that is not an incident in its format: skipped, the others kept."""

    id: str | None  # None: not even its id could be read
    problem: str


@dataclass(frozen=True)
class Listing:
    """What one poll of a feed said. ``complete``: the feed listed everything it has, so an incident
    it no longer lists is over; False when it may have held some back (a page limit)."""

    incidents: tuple[FeedIncident, ...]
    unreadable: tuple[Unreadable, ...] = ()
    complete: bool = True

    def listed_ids(self) -> frozenset[str] | None:
        """The ids the feed still lists, read or not; None when absence proves nothing (an entry
        without a readable id might be any of ours, or the listing is not complete)."""
        if not self.complete or any(entry.id is None for entry in self.unreadable):
            return None
        return frozenset([i.id for i in self.incidents] + [e.id for e in self.unreadable if e.id is not None])


class EntryError(ValueError):
    """One entry of a feed cannot be read: the message names its field."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")


class Feed(ABC):
    """One feed's endpoint and format. ``fetch`` asks it once: the listing, or a ServiceDeskError
    (unreachable, refused, or an answer that is not the feed's format)."""

    source: Source  # what the store calls incidents from feeds of this kind

    def __init__(self, name: str, client: HttpClient) -> None:
        self.name, self.client = name, client

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.client!r})"

    @abstractmethod
    def fetch(self) -> Listing:
        raise NotImplementedError(f"{type(self).__name__} must say how it is fetched")


def read_entries(entries: Any, what: str, read: Callable[[Any], FeedIncident], id_key: str) -> Listing:
    """Each entry of the list ``entries`` read with ``read``; one that cannot be read is kept aside
    with its id (``id_key``) when it has one. Not a list: BadResponse naming ``what``."""
    if not isinstance(entries, list):
        raise BadResponse(f"{what} is not a list")
    incidents: list[FeedIncident] = []
    unreadable: list[Unreadable] = []
    for entry in entries:
        try:
            incidents.append(read(entry))
        except EntryError as exc:
            try:
                known: str | None = identifier(entry, id_key)
            except EntryError:
                known = None
            unreadable.append(Unreadable(known, str(exc)))
    return Listing(tuple(incidents), tuple(unreadable))


def required_text(entry: Any, key: str) -> str:
    """The text at ``key`` of the entry, not empty; else EntryError."""
    if not isinstance(entry, dict):
        raise EntryError("(the entry)", "is not an object")
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise EntryError(key, "is missing" if value is None else "must be text that is not empty")
    return value.strip()


def identifier(entry: Any, key: str) -> str:
    """The entry's id at ``key``: one line of text, or a whole number (a copy of an API may count)."""
    if isinstance(entry, dict) and isinstance(entry.get(key), int) and not isinstance(entry.get(key), bool):
        return str(entry[key])
    found = required_text(entry, key)
    if not found.isprintable():
        raise EntryError(key, "must be one line of text")
    return found


def optional_text(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    return value.strip() if isinstance(value, str) else ""


def moment(value: str, key: str) -> float:
    """An ISO 8601 time (a trailing Z, or none: UTC) as seconds since the epoch; else EntryError."""
    try:
        when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise EntryError(key, f"is not a time: {value[:40]!r}") from None
    return (when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)).timestamp()


def shortened(text: str, most: int) -> str:
    """``text`` cut at a word before ``most`` characters, with an ellipsis, when it is longer."""
    if len(text) <= most:
        return text
    cut = text[: most - len(ELLIPSIS)]
    words = cut.rsplit(None, 1)[0]
    return (words if len(words) >= most // 2 else cut).rstrip(" ,;:.") + ELLIPSIS  # one long word: cut inside it


def title_of(text: str) -> str:
    """A feed's heading as one line the card can show."""
    return shortened(" ".join(text.split()), MAX_TITLE)


def summary_of(text: str) -> str:
    return shortened(text.strip(), MAX_SUMMARY)


def service_names(names: Sequence[str]) -> tuple[str, ...]:
    """Names of services, one line each, without blanks or repeats."""
    return tuple(dict.fromkeys(title_of(n) for n in names if n.strip()))
