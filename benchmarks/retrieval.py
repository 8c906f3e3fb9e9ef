"""Answer quality on the held-out test split: this engine against two baselines.

    .venv-actions/bin/python benchmarks/retrieval.py [--write docs/benchmarks.md]

- engine: several vectors per article, best-vector score, answer/clarify/escalate with the
  thresholds in knowledge_base/thresholds.yml (chosen by 'calibrate' on the dev split only);
- BM25 alone (bm25s over title, questions and body, the engine's own lexical index),
  answer-or-escalate with one threshold
  chosen on the dev split;
- plain embeddings: one vector per article (title and body), answer-or-escalate at a fixed 0.5.

Two sets are scored, each with the same three systems: the test split, and the independent set
(benchmarks/data/kb-questions-independent.jsonl: questions written from the article titles alone
by someone who had not read the articles' questions, labelled in a separate pass; issue 12).
It also runs the lexical-fusion experiment on the dev split only (the engine with cosine +
w x normalised BM25, thresholds recalibrated on dev for each w), which chose the shipped w.
Neither scored set is used to choose anything.

And CLINC150 (../shared/benchmarks/clinc150, its README has the protocol): the engine over its 150
intents, thresholds calibrated on val.jsonl only, scored once on test.jsonl, and the curve of
in-scope accuracy against out-of-scope recall as one answer threshold moves, beside the paper's
published points.
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
from bot.knowledge.evaluation import Query, Ranking, load_corpus, load_queries, rank_all, summarise
from bot.knowledge.lexical import LexicalIndex
from bot.knowledge.recipe import BODY_OPENING_CHARS
from bot.knowledge.search import normalise_query

DATA = Path(__file__).parent / "data"
CLINC = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks" / "clinc150"
# Larson et al. 2019, Table 2, "threshold" rows: (system, in-scope accuracy, out-of-scope recall).
CLINC_PUBLISHED = (("BERT", 0.962, 0.523), ("MLP on USE", 0.934, 0.491), ("Rasa", 0.909, 0.312))
CURVE_THRESHOLDS = tuple(round(0.30 + 0.05 * i, 2) for i in range(14))
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


def clinc_point(rankings: Sequence[Ranking], answer_at: float) -> tuple[float, float]:
    """The paper's protocol for answer-or-escalate at ``answer_at``: (in-scope accuracy, OOS recall)."""
    inscope = [r for r in rankings if r.query.expected is not None]
    oos = [r for r in rankings if r.query.expected is None]
    right = sum(bool(r.ranked) and r.ranked[0][1] >= answer_at and r.rank_of_answer() == 0 for r in inscope)
    refused = sum(not r.ranked or r.ranked[0][1] < answer_at for r in oos)
    return right / len(inscope), refused / len(oos)


def clinc_section(config: KnowledgeConfig, embedder: SentenceTransformerEmbedder) -> list[str]:
    """CLINC150: calibrated on val only, scored once on test, and the curve over one threshold."""
    corpus = load_corpus(CLINC / "corpus.jsonl")
    val, test = load_queries(CLINC / "val.jsonl"), load_queries(CLINC / "test.jsonl")
    with tempfile.TemporaryDirectory() as scratch:
        build_index(corpus, embedder, Path(scratch), config.index)
        kb = KnowledgeBase.from_config(config, embedder, Path(scratch))
        val_rankings, test_rankings = rank_all(kb, val), rank_all(kb, test)
    engine = calibrate(val_rankings).thresholds  # the engine's own rule, its targets, on val
    single = calibrate(val_rankings, single_threshold=True).thresholds
    engine_s, single_s = summarise(test_rankings, engine), summarise(test_rankings, single)
    inscope = sum(q.expected is not None for q in test)
    lines = [
        f"CLINC150: {len(corpus)} intents as articles (their training utterances as questions), thresholds "
        f"chosen on val ({len(val)} queries) only, scored once on test ({inscope} in scope, "
        f"{len(test) - inscope} out of scope). Top-1 over the in-scope test queries: {engine_s['top1']:.3f}.",
        "",
        "| system | in-scope accuracy | out-of-scope recall | rule |",
        "|---|---|---|---|",
        f"| this engine | {engine_s['answered_correctly']:.3f} | {1 - engine_s['null_answered']:.3f} | answer "
        f"{engine.answer}, clarify {engine.clarify}, margin {engine.margin} (calibrated on val; a choice "
        "counts as not answered) |",
        f"| this engine, answer or escalate | {single_s['answered_correctly']:.3f} | "
        f"{1 - single_s['null_answered']:.3f} | answer if score >= {single.answer} (calibrated on val) |",
        *(
            f"| {name} (published) | {acc:.3f} | {rec:.3f} | the paper's threshold row |"
            for name, acc, rec in CLINC_PUBLISHED
        ),
        "",
        "The curve on test, answer or escalate as the threshold moves:",
        "",
        "| answer threshold | " + " | ".join(f"{t:.2f}" for t in CURVE_THRESHOLDS) + " |",
        "|---|" + "---|" * len(CURVE_THRESHOLDS),
    ]
    points = [clinc_point(test_rankings, t) for t in CURVE_THRESHOLDS]
    lines.append("| in-scope accuracy | " + " | ".join(f"{acc:.3f}" for acc, _ in points) + " |")
    lines.append("| out-of-scope recall | " + " | ".join(f"{rec:.3f}" for _, rec in points) + " |")
    return [*lines, ""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", type=Path, help="replace the retrieval section of this Markdown file")
    args = parser.parse_args()
    config = KnowledgeConfig.load()
    articles = [a for a in load_articles(config.articles_dir, config.tenants) if a.published]
    dev, test = load_queries(DATA / "kb-questions-dev.jsonl"), load_queries(DATA / "kb-questions-test.jsonl")
    independent = load_queries(DATA / "kb-questions-independent.jsonl")
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
        engine_test, engine_independent = rank_all(kb, test), rank_all(kb, independent)
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

    t = config.thresholds
    engine_rule = (
        f"cosine + {config.lexical_weight} x BM25; answer {t.answer}, clarify {t.clarify}, margin {t.margin} "
        "(calibrated on dev)"
    )

    def table(name: str, queries: Sequence[Query], engine: list[Ranking]) -> list[str]:
        """The three systems on one scored set."""
        engine_s = summarise(engine, t)
        answerable = sum(q.expected is not None for q in queries)
        return [
            f"{name}: {len(queries)} questions ({answerable} with an article, {len(queries) - answerable} without), "
            f"{len(articles)} published articles. Latency of this engine: "
            f"p50 {engine_s['latency_p50_ms']:.1f} ms, p95 {engine_s['latency_p95_ms']:.1f} ms.",
            "",
            HEADER,
            row("this engine", engine_s, engine_rule),
            row(
                "BM25 alone",
                summarise(bm25_rankings(articles, queries, visible, squash), bm25_t),
                f"answer if s/(s+{squash:.2f}) >= {bm25_t.answer} (chosen on dev)",
            ),
            row(
                "plain embeddings",
                summarise(plain_rankings(articles, embedder, queries, visible), plain_t),
                f"answer if cosine >= {PLAIN_THRESHOLD} (fixed)",
            ),
            "",
        ]

    section = "\n".join(
        [
            *table("Test split", test, engine_test),
            *table("Independent set", independent, engine_independent),
            *clinc_section(config, embedder),
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
