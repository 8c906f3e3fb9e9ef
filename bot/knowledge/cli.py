"""``python -m bot.knowledge``: check articles, build the index, search, and measure answer quality.

validate   check every article; problems name the file and the field
build      validate, embed what changed, and make a new index current
search     show what the bot would decide for one question
stats      what the knowledge base holds and what needs attention
calibrate  choose decision thresholds from labelled questions (dev split)
eval       score rankings and decisions on labelled questions (test split)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import shlex
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import yaml

from bot.knowledge.build import build_index, source_hash
from bot.knowledge.cache import EmbeddingCache
from bot.knowledge.calibrate import MAX_NULL_ANSWERED, MAX_WRONG, calibrate
from bot.knowledge.config import KnowledgeConfig, load_thresholds
from bot.knowledge.embedding import SentenceTransformerEmbedder
from bot.knowledge.errors import ArticleError, KnowledgeError
from bot.knowledge.evaluation import load_corpus, load_queries, rank_all, result_lines, summarise
from bot.knowledge.layout import cache_path, current_build, read_config
from bot.knowledge.recipe import content_vectors
from bot.knowledge.search import KnowledgeBase
from bot.knowledge.validate import load_articles, near_duplicates, overdue_reviews


def _validate(config: KnowledgeConfig, args: argparse.Namespace) -> int:
    articles = load_articles(config.articles_dir, config.tenants)
    embedder = SentenceTransformerEmbedder()
    with tempfile.TemporaryDirectory() as scratch:
        cache_file = cache_path(config.index_dir)
        cache = EmbeddingCache(cache_file if cache_file.exists() else Path(scratch) / "cache.npz", embedder)
        duplicates = near_duplicates(articles, content_vectors(articles, embedder, cache), config.near_duplicate)
    if duplicates:
        raise ArticleError(duplicates)
    for warning in overdue_reviews(articles, dt.date.today()):
        print(f"warning: {warning}")
    published = sum(a.published for a in articles)
    print(
        f"{len(articles)} articles valid ({published} published, {len(articles) - published} draft) "
        f"in {config.articles_dir}"
    )
    return 0


def _build(config: KnowledgeConfig, args: argparse.Namespace) -> int:
    started = time.perf_counter()
    embedder = SentenceTransformerEmbedder()
    source = source_hash(config.articles_dir, embedder, config.index)  # before reading: see source_hash
    articles = load_articles(config.articles_dir, config.tenants)
    build = build_index(
        articles, embedder, config.index_dir, config.index, config.near_duplicate, progress=True, source=source
    )
    meta = read_config(build)
    print(
        f"index built: {meta['article_count']} articles, {meta['vector_count']} vectors "
        f"({meta['embedded_this_build']} newly embedded, {meta['kind']} search) "
        f"in {time.perf_counter() - started:.1f}s -> {build}"
    )
    return 0


def _search(config: KnowledgeConfig, args: argparse.Namespace) -> int:
    kb = KnowledgeBase.from_config(config, SentenceTransformerEmbedder())
    result = kb.search(" ".join(args.query), tenant=args.tenant)
    out = {
        "decision": result.decision.kind.value,
        "articles": list(result.decision.article_ids),
        "ranked": [[article_id, round(score, 4)] for article_id, score in result.ranked[: args.top]],
        "latency_ms": round(result.latency_ms, 1),
    }
    print(json.dumps(out, indent=2))
    return 0


def _stats(config: KnowledgeConfig, args: argparse.Namespace) -> int:
    articles = load_articles(config.articles_dir, config.tenants)
    today = dt.date.today()
    soon = today + dt.timedelta(days=args.due_within)
    out = {
        "articles": len(articles),
        "published": sum(a.published for a in articles),
        "draft": sum(not a.published for a in articles),
        "by_category": dict(sorted(Counter(a.category for a in articles).items())),
        "by_audience": dict(sorted(Counter(",".join(a.audience) if a.audience else "all" for a in articles).items())),
        "by_resolver_group": dict(
            sorted(Counter(a.escalation.group if a.escalation else "(none)" for a in articles).items())
        ),
        "questions_per_article": round(sum(len(a.questions) for a in articles) / max(len(articles), 1), 1),
        "review_overdue": sorted(a.id for a in articles if a.review_by < today),
        f"review_due_within_{args.due_within}_days": sorted(a.id for a in articles if today <= a.review_by <= soon),
        "thresholds": vars(config.thresholds),
    }
    with contextlib.suppress(KnowledgeError):
        out["index"] = read_config(current_build(config.index_dir))
    print(json.dumps(out, indent=2, default=str))
    return 0


@contextlib.contextmanager
def _knowledge_base(config: KnowledgeConfig, args: argparse.Namespace) -> Iterator[KnowledgeBase]:
    """The current index, or with --corpus a temporary index of that collection."""
    embedder = SentenceTransformerEmbedder()
    if args.corpus is None:
        yield KnowledgeBase.from_config(config, embedder)
        return
    with tempfile.TemporaryDirectory(prefix="askit-corpus-") as scratch:
        build_index(load_corpus(args.corpus), embedder, Path(scratch), config.index, progress=True)
        yield KnowledgeBase.from_config(config, embedder, Path(scratch))


def _calibrate(config: KnowledgeConfig, args: argparse.Namespace) -> int:
    queries = load_queries(args.queries)
    with _knowledge_base(config, args) as kb:
        rankings = rank_all(kb, queries)
    chosen = calibrate(rankings, max_wrong=args.max_wrong, max_null_answered=args.max_null_answered)
    summary = summarise(rankings, chosen.thresholds)
    t = chosen.thresholds
    header = [
        "Written by 'python -m bot.knowledge calibrate'; do not tune by hand, re-run it:",
        "  python -m bot.knowledge " + shlex.join(sys.argv[1:] if args.argv is None else args.argv),
        f"on {dt.date.today().isoformat()}, {len(queries)} questions, {chosen.combinations} combinations tried,",
        f"targets: wrong answers <= {args.max_wrong:.0%} of answerable, answered <= {args.max_null_answered:.0%} "
        "of no-article questions.",
        f"On these questions: answered correctly {summary['answered_correctly']:.1%}, wrongly "
        f"{summary['answered_wrongly']:.1%}; no-article questions answered {summary['null_answered']:.1%}, "
        f"told where to go instead {summary['null_elsewhere']:.1%}.",
    ]
    body = {"thresholds": {"answer": t.answer, "clarify": t.clarify, "margin": t.margin}}
    args.thresholds_out.write_text("".join(f"# {line}\n" for line in header) + yaml.safe_dump(body, sort_keys=False))
    print("\n".join(header))
    print(f"thresholds: answer {t.answer}, clarify {t.clarify}, margin {t.margin} -> {args.thresholds_out}")
    return 0


def _eval(config: KnowledgeConfig, args: argparse.Namespace) -> int:
    queries = load_queries(args.queries)
    thresholds = load_thresholds(args.thresholds) if args.thresholds else config.thresholds
    with _knowledge_base(config, args) as kb:
        rankings = rank_all(kb, queries)
    if args.output:
        lines = result_lines(rankings, thresholds)
        args.output.write_text("".join(json.dumps(line) + "\n" for line in lines))
    summary = summarise(rankings, thresholds)
    print(json.dumps(summary, indent=2) if args.json else format_summary(summary))
    return 0


def format_summary(s: dict[str, float | int]) -> str:
    return "\n".join(
        [
            f"{s['queries']} questions: {s['answerable']} with an article, {s['null']} without",
            f"ranking:   top-1 {s['top1']:.3f}   top-3 {s['top3']:.3f}   MRR@10 {s['mrr10']:.3f}",
            f"answerable: answered correctly {s['answered_correctly']:.1%}, answered wrongly "
            f"{s['answered_wrongly']:.1%}, right article among choices {s['clarified_with_answer']:.1%}, "
            f"escalated {s['escalated_answerable']:.1%}",
            f"no article: escalated {s['null_escalated']:.1%}, clarified {s['null_clarified']:.1%}, "
            f"answered (wrongly) {s['null_answered']:.1%}",
            f"latency:   p50 {s['latency_p50_ms']:.1f} ms   p95 {s['latency_p95_ms']:.1f} ms",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.knowledge", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("validate", help="check every article and report problems by file and field")
    commands.add_parser("build", help="validate, embed and make a new index current")
    search = commands.add_parser("search", help="show what the bot would decide for a question")
    search.add_argument("query", nargs="+")
    search.add_argument("--tenant", default=None)
    search.add_argument("--top", type=int, default=5)
    stats = commands.add_parser("stats", help="what the knowledge base holds and what needs attention")
    stats.add_argument("--due-within", type=int, default=30, metavar="DAYS")
    for name, helptext in (("calibrate", "choose thresholds on labelled questions"), ("eval", "measure quality")):
        sub = commands.add_parser(name, help=helptext)
        sub.add_argument("--queries", type=Path, required=True, help="JSONL: text, expected, accept, tenant")
        sub.add_argument("--corpus", type=Path, help="JSONL collection to search instead of the built index")
    calibrate_args = commands.choices["calibrate"]
    calibrate_args.add_argument("--thresholds-out", type=Path, required=True)
    calibrate_args.add_argument("--max-wrong", type=float, default=MAX_WRONG)
    calibrate_args.add_argument("--max-null-answered", type=float, default=MAX_NULL_ANSWERED)
    eval_args = commands.choices["eval"]
    eval_args.add_argument("--thresholds", type=Path, help="a file written by calibrate (default: the configured one)")
    eval_args.add_argument("--output", type=Path, help="write one JSON line per question here")
    eval_args.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    args.argv = argv
    handlers = {
        "validate": _validate,
        "build": _build,
        "search": _search,
        "stats": _stats,
        "calibrate": _calibrate,
        "eval": _eval,
    }
    try:
        return handlers[args.command](KnowledgeConfig.load(), args)
    except KnowledgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
