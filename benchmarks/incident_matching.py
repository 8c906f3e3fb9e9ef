"""Incident matching on the outage drill: is a member of staff shown the right known incident's card?

    .venv-actions/bin/python benchmarks/incident_matching.py [--write docs/benchmarks.md]
        [--thresholds-out knowledge_base/incidents.yml]

The drill (benchmarks/data/incident-drill-incidents.yml): two incidents active at once, the CRM down
at two councils and email delayed everywhere, as an agent declared them. The labelled set
(incident-drill.jsonl): staff's phrasings, each labelled with its incident or null, written from the
scenario without the declared questions, split half dev, half test. The threshold is chosen on dev
only: the most right cards while at most ``MAX_FALSE_CARD_ON_DEV`` of the unrelated phrasings are
shown one (half the goal's 2%: a margin for phrasings not seen), in the middle of the thresholds that
do as well. Test is scored once. These rules are compared on dev and test:

- title and questions: the best cosine over the incident's title and questions;
- title and summary: what an incident declared without questions would get;
- title, summary and questions: the summary as one more text to match;
- title and questions, every council affected: the CRM incident shown to Southmere too, so that
  its how-to questions about the CRM can be shown the card (a harder set of unrelated phrasings);
- with the knowledge base as rival: as the first, but no card when the best article's score
  (the engine's fused score, knowledge_base/search.yml) is more than a margin above the incident's,
  the margin chosen on dev with the threshold;
- plus an outage cue: the first rule's score plus a weight w times the message's best cosine with ten
  generic ways of saying a system is broken (``OUTAGE_CUES`` in bot/incidents/matching.py, no service
  named), over 1 + w; w and the threshold chosen on dev.

Shipped: the first or the last, whichever shows the right card to more dev phrasings.

And the matching time per message, p50/p95 over the test phrasings, for 2 active incidents and for 20
(the 2 and 18 articles declared as incidents): with the message's embedding, and from its vector
(what the conversation pays when the knowledge base's search already embedded it).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from benchmarks.report import machine_line, publish
from bot.identity import ALL_COUNCILS, load_tenants
from bot.incidents.matching import IncidentMatcher, IncidentTexts, MatchingSettings, write_matching
from bot.incidents.models import IncidentFields
from bot.incidents.validation import checked
from bot.knowledge import KnowledgeBase, KnowledgeConfig, load_articles
from bot.knowledge.embedding import SentenceTransformerEmbedder
from bot.knowledge.search import normalise_query
from bot.paths import TENANTS_CONFIG

DATA = Path(__file__).parent / "data"
INCIDENTS = DATA / "incident-drill-incidents.yml"
PHRASINGS = DATA / "incident-drill.jsonl"
MAX_FALSE_CARD_ON_DEV = 0.01  # the goal is <= 2% on unseen phrasings
MAX_FALSE_OFFER_ON_DEV = 0.10  # an "is it this?" button costs a click, not a wrong answer
GRID = np.round(np.arange(0.0, 1.0 + 1e-9, 0.01), 2)
RIVAL_MARGINS = (np.inf, *np.round(np.arange(0.0, 0.61, 0.05), 2))  # inf: the knowledge base is not asked
MORE_INCIDENTS = 18  # articles declared as incidents for the timing with 20 active
TIMING_ROUNDS = 3
CUE_WEIGHTS = (0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class Phrasing:
    text: str
    incident: str | None
    tenant: str
    split: str


def load_incidents(path: Path = INCIDENTS) -> dict[str, IncidentFields]:
    """The drill's incidents by id, checked as a declaration is (bot/incidents/validation.py)."""
    councils = load_tenants(TENANTS_CONFIG).ids
    return {
        i["id"]: checked(
            IncidentFields(
                title=i["title"],
                summary=" ".join(i["summary"].split()),
                questions=tuple(i["questions"]),
                councils=tuple(i["councils"]),
                services=tuple(i["services"]),
            ),
            councils,
        )
        for i in yaml.safe_load(path.read_text())["incidents"]
    }


def load_phrasings(path: Path = PHRASINGS) -> list[Phrasing]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [Phrasing(r["text"], r["incident"], r["tenant"], r["split"]) for r in rows]


@dataclass(frozen=True)
class Scored:
    """Per phrasing: the best incident of the sender's council, its score, and the best article's score."""

    labels: np.ndarray  # incident id or None
    best: np.ndarray
    score: np.ndarray
    article: np.ndarray

    def outcome(self, threshold: float, margin: float = np.inf) -> dict[str, float]:
        shown = (self.score >= threshold) & (self.score >= self.article - margin)
        related = np.array([label is not None for label in self.labels])
        right = shown & related & (self.best == self.labels)
        return {
            "recall": right.sum() / related.sum(),
            "wrong_incident": (shown & related & ~right).sum() / related.sum(),
            "false_card": (shown & ~related).sum() / (~related).sum(),
            "precision": right.sum() / max(shown.sum(), 1),
        }


