"""Keep the index in step with the articles folder while the action server runs.

A knowledge editor saves a file; within ``poll_seconds`` the folder looks different, the articles
are validated and the index is rebuilt (only changed text is embedded) and made current, and the
next question is answered from it. A broken article is logged with its file and field, and the
index that was serving stays in place. No Rasa retraining is involved.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from bot.knowledge.build import build_index
from bot.knowledge.config import KnowledgeConfig
from bot.knowledge.embedding import Embedder
from bot.knowledge.errors import ArticleError, KnowledgeError
from bot.knowledge.validate import load_articles

log = logging.getLogger(__name__)

Snapshot = tuple[tuple[str, int, int], ...]


def snapshot(articles_dir: Path) -> Snapshot:
    """What the folder looks like: each Markdown file's path, modification time and size."""
    entries = []
    for path in sorted(articles_dir.rglob("*.md")):
        try:
            stat = path.stat()
        except OSError:  # deleted between listing and stat: the next poll sees it gone
            continue
        entries.append((str(path.relative_to(articles_dir)), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


class ArticleWatcher:
    """Polls the articles folder from a daemon thread and rebuilds the index when it changes."""

    def __init__(self, config: KnowledgeConfig, embedder: Embedder) -> None:
        self.config, self.embedder = config, embedder
        self._seen: Snapshot | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> bool:
        """Rebuild if the folder changed since the last check; True if a new index was made current."""
        now = snapshot(self.config.articles_dir)
        if now == self._seen:
            return False
        self._seen = now
        try:
            articles = load_articles(self.config.articles_dir, self.config.tenants)
            build = build_index(
                articles, self.embedder, self.config.index_dir, self.config.index, self.config.near_duplicate
            )
        except ArticleError as exc:
            for problem in exc.problems:
                log.error("articles changed but the index was not updated: %s", problem)
            return False
        log.info("articles changed: index rebuilt at %s", build)
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="article-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.check()
            except (KnowledgeError, OSError):  # keep watching: the next save may fix it
                log.exception("rebuilding the index failed")
            self._stop.wait(self.config.poll_seconds)
