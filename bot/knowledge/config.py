"""Settings of the knowledge engine, read once from knowledge_base/*.yml and the environment.

Every error names the file and the setting at fault.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bot.knowledge.decision import Thresholds
from bot.knowledge.errors import ConfigError
from bot.paths import ARTICLES_DIR, INDEX_DIR, SEARCH_CONFIG, TENANTS_CONFIG

T = TypeVar("T")


@dataclass(frozen=True)
class IndexSettings:
    approximate_above: int = 50_000  # vectors
    hnsw_neighbours: int = 32
    hnsw_search_depth: int = 128


@dataclass(frozen=True)
class KnowledgeConfig:
    articles_dir: Path
    index_dir: Path
    thresholds: Thresholds
    thresholds_file: Path
    tenants: frozenset[str]
    index: IndexSettings
    near_duplicate: float
    poll_seconds: float
    lexical_weight: float

    @classmethod
    def load(cls, env: Mapping[str, str] = os.environ) -> KnowledgeConfig:
        """Paths from ASKIT_ARTICLES_DIR / ASKIT_INDEX_DIR / ASKIT_TENANTS_CONFIG, the rest from
        ASKIT_SEARCH_CONFIG (default knowledge_base/search.yml) and the thresholds file it names."""
        search_path = Path(env.get("ASKIT_SEARCH_CONFIG", SEARCH_CONFIG))
        search = _Settings(search_path)
        thresholds_file = search_path.parent / search.get("thresholds_file", str)
        tenants_path = Path(env.get("ASKIT_TENANTS_CONFIG", TENANTS_CONFIG))
        tenants = _Settings(tenants_path).get("tenants", dict)
        return cls(
            articles_dir=Path(env.get("ASKIT_ARTICLES_DIR", ARTICLES_DIR)),
            index_dir=Path(env.get("ASKIT_INDEX_DIR", INDEX_DIR)),
            thresholds=load_thresholds(thresholds_file),
            thresholds_file=thresholds_file,
            tenants=frozenset(tenants),
            index=IndexSettings(
                approximate_above=search.get("index.approximate_above", int),
                hnsw_neighbours=search.get("index.hnsw_neighbours", int),
                hnsw_search_depth=search.get("index.hnsw_search_depth", int),
            ),
            near_duplicate=search.get("validation.near_duplicate", float),
            poll_seconds=search.get("watch.poll_seconds", float),
            lexical_weight=search.get("fusion.lexical_weight", float),
        )


def load_thresholds(path: Path) -> Thresholds:
    """The ``thresholds:`` block of a file written by ``calibrate`` (or by hand)."""
    settings = _Settings(path)
    try:
        return Thresholds(
            answer=settings.get("thresholds.answer", float),
            clarify=settings.get("thresholds.clarify", float),
            margin=settings.get("thresholds.margin", float),
        )
    except ValueError as exc:
        raise ConfigError(f"{path}: thresholds are invalid: {exc}") from exc


class _Settings:
    """One YAML file of settings, read with dotted names and checked types."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.data: Any = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path}: cannot be read: {exc}") from exc

    def get(self, name: str, kind: Callable[[Any], T]) -> T:
        value = self.data
        for part in name.split("."):
            if not isinstance(value, dict) or part not in value:
                raise ConfigError(f"{self.path}: setting {name} is missing")
            value = value[part]
        if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
            return kind(value)
        if not isinstance(value, kind) or isinstance(value, bool):  # type: ignore[arg-type]
            raise ConfigError(f"{self.path}: setting {name} must be {getattr(kind, '__name__', kind)}, got {value!r}")
        return value
