"""``python -m bot.knowledge``: validate the articles, build the index, try a search."""

from __future__ import annotations

import argparse
import json
import sys
import time

from bot.knowledge.articles import load_articles
from bot.knowledge.config import KnowledgeConfig
from bot.knowledge.embedding import SentenceTransformerEmbedder
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.index import build_index
from bot.knowledge.search import KnowledgeBase


def _validate(config: KnowledgeConfig, _: argparse.Namespace) -> int:
    articles = load_articles(config.articles_dir)
    published = sum(a.published for a in articles)
    print(f"{len(articles)} articles valid ({published} published) in {config.articles_dir}")
    return 0


def _build(config: KnowledgeConfig, _: argparse.Namespace) -> int:
    started = time.perf_counter()
    articles = load_articles(config.articles_dir)
    build = build_index(articles, SentenceTransformerEmbedder(), config.index_dir)
    meta = json.loads((build / "config.json").read_text())
    print(
        f"index built: {meta['article_count']} articles, {meta['vector_count']} vectors "
        f"({meta['embedded_this_build']} newly embedded) in {time.perf_counter() - started:.1f}s -> {build}"
    )
    return 0


def _search(config: KnowledgeConfig, args: argparse.Namespace) -> int:
    kb = KnowledgeBase(config.index_dir, SentenceTransformerEmbedder(), config.thresholds)
    result = kb.search(" ".join(args.query), tenant=args.tenant)
    out = {
        "decision": result.decision.kind.value,
        "articles": list(result.decision.article_ids),
        "ranked": [[article_id, round(score, 4)] for article_id, score in result.ranked[: args.top]],
        "latency_ms": round(result.latency_ms, 1),
    }
    print(json.dumps(out, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.knowledge", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("validate", help="check every article and report problems by file and field")
    commands.add_parser("build", help="validate, embed and make a new index current")
    search = commands.add_parser("search", help="show what the bot would decide for a question")
    search.add_argument("query", nargs="+")
    search.add_argument("--tenant", default=None)
    search.add_argument("--top", type=int, default=5)
    args = parser.parse_args(argv)
    handlers = {"validate": _validate, "build": _build, "search": _search}
    try:
        return handlers[args.command](KnowledgeConfig.load(), args)
    except KnowledgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
