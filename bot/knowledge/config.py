"""Settings of the knowledge engine, read once from knowledge_base/search.yml and the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.knowledge.decision import Thresholds
from bot.knowledge.errors import ConfigError
from bot.paths import ARTICLES_DIR, INDEX_DIR, SEARCH_CONFIG


@dataclass(frozen=True)
class KnowledgeConfig:
    articles_dir: Path
    index_dir: Path
    thresholds: Thresholds

    @classmethod
    def load(cls, env: Mapping[str, str] = os.environ) -> KnowledgeConfig:
        """Paths from ASKIT_ARTICLES_DIR / ASKIT_INDEX_DIR, thresholds from ASKIT_SEARCH_CONFIG."""
        config_path = Path(env.get("ASKIT_SEARCH_CONFIG", SEARCH_CONFIG))
        try:
            data = yaml.safe_load(config_path.read_text()) or {}
            raw = data["thresholds"]
            thresholds = Thresholds(
                answer=float(raw["answer"]), clarify=float(raw["clarify"]), margin=float(raw["margin"])
            )
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{config_path}: cannot be read: {exc}") from exc
        except KeyError as exc:
            raise ConfigError(f"{config_path}: setting thresholds.{exc.args[0]} is missing") from exc
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{config_path}: thresholds are invalid: {exc}") from exc
        return cls(
            articles_dir=Path(env.get("ASKIT_ARTICLES_DIR", ARTICLES_DIR)),
            index_dir=Path(env.get("ASKIT_INDEX_DIR", INDEX_DIR)),
            thresholds=thresholds,
        )