def score(matcher: IncidentMatcher, phrasings: Sequence[Phrasing], vectors: np.ndarray, article: np.ndarray) -> Scored:
    best, top = [], []
    for p, v in zip(phrasings, vectors, strict=True):
        ranked = matcher.scores(v, p.tenant)
        best.append(ranked[0].incident_id if ranked else None)
        top.append(ranked[0].score if ranked else -1.0)
    labels = np.array([p.incident for p in phrasings], dtype=object)
    return Scored(labels, np.array(best, dtype=object), np.array(top), article)


def calibrate(
    dev: Scored, margins: Sequence[float] = (np.inf,), max_false: float = MAX_FALSE_CARD_ON_DEV
) -> tuple[float, float]:
    """(threshold, margin) on dev: the most right cards with at most ``max_false`` false cards, the
    threshold in the middle of those that do as well; among margins that do as well, the first."""
    best: tuple[float, float, float] | None = None
    for margin in margins:
        outcomes = [dev.outcome(t, margin) for t in GRID]
        admissible = [i for i, o in enumerate(outcomes) if o["false_card"] <= max_false]
        top = max(outcomes[i]["recall"] for i in admissible)
        tied = [GRID[i] for i in admissible if outcomes[i]["recall"] == top]
        threshold = round(float(np.median(tied)), 2)
        if best is None or top > best[0]:
            best = (top, threshold, margin)
    assert best is not None
    return best[1], best[2]


def with_outage_cue(
    matcher: IncidentMatcher, phrasings: dict[str, list[Phrasing]], vectors: dict[str, np.ndarray], articles: Any
) -> tuple[float, float, Scored, Scored]:
    """(weight, threshold, dev, test): the outage cue's weight chosen on dev with the threshold."""
    best: tuple[float, float, float, Scored, Scored] | None = None
    for weight in CUE_WEIGHTS:
        matcher.cue_weight = weight
        dev, test = (score(matcher, phrasings[s], vectors[s], articles[s]) for s in ("dev", "test"))
        threshold, _ = calibrate(dev)
        recall = dev.outcome(threshold)["recall"]
        if best is None or recall > best[0]:
            best = (recall, weight, threshold, dev, test)
    assert best is not None
    return best[1:]


def timings(matcher: IncidentMatcher, phrasings: Sequence[Phrasing], vectors: np.ndarray) -> tuple[str, str]:
    """p50/p95 in ms of ``match`` (embedding included) and of ``match_vector``."""
    whole, vector_only = [], []
    for _ in range(TIMING_ROUNDS):
        for p, v in zip(phrasings, vectors, strict=True):
            started = time.perf_counter()
            matcher.match(p.text, p.tenant)
            whole.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            matcher.match_vector(v, p.tenant)
            vector_only.append((time.perf_counter() - started) * 1000)

    def shown(ms: list[float]) -> str:
        return f"{np.percentile(ms, 50):.2f} / {np.percentile(ms, 95):.2f}"

    return shown(whole), shown(vector_only)


