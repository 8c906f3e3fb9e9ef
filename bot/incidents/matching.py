"""Match a message against the active incidents of the sender's council, with the knowledge base's embeddings.

An incident's likeness to a message is the mean, over its texts (its title and the questions its
agent wrote), of the message's cosine with each text told in standard deviations above that text's
cosines with the knowledge base's own vectors (the ``background``: what staff ask when nothing is
broken), so that a text which sits close to everything ("CRM is down" is near every CRM how-to)
counts for less than one that sits apart. Two generic cues, which name no service, move the
score: up when the message sounds like an outage (``OUTAGE_CUES``), down when it asks how to do or get
something (``REQUEST_CUES``); each is standardised on the background too. The rule, its weights and the
threshold were chosen on the outage drill's dev split by benchmarks/incident_matching.py, which writes
them into knowledge_base/incidents.yml (``--thresholds-out``).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from bot.config import MAPPING, Field, Kind, number, read_fields, read_yaml
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
# Generic ways of asking for something rather than reporting a fault: "can I get access to the CRM"
# names the CRM as often as "the CRM is down" does (docs/benchmarks.md).
REQUEST_CUES = (
    "how do I do this",
    "how do I set it up",
    "can I get access to it",
    "I forgot my password",
    "how do I change this setting",
    "where can I find it",
    "can it do this",
    "is there a training course",
    "I need something new set up",
)
MIN_SPREAD = 1e-6  # a background whose likenesses are all equal tells nothing: no division by zero
Background = Callable[[], np.ndarray]  # the knowledge base's current vectors, one unit row each


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
    # its texts' standard deviations above their likeness to the background, averaged, + outage cue
    # weight x the cue's own, - request cue weight x its own (mean cosine when there is no background)
    score: float


@dataclass(frozen=True)
class MatchingSettings:
    """knowledge_base/incidents.yml: a card from ``threshold``; a cue's weight 0: that cue is not used."""

    threshold: float
    outage_cue_weight: float = 0.0
    request_cue_weight: float = 0.0


@dataclass(frozen=True)
class Baseline:
    """Where a likeness usually sits: its mean and spread over the background (0 and 1: none)."""

    mean: float = 0.0
    spread: float = 1.0

    @classmethod
    def over(cls, likeness: np.ndarray | None) -> Baseline:
        if likeness is None or len(likeness) == 0:
            return cls()
        return cls(float(likeness.mean()), max(float(likeness.std()), MIN_SPREAD))

    def standardise(self, likeness: float) -> float:
        return (likeness - self.mean) / self.spread


@dataclass(frozen=True)
class _Embedded:
    """An incident's texts' unit vectors (one row each) and its score as one dot product: ``weights @ v
    - offset`` is the mean of each text's standardised cosine with ``v`` (the mean cosine: no background)."""

    incident: IncidentTexts
    vectors: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    offset: float = 0.0

    @classmethod
    def measured(cls, incident: IncidentTexts, vectors: np.ndarray, rows: np.ndarray | None) -> _Embedded:
        """Each text standardised on ``rows`` (the background), or raw cosines without it."""
        if rows is None or len(rows) == 0:
            return cls(incident, vectors, vectors.mean(axis=0))
        likeness = rows @ vectors.T  # background rows x texts
        spread = np.maximum(likeness.std(axis=0), MIN_SPREAD)
        weights = (vectors / spread[:, None]).mean(axis=0)
        return cls(incident, vectors, weights, float((likeness.mean(axis=0) / spread).mean()))

    def score(self, vector: np.ndarray) -> float:
        return float(self.weights @ vector) - self.offset


@dataclass(frozen=True)
class _Cues:
    outage: np.ndarray = field(repr=False)
    request: np.ndarray = field(repr=False)
    outage_baseline: Baseline = Baseline()
    request_baseline: Baseline = Baseline()


def _best(cues: np.ndarray, vectors: np.ndarray | None) -> np.ndarray | None:
    """Each row's best cosine with ``cues`` (None: no rows)."""
    return None if vectors is None else np.max(vectors @ cues.T, axis=1)


def _cue_scores(cues: _Cues, vector: np.ndarray) -> tuple[float, float]:
    outage, request = (float(np.max(c @ vector)) for c in (cues.outage, cues.request))
    return cues.outage_baseline.standardise(outage), cues.request_baseline.standardise(request)


