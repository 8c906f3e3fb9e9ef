"""`python -m bot.knowledge` as a knowledge editor runs it."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.config import KnowledgeConfig
from bot.knowledge.embedding import SentenceTransformerEmbedder
from bot.knowledge.watch import ArticleWatcher
from bot.paths import ROOT

ARTICLE = """---
id: vpn-connect
title: VPN will not connect
category: connectivity
questions: [vpn not working]
audience: all
owner: Network team
review_by: {review_by}
status: published
---
Restart the VPN app.
"""


def kb(*args: str, articles: Path, index: Path) -> subprocess.CompletedProcess[str]:
    """The command line as an editor runs it, with its own articles and index folders."""
    env = {**os.environ, "ASKIT_ARTICLES_DIR": str(articles), "ASKIT_INDEX_DIR": str(index)}
    return subprocess.run(
        [sys.executable, "-m", "bot.knowledge", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def built_one_article(tmp_path: Path) -> tuple[Path, Path, Path]:
    """An articles folder holding ARTICLE, built with ``build``: (articles, index, the article's file)."""
    articles, index = tmp_path / "articles", tmp_path / "index"
    path = articles / "connectivity" / "vpn-connect.md"
    path.parent.mkdir(parents=True)
    path.write_text(ARTICLE.format(review_by="2027-06-30"))
    built = kb("build", articles=articles, index=index)
    assert built.returncode == 0, built.stderr
    return articles, index, path


def test_a_malformed_article_stops_the_build_naming_file_and_field(tmp_path: Path) -> None:
    articles, index, path = built_one_article(tmp_path)
    current = (index / "current").resolve()

    path.write_text(ARTICLE.format(review_by="next year"))
    broken = kb("build", articles=articles, index=index)
    assert broken.returncode == 1
    assert f"{path}: review_by: must be a date written YYYY-MM-DD, got 'next year'" in broken.stderr
    assert (index / "current").resolve() == current  # the index that was serving stays in place

    path.unlink()
    empty = kb("validate", articles=articles, index=index)
    assert empty.returncode == 1 and "holds no articles" in empty.stderr


def test_a_replica_started_after_a_build_by_hand_builds_nothing(tmp_path: Path) -> None:
    """'make index' then the action servers: the build records what it was made from, and a
    replica's start-up finds it up to date."""
    articles, index, _ = built_one_article(tmp_path)
    config = dataclasses.replace(KnowledgeConfig.load({}), articles_dir=articles, index_dir=index)
    assert not ArticleWatcher(config, SentenceTransformerEmbedder()).check(wait=True)


CORPUS: list[dict[str, Any]] = [
    {"id": "recipe-1", "title": "Baking sourdough bread", "questions": ["how long do I prove the dough"], "body": ""},
    {"id": "recipe-2", "title": "Making fresh pasta", "questions": [], "body": "Mix flour and eggs, knead, roll thin."},
    {"id": "recipe-3", "title": "Roasting a chicken", "questions": ["what oven temperature for chicken"]},
]
QUERIES: list[dict[str, Any]] = [
    {"text": "my sourdough loaf is flat", "expected": "recipe-1"},
    {"text": "rolling out pasta sheets", "expected": "recipe-2", "tenant": None},
    {"text": "how hot should the oven be to roast a chicken", "expected": "recipe-3", "accept": ["recipe-2"]},
    {"text": "how do I change a car tyre", "expected": None},
    {"text": "what is the capital of Peru", "expected": None},
]


def jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_calibrate_and_eval_work_on_any_jsonl_collection(tmp_path: Path) -> None:
    corpus, queries = jsonl(tmp_path / "corpus.jsonl", CORPUS), jsonl(tmp_path / "queries.jsonl", QUERIES)
    where = {"articles": tmp_path / "no-articles", "index": tmp_path / "no-index"}  # never read with --corpus
    thresholds, output = tmp_path / "thresholds.yml", tmp_path / "results.jsonl"
    run = kb(
        "calibrate", "--corpus", str(corpus), "--queries", str(queries), "--thresholds-out", str(thresholds), **where
    )
    assert run.returncode == 0, run.stderr
    chosen = yaml.safe_load(thresholds.read_text())["thresholds"]
    assert set(chosen) == {"answer", "clarify", "margin"}
    assert thresholds.read_text().startswith("# Written by 'python -m bot.knowledge calibrate'")

    run = kb(
        "eval",
        "--corpus",
        str(corpus),
        "--queries",
        str(queries),
        "--thresholds",
        str(thresholds),
        "--output",
        str(output),
        "--json",
        **where,
    )
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout[run.stdout.index("{") :])
    assert summary["answerable"] == 3 and summary["null"] == 2
    assert summary["top1"] == 1.0  # three distinct topics: the model must rank each first
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert [line["text"] for line in lines] == [q["text"] for q in QUERIES]
    assert set(lines[0]) == {"text", "tenant", "decision", "ranked", "scores", "latency_ms"}
    assert lines[0]["ranked"][0] == "recipe-1" and len(lines[0]["ranked"]) == len(lines[0]["scores"]) == 3
    assert lines[3]["decision"] == "escalate" and lines[4]["decision"] == "escalate"


def test_a_bad_query_line_is_named_with_its_line_number(tmp_path: Path) -> None:
    corpus = jsonl(tmp_path / "corpus.jsonl", CORPUS)
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"text": "bread", "expected": "recipe-1"}\n{"text": "pasta", "expected": 7}\n')
    run = kb("eval", "--corpus", str(corpus), "--queries", str(queries), articles=tmp_path, index=tmp_path)
    assert run.returncode == 1
    assert f"{queries}:2: expected: must be an article id or null" in run.stderr