def row(name: str, rule: str, dev: dict[str, Any], test: dict[str, Any]) -> str:
    return (
        f"| {name} | {rule} | {dev['recall']:.3f} | {dev['false_card']:.1%} | {test['recall']:.3f} | "
        f"{test['false_card']:.1%} | {test['wrong_incident']:.1%} | {test['precision']:.3f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", type=Path, help="replace the incident-matching section of this Markdown file")
    parser.add_argument("--thresholds-out", type=Path, help="write the rule chosen on dev into this file")
    args = parser.parse_args()
    incidents, phrasings = load_incidents(), load_phrasings()
    embedder = SentenceTransformerEmbedder()
    config = KnowledgeConfig.load()
    kb = KnowledgeBase.from_config(config, embedder)
    splits = {name: [p for p in phrasings if p.split == name] for name in ("dev", "test")}
    vectors = {name: embedder.encode([normalise_query(p.text) for p in ps]) for name, ps in splits.items()}
    articles = {name: np.array([kb.search(p.text, p.tenant).ranked[0][1] for p in ps]) for name, ps in splits.items()}

    def matcher_of(texts: Any, councils: bool = True) -> IncidentMatcher:
        matcher = IncidentMatcher(embedder, threshold=1.0)
        matcher.replace(
            IncidentTexts(id, texts(i), i.councils if councils else (ALL_COUNCILS,)) for id, i in incidents.items()
        )
        return matcher

    shipped = matcher_of(lambda i: (i.title, *i.questions))
    rules = [
        ("title and questions", shipped, (np.inf,)),
        ("title and summary", matcher_of(lambda i: (i.title, i.summary)), (np.inf,)),
        ("title, summary and questions", matcher_of(lambda i: (i.title, i.summary, *i.questions)), (np.inf,)),
        (
            "title and questions, every council affected",
            matcher_of(lambda i: (i.title, *i.questions), False),
            (np.inf,),
        ),
        ("title and questions, knowledge base as rival", shipped, RIVAL_MARGINS),
    ]
    table = [
        "| rule | chosen on dev | dev recall | dev false cards | test recall | test false cards | "
        "test wrong incident | test precision |",
        "|---|---|---|---|---|---|---|---|",
    ]
    chosen: dict[str, float] = {}
    plain: MatchingSettings | None = None
    for name, matcher, margins in rules:
        dev, test = (score(matcher, splits[s], vectors[s], articles[s]) for s in ("dev", "test"))
        threshold, margin = calibrate(dev, margins)
        chosen[name] = dev.outcome(threshold, margin)["recall"]
        rule = f"card if score >= {threshold:.2f}" + (
            f" and score >= best article - {margin:.2f}" if np.isfinite(margin) else ""
        )
        table.append(row(name, rule, dev.outcome(threshold, margin), test.outcome(threshold, margin)))
        plain = plain or MatchingSettings(threshold)  # the first rule's
    weight, threshold, dev, test = with_outage_cue(shipped, splits, vectors, articles)
    rule = f"card if (score + {weight} x outage cue) / {1 + weight} >= {threshold:.2f}"
    table.append(row("title and questions, plus an outage cue", rule, dev.outcome(threshold), test.outcome(threshold)))
    # shipped: the outage cue if it found more on dev than the plain cosine, else the plain cosine
    cued = dev.outcome(threshold)["recall"] > chosen[rules[0][0]]
    settings = MatchingSettings(threshold, weight) if cued or plain is None else plain
    # not shipped: what a second, lower threshold offering the card as a choice would find
    offer_at, _ = calibrate(dev, max_false=MAX_FALSE_OFFER_ON_DEV)
    offered = test.outcome(offer_at)
    shipped.threshold, shipped.cue_weight = settings.threshold, settings.outage_cue_weight
    more = [a for a in load_articles(config.articles_dir, config.tenants) if a.published and not a.elsewhere]
    crowd = matcher_of(lambda i: (i.title, *i.questions))
    crowd.threshold, crowd.cue_weight = settings.threshold, settings.outage_cue_weight
    for a in sorted(more, key=lambda a: a.id)[:MORE_INCIDENTS]:
        crowd.put(IncidentTexts(f"article-{a.id}", (a.title, *a.questions)))
    time_rows = [
        f"| {len(m.active)} | {whole} | {vector_only} |"
        for m in (shipped, crowd)
        for whole, vector_only in [timings(m, splits["test"], vectors["test"])]
    ]
    counts = {
        s: (sum(p.incident is not None for p in ps), sum(p.incident is None for p in ps)) for s, ps in splits.items()
    }
    section = "\n".join(
        [
            f"The outage drill (benchmarks/data/incident-drill-incidents.yml): {len(incidents)} incidents active at "
            f"once ({'; '.join(i.title for i in incidents.values())}), each declared with "
            f"{' and '.join(sorted({str(len(i.questions)) for i in incidents.values()}))} questions. "
            "Labelled phrasings (incident-drill.jsonl, written "
            "from the scenario without the declared questions): dev "
            f"{counts['dev'][0]} about an incident and {counts['dev'][1]} not, test {counts['test'][0]} and "
            f"{counts['test'][1]}; the unrelated ones include how-to questions and password resets for the same "
            "systems, outages nobody declared and ordinary IT questions. Each phrasing is matched against the "
            "active incidents of its sender's council. Threshold chosen on dev only: the most right cards with at "
            f"most {MAX_FALSE_CARD_ON_DEV:.0%} of unrelated dev phrasings shown one; test scored once. Recall: "
            "incident phrasings shown the right card; false cards: unrelated phrasings shown any card; precision: "
            "right cards among all cards shown. Goal: test recall >= 0.95, false cards <= 2%.",
            "",
            *table,
            "",
            f"Not shipped, to see what would reach the goal: with the outage cue, a second threshold {offer_at:.2f} "
            f"chosen on dev for at most {MAX_FALSE_OFFER_ON_DEV:.0%} of unrelated phrasings offered the card as a "
            f'choice ("Is this about ...?"): test recall {offered["recall"]:.3f}, unrelated test phrasings offered '
            f"it {offered['false_card']:.1%}.",
            "",
            "Shipped (knowledge_base/incidents.yml): title and questions, "
            + (f"plus the outage cue with weight {settings.outage_cue_weight}, " if cued else "")
            + f"threshold {settings.threshold:.2f}: the rule that found the most on dev. Matching time "
            f"per message, ms p50 / p95 over the {len(splits['test'])} test phrasings x {TIMING_ROUNDS}:",
            "",
            "| active incidents | with the message's embedding | from its vector (the search already embedded it) |",
            "|---|---|---|",
            *time_rows,
            "",
            machine_line("incident_matching.py"),
        ]
    )
    publish(section, "incident-matching", args.write)
    if args.thresholds_out:
        write_matching(
            args.thresholds_out,
            settings,
            [
                "  .venv-actions/bin/python benchmarks/incident_matching.py --thresholds-out "
                "knowledge_base/incidents.yml",
                f"chosen on the outage drill's dev split ({sum(counts['dev'])} phrasings): the most right cards",
                f"with at most {MAX_FALSE_CARD_ON_DEV:.0%} of unrelated phrasings shown a card (docs/benchmarks.md).",
            ],
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
