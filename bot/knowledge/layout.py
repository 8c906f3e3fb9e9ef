"""The on-disk layout of a built index: the one module that knows its names and formats.

    <index root>/
      current -> builds/<name>     made current by atomically replacing the link, once complete
      builds/<name>/config.json    format version, model, counts, timings
      builds/<name>/articles.json  the published articles; row i of the other files is article i
      builds/<name>/vectors.faiss  the vectors (bot/knowledge/vectors.py)
      builds/<name>/bm25/          the lexical index (bot/knowledge/lexical.py)
      builds/<name>/classifier.npz the articles' classifier (bot/knowledge/classifier.py)
      embedding-cache.npz          vectors by content hash, shared by every build
      .build.lock                  held (flock) while a build is written: one builder at a time,
                                   across every process that shares the folder

Standard library only (plus the Article dataclass): the Rasa server reads ``articles.json``
through this module and must not load FAISS, numpy or a model to do it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bot.knowledge.articles import Article, Escalation
from bot.knowledge.errors import IndexNotBuiltError

INDEX_FORMAT = 4  # raise when a file's content or a name below changes: older builds are then refused
CURRENT = "current"
BUILDS = "builds"
CONFIG_FILE = "config.json"
ARTICLES_FILE = "articles.json"
VECTORS_FILE = "vectors.faiss"
LEXICAL_DIR = "bm25"
CLASSIFIER_FILE = "classifier.npz"
CACHE_FILE = "embedding-cache.npz"
LOCK_FILE = ".build.lock"
KEEP_OLD_BUILDS = 2
REBUILD = "run 'python -m bot.knowledge build' (or 'make index')"


def current_build(index_root: Path) -> Path:
    """The build directory the ``current`` link points at; IndexNotBuiltError if there is none."""
    link = index_root / CURRENT
    if not link.is_symlink() or not link.resolve().is_dir():
        raise IndexNotBuiltError(f"no index at {link}: {REBUILD}")
    return link.resolve()


def cache_path(index_root: Path) -> Path:
    return index_root / CACHE_FILE


@contextlib.contextmanager
def build_lock(index_root: Path, wait: bool = True) -> Iterator[bool]:
    """One build at a time per index folder, across processes: the command line and the watcher of
    every action-server replica sharing the folder. An OS lock, so the kernel frees it when its
    holder dies, even by SIGKILL. Yields True once held; with ``wait=False``, False at once if
    another process holds it (the caller then leaves the build to that process)."""
    index_root.mkdir(parents=True, exist_ok=True)
    with (index_root / LOCK_FILE).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def new_build(index_root: Path) -> Path:
    """A new, empty build directory; named by UTC time so that the newest sorts last (``prune`` relies
    on it), whichever replica sharing the folder made it and whatever its time zone."""
    now = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now // 10**9))
    build = index_root / BUILDS / f"{stamp}.{now % 10**9:09d}-{os.getpid()}"
    build.mkdir(parents=True)
    return build


def make_current(index_root: Path, build: Path) -> None:
    """Point ``current`` at ``build`` in one step: a reader sees the old build or the new one."""
    link = index_root / CURRENT
    tmp = index_root / f".{CURRENT}.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(build.relative_to(index_root))
    os.replace(tmp, link)


def prune(index_root: Path, keep: Path) -> None:
    """Delete what a killed builder left (a build without ``config.json``, which is written last)
    and all complete builds but ``keep`` and the newest ``KEEP_OLD_BUILDS`` others.

    Called with the build lock held, so no other build is being written. A replica still serving
    an older build read it whole when it loaded it, so its files can go; the builds kept cover a
    replica that is loading one while newer builds are made current."""
    others = sorted((p for p in (index_root / BUILDS).iterdir() if p != keep), key=lambda p: p.name)
    complete = [p for p in others if (p / CONFIG_FILE).exists()]
    kept = set(complete[-KEEP_OLD_BUILDS:] if KEEP_OLD_BUILDS else ())
    for old in others:
        if old not in kept:
            shutil.rmtree(old, ignore_errors=True)


def write_config(build: Path, config: Mapping[str, Any]) -> None:
    """Write a build's ``config.json``, stamped with this layout's format version."""
    stamped = {"format": INDEX_FORMAT, **config}
    stamped["format"] = INDEX_FORMAT  # first in the file, and never the caller's
    (build / CONFIG_FILE).write_text(json.dumps(stamped, indent=2), encoding="utf-8")


def read_config(build: Path) -> dict[str, Any]:
    """A build's ``config.json``; IndexNotBuiltError if it is missing or of another format."""
    config = _read_json(build / CONFIG_FILE)
    if not isinstance(config, dict) or config.get("format") != INDEX_FORMAT:
        raise IndexNotBuiltError(f"{build} was built by another version: {REBUILD}")
    return config


def write_articles(build: Path, articles: Iterable[Article]) -> None:
    """Write a build's ``articles.json``, in the order of the build's rows."""
    records = [_article_to_json(a) for a in articles]
    (build / ARTICLES_FILE).write_text(json.dumps(records, indent=1), encoding="utf-8")


def read_articles(build: Path) -> list[Article]:
    """A build's articles, in row order; IndexNotBuiltError if the file is missing or malformed."""
    path = build / ARTICLES_FILE
    records = _read_json(path)
    try:
        return [_article_from_json(record) for record in records]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise IndexNotBuiltError(f"{path} is malformed ({exc!r}): {REBUILD}") from exc


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexNotBuiltError(f"cannot read {path} ({exc}): {REBUILD}") from exc


def _article_to_json(article: Article) -> dict[str, Any]:
    data = asdict(article)
    data["review_by"] = article.review_by.isoformat()
    data["expires"] = article.expires.isoformat() if article.expires else None
    return data


def _article_from_json(data: dict[str, Any]) -> Article:
    escalation = data.get("escalation")
    return Article(
        id=data["id"],
        title=data["title"],
        category=data["category"],
        questions=tuple(data["questions"]),
        audience=None if data["audience"] is None else tuple(data["audience"]),
        owner=data["owner"],
        review_by=dt.date.fromisoformat(data["review_by"]),
        status=data["status"],
        body=data["body"],
        escalation=_escalation_from_json(escalation) if escalation else None,
        source=data.get("source", ""),
        kind=data["kind"],
        facets=tuple((str(name), str(value)) for name, value in data.get("facets", ())),
        expires=dt.date.fromisoformat(data["expires"]) if data.get("expires") else None,
    )


def _escalation_from_json(data: dict[str, Any]) -> Escalation:
    return Escalation(group=data["group"], priority=data["priority"], details=tuple(data.get("details", ())))
