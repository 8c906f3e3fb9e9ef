"""Settings of the knowledge engine, declared and read once: the environment (``SETTINGS``),
knowledge_base/search.yml (``SEARCH_FIELDS``, ``BLOCK_FIELDS``), the thresholds file it names
(``THRESHOLDS_FIELDS``) and knowledge_base/tenants.yml (bot/identity.py). Every error is one line
naming the file or the variable and the field.

The files are declared with bot/config.py's ``Field`` rather than pydantic models: the package's
``__init__`` names ``KnowledgeConfig`` for type checkers, so the Rasa environment (pydantic 1)
type-checks this module too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import (
    DIRECTORY,
    FILE,
    MAPPING,
    NAME,
    POSITIVE_SECONDS,
    ConfigurationError,
    Field,
    Kind,
    Setting,
    count,
    line,
    number,
    read_fields,
    read_settings,
    read_yaml,
    shown_path,
)
from bot.identity import load_tenants
from bot.knowledge.decision import Thresholds
from bot.knowledge.errors import ConfigError
from bot.paths import ARTICLES_DIR, INDEX_DIR, SEARCH_CONFIG, TENANTS_CONFIG

SEARCH_SETTING = "ASKIT_SEARCH_CONFIG"
TENANTS_SETTING = "ASKIT_TENANTS_CONFIG"
ARTICLES_SETTING = "ASKIT_ARTICLES_DIR"
INDEX_SETTING = "ASKIT_INDEX_DIR"
SETTINGS = (
    Setting(SEARCH_SETTING, FILE, "the search settings", default=SEARCH_CONFIG),
    Setting(TENANTS_SETTING, FILE, "the partner organisations", default=TENANTS_CONFIG),
    Setting(ARTICLES_SETTING, DIRECTORY, "the articles' Markdown files", default=ARTICLES_DIR),
    Setting(INDEX_SETTING, DIRECTORY, "the built index", default=INDEX_DIR),
)


def _fraction(value: Any) -> float:
    result = number(value, "must be a number from 0 to 1")
    if not 0 <= result <= 1:
        raise ValueError("must be a number from 0 to 1")
    return result


def _weight(value: Any) -> float:
    result = number(value, "must be a number, 0 or more")
    if result < 0:
        raise ValueError("must be a number, 0 or more")
    return result


FRACTION = Kind("a number from 0 to 1", _fraction)
SEARCH_FIELDS = (
    Field("thresholds_file", NAME, "the thresholds file, relative to this one", required=True),
    Field("index", MAPPING, "approximate_above, hnsw_neighbours, hnsw_search_depth", required=True),
    Field("validation", MAPPING, "near_duplicate", required=True),
    Field("watch", MAPPING, "poll_seconds", required=True),
    Field("fusion", MAPPING, "lexical_weight, classifier_weight", required=True),
)
BLOCK_FIELDS = {
    "index": (
        Field("approximate_above", count("vectors"), "vectors above which the index is approximate", required=True),
        Field("hnsw_neighbours", count("links"), "HNSW M: links per vector", required=True),
        Field("hnsw_search_depth", count("candidates"), "HNSW efSearch: candidates per query", required=True),
    ),
    "validation": (Field("near_duplicate", FRACTION, "cosine from which articles are near-duplicates", True),),
    "watch": (Field("poll_seconds", POSITIVE_SECONDS, "seconds between looks at the articles", required=True),),
    "fusion": (
        Field("lexical_weight", Kind("a number, 0 or more", _weight), "BM25's weight, 0 for none", True),
        Field("classifier_weight", FRACTION, "the classifier's share of the score, 0 for none", True),
    ),
}
THRESHOLDS_FIELDS = (Field("thresholds", MAPPING, "answer, clarify, margin", required=True),)
THRESHOLD_FIELDS = (
    Field("answer", FRACTION, "the score from which the best article is answered alone", required=True),
    Field("clarify", FRACTION, "the score from which articles are offered as choices", required=True),
    Field("margin", FRACTION, "how close to the best another article must be to be offered", required=True),
)


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
    classifier_weight: float

    @classmethod
    def load(cls, env: Mapping[str, str] = os.environ) -> KnowledgeConfig:
        """Paths from SETTINGS, the rest from the search file and the thresholds file it names."""
        paths = read_settings(env, SETTINGS, ConfigError)
        search_file = paths[SEARCH_SETTING]
        top = read_fields(read_yaml(search_file, ConfigError), SEARCH_FIELDS, search_file, "", ConfigError)
        block = {name: read_fields(top[name], f, search_file, name, ConfigError) for name, f in BLOCK_FIELDS.items()}
        thresholds_file = search_file.parent / top["thresholds_file"]
        if not thresholds_file.is_file():
            where = f"{shown_path(search_file)}: thresholds_file"
            raise ConfigError(line(where, "must name an existing file, relative to this one", top["thresholds_file"]))
        try:
            tenants = load_tenants(paths[TENANTS_SETTING]).ids
        except ConfigurationError as exc:
            raise ConfigError(str(exc)) from None
        return cls(
            articles_dir=paths[ARTICLES_SETTING],
            index_dir=paths[INDEX_SETTING],
            thresholds=load_thresholds(thresholds_file),
            thresholds_file=thresholds_file,
            tenants=tenants,
            index=IndexSettings(**block["index"]),
            near_duplicate=block["validation"]["near_duplicate"],
            poll_seconds=block["watch"]["poll_seconds"],
            lexical_weight=block["fusion"]["lexical_weight"],
            classifier_weight=block["fusion"]["classifier_weight"],
        )


def load_thresholds(path: Path) -> Thresholds:
    """The ``thresholds:`` block of a file written by ``calibrate`` (or by hand)."""
    top = read_fields(read_yaml(path, ConfigError), THRESHOLDS_FIELDS, path, "", ConfigError)
    values = read_fields(top["thresholds"], THRESHOLD_FIELDS, path, "thresholds", ConfigError)
    if values["clarify"] > values["answer"]:
        where = f"{shown_path(path)}: thresholds.clarify"
        raise ConfigError(line(where, f"must be at most thresholds.answer ({values['answer']:g})", values["clarify"]))
    return Thresholds(**values)
