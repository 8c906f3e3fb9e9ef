"""Latency of one knowledge-base search (embed the message + FAISS + decision) on this machine.

    .venv-actions/bin/python benchmarks/search_latency.py [--rounds 5]

Uses the built index (make index) and every article question as a query.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bot.knowledge import KnowledgeBase, KnowledgeConfig
from bot.knowledge.embedding import SentenceTransformerEmbedder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    config = KnowledgeConfig.load()
    started = time.perf_counter()
    kb = KnowledgeBase(config.index_dir, SentenceTransformerEmbedder(), config.thresholds)
    kb.search("warm up")
    load_s = time.perf_counter() - started
    queries = [q for a in kb.index.articles for q in a.questions]
    timings = []
    for _ in range(args.rounds):
        for query in queries:
            timings.append(kb.search(query).latency_ms)
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(f"articles: {len(kb.index.articles)}, vectors: {kb.index.config['vector_count']}, searches: {len(timings)}")
    print(f"load index + model + first search: {load_s:.1f} s")
    print(f"search latency ms: p50 {statistics.median(timings):.1f}, p95 {p95:.1f}, max {timings[-1]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
