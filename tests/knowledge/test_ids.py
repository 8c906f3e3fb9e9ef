"""The article-id grammar: one definition in Python, and the web widget's copy kept equal to it."""

from __future__ import annotations

import re

import pytest

from bot.knowledge.ids import ARTICLE_ID_PATTERN, is_article_id
from bot.paths import ROOT

MARKDOWN_JS = ROOT / "bot" / "web" / "markdown.js"
JS_ARTICLE_ID = re.compile(r"var ARTICLE_ID = /\^(?P<source>.+)\$/;")


@pytest.mark.parametrize("text", ["vpn-connect", "a", "wifi-5g", "2fa", "x1-y2-z3"])
def test_article_ids(text: str) -> None:
    assert is_article_id(text)


@pytest.mark.parametrize(
    "text", ["", "VPN", "vpn--connect", "-vpn", "vpn-", "vpn connect", "a/b", "../x", "kb:x", "vpn_x", "vpn\n", "é"]
)
def test_not_article_ids(text: str) -> None:
    assert not is_article_id(text)


def test_the_widget_checks_ids_with_the_same_grammar() -> None:
    found = JS_ARTICLE_ID.findall(MARKDOWN_JS.read_text(encoding="utf-8"))
    assert found == [ARTICLE_ID_PATTERN], f"{MARKDOWN_JS}: ARTICLE_ID must be /^{ARTICLE_ID_PATTERN}$/"
