"""Index build time, memory and query latency at 70, 10,000 and 100,000 articles, exact vs
approximate (HNSW), with the recall of the approximate index against the exact one.

    .venv-actions/bin/python benchmarks/search_speed.py [--sizes 70,10000,100000] [--queries 300]

The smallest size is our own published collection. Larger sizes add synthetic articles: each is a
topic vector made from a random mix of real article vectors plus noise, and its six vectors
(title, four questions, body) lie close to that topic, so the collection has the clustered shape
of real articles without embedding a million texts. Queries are real questions embedded by the
real model, and latency is end to end: text -> embedding -> FAISS -> decision (KnowledgeBase.search).
Building the synthetic collections skips the model; the embedding cost of a real build is
measured separately on real texts and projected.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np

from bot.knowledge import KnowledgeBase, KnowledgeConfig, load_articles
from bot.knowledge.articles import Article
from bot.knowledge.build import build_index
from bot.knowledge.config import IndexSettings
from bot.knowledge.embedding import SentenceTransformerEmbedder
from bot.knowledge.evaluation import load_queries
from bot.knowledge.layout import VECTORS_FILE
from bot.knowledge.recipe import texts_for

SYNTHETIC_VECTORS = 6
TOP = 10
QUESTIONS = Path(__file__).parent / "data" / "kb-questions-dev.jsonl"


class SyntheticEmbedder:
    """Real vectors for real texts; precomputed vectors for the synthetic articles' texts."""

    def __init__(self, real: SentenceTransformerEmbedder, table: dict[str, np.ndarray]) -> None:
        self.real, self.table = real, table
        self.model_name, self.dimension = real.model_name, real.dimension
        self.model_hash = real.model_hash

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        real = [i for i, t in enumerate(texts) if t not in self.table]
        for i, text in enumerate(texts):
            if text in self.table:
                out[i] = self.table[text]
        if real:
            out[real] = self.real.encode([texts[i] for i in real], progress)
        return out


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def synthetic(count: int, pool: np.ndarray, rng: np.random.Generator) -> tuple[list[Article], dict[str, np.ndarray]]:
    from tests.fakes import make_article  # the article factory the unit tests use

    dim = pool.shape[1]
    mix = pool[rng.integers(0, len(pool), (count, 3))].sum(axis=1)
    topics = unit(mix + rng.normal(0, 0.9 / np.sqrt(dim), (count, dim)) * np.linalg.norm(mix, axis=1, keepdims=True))
    vectors = unit(topics[:, None, :] + rng.normal(0, 0.5 / np.sqrt(dim), (count, SYNTHETIC_VECTORS, dim)))
    articles, table = [], {}
    for n in range(count):
        texts = [f"synthetic {n} title"] + [f"synthetic {n} question {q}" for q in range(4)]
        article = make_article(f"synthetic-{n}", title=texts[0], questions=tuple(texts[1:5]), body=f"synthetic {n}")
        for text, vector in zip(texts_for(article), vectors[n], strict=True):
            table[text] = vector
        articles.append(article)
    return articles, table


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(
    kind: str,
    articles: list[Article],
    embedder: SyntheticEmbedder,
    queries: list[str],
    approximate_above: int,
    config: KnowledgeConfig,
) -> tuple[dict[str, object], list[list[str]]]:
    settings = IndexSettings(approximate_above, config.index.hnsw_neighbours, config.index.hnsw_search_depth)
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        build = build_index(articles, embedder, Path(scratch), settings)
        build_s = time.perf_counter() - started
        meta = json.loads((build / "config.json").read_text())
        before = rss_mib()
        kb = KnowledgeBase.from_config(config, embedder, Path(scratch))
        loaded = rss_mib() - before
        kb.search(queries[0])
        latencies, ranked = [], []
        for query in queries:
            result = kb.search(query, k=TOP)
            latencies.append(result.latency_ms)
            ranked.append([a for a, _ in result.ranked])
        row = {
            "articles": len([a for a in articles if a.published]),
            "vectors": meta["vector_count"],
            "index": kind,
            "build_s": round(build_s, 2),
            "faiss_build_s": meta["build_seconds"],
            "index_mib": round((build / VECTORS_FILE).stat().st_size / 2**20, 1),
            "rss_on_load_mib": round(loaded, 1),
            "p50_ms": round(float(np.percentile(latencies, 50)), 2),
            "p95_ms": round(float(np.percentile(latencies, 95)), 2),
        }
        return row, ranked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="70,10000,100000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    config = KnowledgeConfig.load()
    real = SentenceTransformerEmbedder()
    ours = [a for a in load_articles(config.articles_dir, config.tenants) if a.published]
    queries = [q.text for q in load_queries(QUESTIONS)][: args.queries]

    real_texts = [t for a in ours for t in texts_for(a)]
    real.encode(real_texts[:8])
    started = time.perf_counter()
    pool = real.encode(real_texts)
    per_text_ms = (time.perf_counter() - started) * 1000 / len(real_texts)
    print(f"embedding real article texts: {per_text_ms:.2f} ms per text ({len(real_texts)} texts, batch 64)")

    rng = np.random.default_rng(20261122)
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        extra, table = synthetic(max(0, size - len(ours)), pool, rng)
        embedder = SyntheticEmbedder(real, table)
        articles = ours + extra
        exact, exact_ranked = measure("exact", articles, embedder, queries, 10**12, config)
        approx, approx_ranked = measure("hnsw", articles, embedder, queries, 0, config)
        recall = np.mean(
            [len(set(e) & set(a)) / max(len(e), 1) for e, a in zip(exact_ranked, approx_ranked, strict=True)]
        )
        top1 = np.mean([e[:1] == a[:1] for e, a in zip(exact_ranked, approx_ranked, strict=True)])
        exact["recall@10"], exact["top1_agree"] = 1.0, 1.0
        approx["recall@10"], approx["top1_agree"] = round(float(recall), 4), round(float(top1), 4)
        for row in (exact, approx):
            row["embed_all_texts_s"] = round(row["vectors"] * per_text_ms / 1000, 1)  # type: ignore[operator]
            rows.append(row)
            print(json.dumps(row))
    print(
        f"\nmachine: {platform.machine()}, {faiss.omp_get_max_threads()} threads, python {platform.python_version()}, "
        f"faiss {faiss.__version__}"
    )
    header = [
        "articles",
        "vectors",
        "index",
        "build_s",
        "index_mib",
        "rss_on_load_mib",
        "p50_ms",
        "p95_ms",
        "recall@10",
        "top1_agree",
        "embed_all_texts_s",
    ]
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(row[h]) for h in header) + " |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
