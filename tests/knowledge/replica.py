"""An action-server replica's knowledge base as a process that tests start, question and kill: it
brings the shared index up to date at start-up and watches the articles as ``bot/services.py``
does, with the fake embedder, and answers one JSON line per question line on stdin.

    python -m tests.knowledge.replica ARTICLES INDEX WORK

The embedder stalls (as a builder mid-build) on a text with ``STALL_WORD`` while ``WORK/stall``
exists, after creating ``WORK/stalled-<pid>`` to say so; the question thread keeps answering.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.knowledge.config import KnowledgeConfig
from bot.knowledge.search import KnowledgeBase
from bot.knowledge.watch import ArticleWatcher, snapshot
from tests.fakes import FakeEmbedder

STALL_WORD = "stallword"
STALL_FILE = "stall"
STALLED_PREFIX = "stalled-"
READY = "ready"
POLL_SECONDS = 0.1


class StallingEmbedder(FakeEmbedder):
    def __init__(self, work: Path) -> None:
        super().__init__()
        self.work = work

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        if (self.work / STALL_FILE).exists() and any(STALL_WORD in text for text in texts):
            (self.work / f"{STALLED_PREFIX}{os.getpid()}").touch()
            threading.Event().wait()  # until the test kills this process
        return super().encode(texts, progress)


def main(argv: list[str]) -> int:
    articles, index, work = (Path(arg) for arg in argv)
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {os.getpid()} %(name)s: %(message)s")
    config = dataclasses.replace(
        KnowledgeConfig.load({}), articles_dir=articles, index_dir=index, poll_seconds=POLL_SECONDS
    )
    embedder = StallingEmbedder(work)
    watcher = ArticleWatcher(config, embedder)
    watcher.start_up()  # as Services.from_env does, before the index loads
    kb = KnowledgeBase(index, embedder, config.thresholds)
    watcher.start()
    print(READY, flush=True)
    for line in sys.stdin:
        result = kb.search(line.strip())
        reply = {
            "build": kb.index.build.name,
            "answer": list(result.decision.article_ids),
            "up_to_date": watcher.seen == snapshot(articles),
        }
        print(json.dumps(reply), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
