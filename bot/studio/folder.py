"""The articles folder as the studio sees it: the live articles, read as the bot reads them, and
publishing as the bot expects it: a whole file put in place at once (written beside it, then
renamed over it), so the watcher never reads half an article."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bot.knowledge.articles import Article, read_articles
from bot.knowledge.errors import Problem


class ArticleFolder:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, category: str, article_id: str) -> Path:
        return self.root / category / f"{article_id}.md"

    def find(self, article_id: str) -> Path | None:
        """The file of the article ``article_id``, in whichever category folder it is."""
        return next(iter(sorted(self.root.glob(f"*/{article_id}.md"))), None)

    def text(self, article_id: str) -> str | None:
        path = self.find(article_id)
        try:
            return None if path is None else path.read_text(encoding="utf-8")
        except OSError:
            return None

    def articles(self) -> tuple[list[Article], list[Problem]]:
        return read_articles(self.root)

    def categories(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))

    def write(self, category: str, article_id: str, text: str) -> Path:
        """Put ``text`` live as the article's file, replacing it whole; the old file of an article
        moved to another category is removed after the new one is in place."""
        target = self.path(category, article_id)
        previous = self.find(article_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        # The temporary name does not end in .md, so the watcher never takes it for an article.
        handle, temporary = tempfile.mkstemp(prefix=f".{article_id}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o644)  # as a file saved by hand: readable by the bot and by git
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        if previous is not None and previous != target:
            previous.unlink(missing_ok=True)
        return target

    def remove(self, article_id: str) -> None:
        path = self.find(article_id)
        if path is not None:
            path.unlink(missing_ok=True)
