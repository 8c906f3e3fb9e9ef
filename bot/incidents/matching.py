"""Match a message against the active incidents of the sender's council, with the knowledge base's embeddings.

An incident's score is the best cosine between the message and any of its texts (its title and the
questions its agent wrote), raised when the message also sounds like an outage (its best cosine with
``OUTAGE_CUES``, which name no service). The rule, its weight and the threshold were chosen on the
outage drill's dev split by benchmarks/incident_matching.py, which writes them into
knowledge_base/incidents.yml (``--thresholds-out``).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from bot.config import MAPPING, Field, read_fields, read_yaml
from bot.identity import ALL_COUNCILS, serves
from bot.knowledge.config import FRACTION
from bot.knowledge.embedding import Embedder
from bot.knowledge.search import WORD, normalise_query
from bot.paths import KNOWLEDGE_BASE_DIR

MATCHING_CONFIG = KNOWLEDGE_BASE_DIR / "incidents.yml"
# Generic ways of saying a system is broken: with them, "crm keeps spinning" needs less likeness to
# the CRM incident than "how do I add a case note in the CRM" (docs/benchmarks.md).
OUTAGE_CUES = (
    "it is down",
    "it is not working for anyone",
    "the system is unavailable",
    "it will not load",
    "it keeps timing out",
    "it is really slow today",
    "nothing is coming through",
    "is there an outage",
    "when will it be back up",
    "cannot connect to the server",
)


@dataclass(frozen=True)
class IncidentTexts:
    """What the matcher needs of an incident: its id, the texts to match (title and questions) and
    the councils it affects (tenants.yml ids, or ALL_COUNCILS), as the incident record has them."""

    incident_id: str
    texts: tuple[str, ...]
    councils: tuple[str, ...] = (ALL_COUNCILS,)

    def __post_init__(self) -> None:
        if not any(WORD.search(text) for text in self.texts):
            raise ValueError(f"incident {self.incident_id!r} has no text to match")

    def concerns(self, council: str | None) -> bool:
        return serves(self.councils, council)


@dataclass(frozen=True)
class Match:
    incident_id: str
    score: float  # (best cosine with the incident's texts + cue_weight x outage cue) / (1 + cue_weight)


@dataclass(frozen=True)
class MatchingSettings:
    """knowledge_base/incidents.yml: a card from ``threshold``; ``outage_cue_weight``: 0 for none."""

    threshold: float
    outage_cue_weight: float = 0.0


@dataclass(frozen=True)
class _Embedded:
    incident: IncidentTexts
    vectors: np.ndarray = field(repr=False)  # one unit row per text


class IncidentMatcher:
    """The active incidents' vectors, kept up to date one incident at a time: ``put`` embeds an
    incident only when its texts changed, and ``replace`` re-embeds only the new and changed ones."""

    def __init__(self, embedder: Embedder, threshold: float, cue_weight: float = 0.0) -> None:
        if not 0.0 <= threshold <= 1.0 or cue_weight < 0:
            raise ValueError(f"threshold must be from 0 to 1 and cue_weight 0 or more, got {threshold}, {cue_weight}")
        self.embedder, self.threshold, self.cue_weight = embedder, threshold, cue_weight
        self._active: dict[str, _Embedded] = {}
        self._cues: np.ndarray | None = None  # embedded on first use: building a matcher loads no model
        self._lock = threading.Lock()  # the action server matches while an agent declares

    def put(self, incident: IncidentTexts) -> None:
        """Add or update one incident; its vectors are made again only if its texts changed."""
        known = self._active.get(incident.incident_id)
        if known is not None and known.incident.texts == incident.texts:
            vectors = known.vectors
        else:
            vectors = self.embedder.encode([normalise_query(text) for text in incident.texts if WORD.search(text)])
        with self._lock:
            self._active = {**self._active, incident.incident_id: _Embedded(incident, vectors)}

    def remove(self, incident_id: str) -> None:
        """Forget a resolved incident (no error if it was not active)."""
        with self._lock:
            self._active = {i: e for i, e in self._active.items() if i != incident_id}

    def replace(self, incidents: Iterable[IncidentTexts]) -> None:
        """Make ``incidents`` the active set (as a poll of the store returns them)."""
        wanted = list(incidents)
        for incident in wanted:
            self.put(incident)
        keep = {incident.incident_id for incident in wanted}
        with self._lock:
            self._active = {i: e for i, e in self._active.items() if i in keep}

    @classmethod
    def from_settings(cls, embedder: Embedder, settings: MatchingSettings) -> IncidentMatcher:
        return cls(embedder, settings.threshold, settings.outage_cue_weight)

    @property
    def active(self) -> tuple[str, ...]:
        return tuple(self._active)

    def outage_cue(self, vector: np.ndarray) -> float:
        """How much a message sounds like an outage: its best cosine with ``OUTAGE_CUES``."""
        if self._cues is None:
            self._cues = self.embedder.encode(list(OUTAGE_CUES))
        return float(np.max(self._cues @ vector))

    def scores(self, vector: np.ndarray, council: str | None) -> list[Match]:
        """Every active incident of ``council`` scored against a message's vector, best first."""
        active = self._active  # replaced whole on a change, so read once without the lock
        likeness = [(i, float(np.max(e.vectors @ vector))) for i, e in active.items() if e.incident.concerns(council)]
        cue = self.cue_weight * self.outage_cue(vector) if self.cue_weight and likeness else 0.0
        scored = [Match(i, (score + cue) / (1 + self.cue_weight)) for i, score in likeness]
        return sorted(scored, key=lambda m: -m.score)

    def match_vector(self, vector: np.ndarray, council: str | None) -> Match | None:
        """The best incident for a message already embedded (the knowledge base's search embeds it
        too: ``SearchResult.vector``), or None below the threshold."""
        ranked = self.scores(vector, council)
        return ranked[0] if ranked and ranked[0].score >= self.threshold else None

    def match(self, text: str, council: str | None) -> Match | None:
        """The best incident for ``text`` from a member of ``council``'s staff, or None."""
        query = normalise_query(text)
        if not self._active or not WORD.search(query):
            return None
        return self.match_vector(self.embedder.encode([query])[0], council)


FILE_FIELDS = (Field("matching", MAPPING, "threshold, outage_cue_weight", required=True),)
MATCHING_FIELDS = (
    Field("threshold", FRACTION, "the score from which a message is shown an incident's card", required=True),
    Field("outage_cue_weight", FRACTION, "the outage cue's weight in the score, 0 for none", required=True),
)


def load_matching(path: Path = MATCHING_CONFIG) -> MatchingSettings:
    """The ``matching`` block of the incidents file; a bad file is one line naming it and the field."""
    top = read_fields(read_yaml(path), FILE_FIELDS, path, "")
    return MatchingSettings(**read_fields(top["matching"], MATCHING_FIELDS, path, "matching"))


def write_matching(path: Path, settings: MatchingSettings, how: Sequence[str]) -> None:
    """Write the incidents file: ``how`` (comment lines: the command, the set, the targets) and the settings."""
    heading = "Written by benchmarks/incident_matching.py; re-run it, do not tune by hand:"
    comments = [f"# {text}" for text in (heading, *how, f"on {dt.date.today().isoformat()}")]
    values = {"threshold": round(settings.threshold, 2), "outage_cue_weight": settings.outage_cue_weight}
    path.write_text("\n".join(comments) + "\n" + yaml.safe_dump({"matching": values}, sort_keys=False))
