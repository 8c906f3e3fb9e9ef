from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.knowledge.config import KnowledgeConfig
from bot.knowledge.errors import ConfigError
from bot.paths import SEARCH_CONFIG, TENANTS_CONFIG


def config_in(tmp_path: Path, search: str | None = None, thresholds: str | None = None) -> dict[str, str]:
    search_path = tmp_path / "search.yml"
    if search is None:
        shutil.copy(SEARCH_CONFIG, search_path)
    else:
        search_path.write_text(search)
    (tmp_path / "thresholds.yml").write_text(thresholds or "thresholds: {answer: 0.6, clarify: 0.4, margin: 0.05}\n")
    return {"ASKIT_SEARCH_CONFIG": str(search_path), "ASKIT_TENANTS_CONFIG": str(TENANTS_CONFIG)}


def test_the_shipped_configuration_loads() -> None:
    config = KnowledgeConfig.load({})
    assert config.tenants == {"northbrook", "riverside", "southmere"}
    assert 0 < config.thresholds.clarify <= config.thresholds.answer < 1
    assert config.poll_seconds > 0 and 0 < config.near_duplicate <= 1


def test_config_names_the_missing_setting(tmp_path: Path) -> None:
    env = config_in(tmp_path, thresholds="thresholds:\n  answer: 0.6\n  margin: 0.1\n")
    with pytest.raises(ConfigError) as raised:
        KnowledgeConfig.load(env)
    expected = "thresholds.clarify: is missing (the score from which articles are offered as choices)"
    assert str(raised.value) == f"{tmp_path / 'thresholds.yml'}: {expected}"


def test_config_names_a_setting_of_the_wrong_type(tmp_path: Path) -> None:
    env = config_in(tmp_path, search=SEARCH_CONFIG.read_text().replace("poll_seconds: 1.0", "poll_seconds: often"))
    with pytest.raises(ConfigError) as raised:
        KnowledgeConfig.load(env)
    assert (
        str(raised.value) == f"{tmp_path / 'search.yml'}: watch.poll_seconds: must be a number of seconds, got 'often'"
    )


def test_thresholds_out_of_order_are_refused(tmp_path: Path) -> None:
    env = config_in(tmp_path, thresholds="thresholds: {answer: 0.3, clarify: 0.5, margin: 0.05}\n")
    with pytest.raises(ConfigError) as raised:
        KnowledgeConfig.load(env)
    expected = "thresholds.clarify: must be at most thresholds.answer (0.3), got 0.5"
    assert str(raised.value) == f"{tmp_path / 'thresholds.yml'}: {expected}"