class IncidentMatcher:
    """The active incidents' vectors, kept up to date one incident at a time: ``put`` embeds an
    incident only when its texts changed, and ``replace`` re-embeds only the new and changed ones.
    ``background``: the knowledge base's vectors (read again on each match: a new build is measured
    once); None: scores are raw cosines."""

    def __init__(
        self,
        embedder: Embedder,
        threshold: float,
        cue_weight: float = 0.0,
        request_weight: float = 0.0,
        background: Background | None = None,
    ) -> None:
        if not math.isfinite(threshold) or cue_weight < 0 or request_weight < 0:
            raise ValueError(
                f"threshold must be a number and the cue weights 0 or more, got {threshold}, {cue_weight}, "
                f"{request_weight}"
            )
        self.embedder, self.threshold = embedder, threshold
        self.cue_weight, self.request_weight, self.background = cue_weight, request_weight, background
        self._active: dict[str, _Embedded] = {}
        self._cues: _Cues | None = None  # embedded on first use: building a matcher loads no model
        self._rows: np.ndarray | None = None  # the background the baselines were measured on
        self._lock = threading.Lock()  # the action server matches while an agent declares

    @classmethod
    def from_settings(
        cls, embedder: Embedder, settings: MatchingSettings, background: Background | None = None
    ) -> IncidentMatcher:
        return cls(embedder, settings.threshold, settings.outage_cue_weight, settings.request_cue_weight, background)

    def put(self, incident: IncidentTexts) -> None:
        """Add or update one incident; its vectors are made again only if its texts changed."""
        known = self._active.get(incident.incident_id)
        if known is not None and known.incident.texts == incident.texts:
            vectors = known.vectors
        else:
            vectors = self.embedder.encode([normalise_query(text) for text in incident.texts if WORD.search(text)])
        with self._lock:
            embedded = _Embedded.measured(incident, vectors, self._rows)
            self._active = {**self._active, incident.incident_id: embedded}

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

    @property
    def active(self) -> tuple[str, ...]:
        return tuple(self._active)

    def _measured(self) -> tuple[dict[str, _Embedded], _Cues]:
        """The active incidents and the cues, with baselines on the current background."""
        rows = self.background() if self.background is not None else None
        if self._cues is None or rows is not self._rows:
            with self._lock:
                cues = self._cues
                if cues is None:
                    vectors = self.embedder.encode([*OUTAGE_CUES, *REQUEST_CUES])
                    cues = _Cues(vectors[: len(OUTAGE_CUES)], vectors[len(OUTAGE_CUES) :])
                if cues is not self._cues or rows is not self._rows:
                    self._rows = rows
                    self._active = {i: _Embedded.measured(e.incident, e.vectors, rows) for i, e in self._active.items()}
                    self._cues = _Cues(
                        cues.outage,
                        cues.request,
                        Baseline.over(_best(cues.outage, rows)),
                        Baseline.over(_best(cues.request, rows)),
                    )
        assert self._cues is not None
        return self._active, self._cues

    def cue_scores(self, vector: np.ndarray) -> tuple[float, float]:
        """How much a message sounds like an outage and like a request: its best cosine with
        ``OUTAGE_CUES`` and with ``REQUEST_CUES``, each standardised on the background."""
        return _cue_scores(self._measured()[1], vector)

    def scores(self, vector: np.ndarray, council: str | None) -> list[Match]:
        """Every active incident of ``council`` scored against a message's vector, best first."""
        active, measured_cues = self._measured()  # each replaced whole on a change: read once, without the lock
        concerned = [e for e in active.values() if e.incident.concerns(council)]
        if not concerned:
            return []
        cues = 0.0
        if self.cue_weight or self.request_weight:
            outage, request = _cue_scores(measured_cues, vector)
            cues = self.cue_weight * outage - self.request_weight * request
        scored = [Match(e.incident.incident_id, e.score(vector) + cues) for e in concerned]
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


NUMBER = Kind("a number", lambda value: number(value, "must be a number"))
FILE_FIELDS = (Field("matching", MAPPING, "threshold, outage_cue_weight, request_cue_weight", required=True),)
MATCHING_FIELDS = (
    Field(
        "threshold",
        NUMBER,
        "the score from which a message is shown an incident's card, in standard deviations above the knowledge base's",
        required=True,
    ),
    Field("outage_cue_weight", FRACTION, "the outage cue's weight in the score, 0 for none", required=True),
    Field("request_cue_weight", FRACTION, "the request cue's weight against the score, 0 for none", required=True),
)


def load_matching(path: Path = MATCHING_CONFIG) -> MatchingSettings:
    """The ``matching`` block of the incidents file; a bad file is one line naming it and the field."""
    top = read_fields(read_yaml(path), FILE_FIELDS, path, "")
    return MatchingSettings(**read_fields(top["matching"], MATCHING_FIELDS, path, "matching"))


def write_matching(path: Path, settings: MatchingSettings, how: Sequence[str]) -> None:
    """Write the incidents file: ``how`` (comment lines: the command, the set, the targets) and the settings."""
    heading = "Written by benchmarks/incident_matching.py; re-run it, do not tune by hand:"
    comments = [f"# {text}" for text in (heading, *how, f"on {dt.date.today().isoformat()}")]
    values = {
        "threshold": round(settings.threshold, 2),
        "outage_cue_weight": settings.outage_cue_weight,
        "request_cue_weight": settings.request_cue_weight,
    }
    path.write_text("\n".join(comments) + "\n" + yaml.safe_dump({"matching": values}, sort_keys=False))
