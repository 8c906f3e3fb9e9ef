"""Answer quality on the held-out test split: this engine against two baselines.

    .venv-actions/bin/python benchmarks/retrieval.py [--write docs/benchmarks.md]

- engine: several vectors per article, best-vector score, answer/clarify/escalate with the
  thresholds in knowledge_base/thresholds.yml (chosen by 'calibrate' on the dev split only);
- BM25 alone (bm25s over title, questions and body, the engine's own lexical index),
  answer-or-escalate with one threshold
  chosen on the dev split;
- plain embeddings: one vector per article (title and body), answer-or-escalate at a fixed 0.5.

It also runs the lexical-fusion experiment on the dev split only (the engine with cosine +
w x normalised BM25, thresholds recalibrated on dev for each w), which chose the shipped w.
The test split is read for the final table and never used to choose anything.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.report import machine_line, publish
from bot.knowledge import KnowledgeBase, KnowledgeConfig, load_articles
from bot.knowledge.articles import Article
from bot.knowledge.build import build_index
from bot.knowledge.calibrate import calibrate
from bot.knowledge.decision import Thresholds
from bot.knowledge.embedding import SentenceTransformerEmbedder
from bot.knowledge.evaluation import Query, Ranking, load_queries, rank_all, summarise
from bot.knowledge.lexical import LexicalIndex
from bot.knowledge.recipe import BODY_OPENING_CHARS
from bot.knowledge.search import normalise_query

DATA = Path(__file__).parent / "data"
PLAIN_THRESHOLD = 0.5
FUSION_WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.3)


def ranked_from(
    ids: Sequence[str], scores: np.ndarray, visible: Callable[[str], bool]
) -> tuple[tuple[str, float], ...]:
    order = np.argsort(-scores, kind="stable")
    return tuple((ids[i], float(scores[i])) for i in order if visible(ids[i]))[:10]


def visibility(articles: Sequence[Article]) -> Callable[[Query], Callable[[str], bool]]:
    by_id = {a.id: a for a in articles}
    return lambda q: lambda article_id: by_id[article_id].visible_to(q.tenant)


def bm25_rankings(
    articles: Sequence[Article],
    queries: Sequence[Query],
    visible: Callable[[Query], Callable[[str], bool]],
    squash: float,
) -> list[Ranking]:
    """BM25 scores squashed into [0, 1) by s / (s + squash): same order, usable by calibrate."""
    bm25, ids = LexicalIndex.build(articles), [a.id for a in articles]
    out = []
    for q in queries:
        raw = bm25.scores(normalise_query(q.text))
        out.append(Ranking(q, ranked_from(ids, raw / (raw + squash), visible(q)), 0.0))
    return out


def plain_rankings(
    articles: Sequence[Article],
    embedder: SentenceTransformerEmbedder,
    queries: Sequence[Query],
    visible: Callable[[Query], Callable[[str], bool]],
) -> list[Ranking]:
    docs = embedder.encode([f"{a.title}. {a.body[:BODY_OPENING_CHARS]}" for a in articles])
    ids = [a.id for a in articles]
    vectors = embedder.encode([normalise_query(q.text) for q in queries])
    return [Ranking(q, ranked_from(ids, docs @ v, visible(q)), 0.0) for q, v in zip(queries, vectors, strict=True)]


def row(name: str, s: dict[str, Any], rule: str) -> str:
    return (
        f"| {name} | {s['top1']:.3f} | {s['top3']:.3f} | {s['mrr10']:.3f} | {s['answered_correctly']:.1%} | "
        f"{s['answered_wrongly']:.1%} | {s['clarified_with_answer']:.1%} | {1 - s['null_answered']:.1%} | "
        f"{s['null_escalated']:.1%} | {rule} |"
    )


HEADER = (
    "| system | top-1 | top-3 | MRR@10 | answered right | answered wrong | right among choices | "
    "no-article not answered | no-article escalated | decision rule |\n|---|---|---|---|---|---|---|---|---|---|"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", type=Path, help="replace the retrieval section of this Markdown file")
    args = parser.parse_args()
    config = KnowledgeConfig.load()
    articles = [a for a in load_articles(config.articles_dir, config.tenants) if a.published]
    dev, test = load_queries(DATA / "kb-questions-dev.jsonl"), load_queries(DATA / "kb-questions-test.jsonl")
    embedder = SentenceTransformerEmbedder()
    visible = visibility(articles)
    fusion = [
        "| w | top-1 | MRR@10 | answered right | answered wrong | no-article answered | utility/question |",
        "|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as scratch:
        build_index(articles, embedder, Path(scratch), config.index)
        kb = KnowledgeBase.from_config(config, embedder, Path(scratch))
        kb.search("warm up")
        engine_test = rank_all(kb, test)
        for weight in FUSION_WEIGHTS:
            kb.lexical_weight = weight
            rankings = rank_all(kb, dev)
            chosen = calibrate(rankings)
            s = summarise(rankings, chosen.thresholds)
            fusion.append(
                f"| {weight} | {s['top1']:.3f} | {s['mrr10']:.3f} | {s['answered_correctly']:.1%} | "
                f"{s['answered_wrongly']:.1%} | {s['null_answered']:.1%} | {chosen.utility:.3f} |"
            )

    lexical = LexicalIndex.build(articles)
    squash = float(np.median([lexical.scores(q.text).max() for q in dev])) or 1.0
    bm25_t = calibrate(bm25_rankings(articles, dev, visible, squash), single_threshold=True).thresholds
    plain_t = Thresholds(answer=PLAIN_THRESHOLD, clarify=PLAIN_THRESHOLD, margin=0.0)

    engine_s = summarise(engine_test, config.thresholds)
    t = config.thresholds
    lines = [
        HEADER,
        row(
            "this engine",
            engine_s,
            f"cosine + {config.lexical_weight} x BM25; answer {t.answer}, clarify "
            f"{t.clarify}, margin {t.margin} (calibrated on dev)",
        ),
        row(
            "BM25 alone",
            summarise(bm25_rankings(articles, test, visible, squash), bm25_t),
            f"answer if s/(s+{squash:.2f}) >= {bm25_t.answer} (chosen on dev)",
        ),
        row(
            "plain embeddings",
            summarise(plain_rankings(articles, embedder, test, visible), plain_t),
            f"answer if cosine >= {PLAIN_THRESHOLD} (fixed)",
        ),
    ]
    answerable = sum(q.expected is not None for q in test)
    section = "\n".join(
        [
            f"Test split: {len(test)} questions ({answerable} with an article, {len(test) - answerable} without), "
            f"{len(articles)} published articles. Latency of this engine on the test split: "
            f"p50 {engine_s['latency_p50_ms']:.1f} ms, p95 {engine_s['latency_p95_ms']:.1f} ms.",
            "",
            *lines,
            "",
            f"Lexical fusion, **dev split only** ({len(dev)} questions): cosine + w x (BM25 / best BM25 of the query), "
            f"thresholds recalibrated on dev for each w. w = 0 is the engine without BM25; shipped: "
            f"w = {config.lexical_weight}.",
            "",
            *fusion,
            "",
            machine_line("retrieval.py"),
        ]
    )
    publish(section, "retrieval", args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
