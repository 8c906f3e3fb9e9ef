"""Errors raised by the knowledge engine; callers catch ``KnowledgeError`` and nothing wider.

KnowledgeError
 ├── ArticleError        one or more article files are missing fields or malformed
 ├── IndexNotBuiltError  no built index where the configuration points
 └── ConfigError         a setting in knowledge_base/search.yml or the environment is invalid
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class KnowledgeError(Exception):
    """Base class of every error this package raises."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one article file: the file, the field, and what is wrong."""

    path: Path
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.message}"


class ArticleError(KnowledgeError):
    """The articles cannot be loaded; ``problems`` lists every file and field at fault."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the articles:\n{lines}")


class IndexNotBuiltError(KnowledgeError):
    """There is no index to load; ``python -m bot.knowledge build`` makes one."""


class ConfigError(KnowledgeError):
    """A setting is missing or invalid; the message names the setting."""
