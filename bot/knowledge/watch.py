"""Keep the index in step with the articles folder while the action server runs.

A knowledge editor saves a file; within ``poll_seconds`` the folder looks different, the articles
are validated and the index is rebuilt (only changed text is embedded) and made current, and the
next question is answered from it. A broken article is logged with its file and field, and the
index that was serving stays in place. No Rasa retraining is involved.

Several action-server replicas may share the folder and its index: one of them builds (the one
that takes the build lock), the others build nothing and follow the ``current`` link to the new
build (``bot/knowledge/search.py``). A replica that sees the change after the build was made finds
the build's recorded source hash equal to the folder's, and builds nothing either.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from bot.knowledge import layout
from bot.knowledge.build import build_index, built_from, source_hash
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

    @property
    def seen(self) -> Snapshot | None:
        """The folder as this watcher last looked at it: built (by itself or another process), or
        being built by this watcher, or found broken."""
        return self._seen

    def check(self, wait: bool = False) -> bool:
        """Rebuild if the folder changed since the last look and the current build was not made from
        what it holds now; True if this call made a new build current. While another process holds
        the build lock, builds nothing (and looks again next time), unless ``wait``: at start-up,
        a replica waits for that build and then finds it up to date."""
        now = snapshot(self.config.articles_dir)
        if now == self._seen:
            return False
        # Seen before the lock is taken: a folder whose lock cannot be opened (read-only) is logged
        # once per change, not at every look.
        before, self._seen = self._seen, now
        with layout.build_lock(self.config.index_dir, wait=wait) as held:
            if not held:
                self._seen = before  # the other build may be of an older folder: look again next time
                return False
            source = source_hash(self.config.articles_dir, self.embedder, self.config.index)
            if built_from(self.config.index_dir) == source:
                return False
            try:
                articles = load_articles(self.config.articles_dir, self.config.tenants)
                build = build_index(
                    articles,
                    self.embedder,
                    self.config.index_dir,
                    self.config.index,
                    self.config.near_duplicate,
                    source=source,
                    locked=True,
                )
            except ArticleError as exc:
                for problem in exc.problems:
                    log.error("articles changed but the index was not updated: %s", problem)
                return False
        log.info("articles changed: index rebuilt at %s", build)
        return True

    def start_up(self) -> None:
        """Before the index loads: build it if the folder changed since the current build (or there
        is none). Replicas started together share the work: one builds, the others wait for its lock
        and then find its build up to date. A failure is logged, as the thread does; the current
        build, if there is one, serves."""
        self._check_logged(wait=True)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="article-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._check_logged()
            self._stop.wait(self.config.poll_seconds)

    def _check_logged(self, wait: bool = False) -> None:
        try:
            self.check(wait)
        except (KnowledgeError, OSError):  # keep watching: the next save may fix it
            log.exception("rebuilding the index failed")
