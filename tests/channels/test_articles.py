"""Article links and the published articles the article pages serve, read from the built index."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bot.channels.articles import (
    PublishedArticles,
    article_url,
    article_url_template,
    full_article_url,
    index_dir,
)
from bot.knowledge.articles import Article, Escalation
from bot.knowledge.layout import ARTICLES_FILE, BUILDS, make_current, write_articles


@pytest.mark.parametrize(
    "env,expected",
    [
        ({}, "http://127.0.0.1:5005/webhooks/webchat/articles/vpn-connect"),
        ({"ASKIT_PUBLIC_URL": "https://askit.example/"}, "https://askit.example/webhooks/webchat/articles/vpn-connect"),
        (
            {"ASKIT_PUBLIC_URL": "https://askit.example", "ASKIT_ARTICLE_URL": "https://intranet.example/it/kb/{id}"},
            "https://intranet.example/it/kb/vpn-connect",
        ),
    ],
)
def test_article_url(env: dict[str, str], expected: str) -> None:
    assert article_url("vpn-connect", "http://127.0.0.1:5005", env) == expected


@pytest.mark.parametrize("bad", ["", "VPN", "../secret", "vpn--connect", "-vpn", "vpn connect", "a/b", "kb:x"])
def test_only_article_ids_make_urls(bad: str) -> None:
    with pytest.raises(ValueError, match="not an article id"):
        article_url(bad, "https://askit.example", {})


@pytest.mark.parametrize(
    "env,setting",
    [
        ({"ASKIT_ARTICLE_URL": "https://intranet.example/kb/"}, "ASKIT_ARTICLE_URL"),
        ({"ASKIT_ARTICLE_URL": "javascript:alert({id})"}, "ASKIT_ARTICLE_URL"),
        ({"ASKIT_PUBLIC_URL": "askit.example"}, "ASKIT_PUBLIC_URL"),
    ],
)
def test_malformed_link_settings_are_named(env: dict[str, str], setting: str) -> None:
    with pytest.raises(ValueError, match=setting):
        article_url_template("https://askit.example", env)


def test_the_index_dir_setting(tmp_path: Path) -> None:
    assert index_dir({"ASKIT_INDEX_DIR": str(tmp_path)}) == tmp_path
    assert index_dir({}).name == "index"


def article(article_id: str, **fields: Any) -> Article:
    """A published article for every partner; ``fields`` override (``audience`` may be a list)."""
    if fields.get("audience") is not None:
        fields["audience"] = tuple(fields["audience"])
    default = Article(
        id=article_id,
        title=f"Title of {article_id}",
        category="network",
        questions=(f"question about {article_id}",),
        audience=None,
        owner="Network team",
        review_by=dt.date(2030, 1, 1),
        status="published",
        body="Body",
        escalation=Escalation(group="network", priority="P3"),
        source="/srv/articles/x.md",
    )
    return dataclasses.replace(default, **fields)


def build(index_root: Path, name: str, articles: list[Article]) -> Path:
    """Write a build's articles with the index builder's own writer and make it current."""
    directory = index_root / BUILDS / name
    directory.mkdir(parents=True)
    write_articles(directory, articles)
    make_current(index_root, directory)
    return directory


def test_published_partner_wide_articles_are_served_without_internal_fields(tmp_path: Path) -> None:
    build(
        tmp_path,
        "b1",
        [
            article("vpn-connect"),
            article("riverside-only", audience=["riverside"]),
            article("draft-one", status="draft"),
            article("Bad Id"),
        ],
    )
    articles = PublishedArticles(tmp_path)
    assert articles.get("vpn-connect") == {
        "id": "vpn-connect",
        "title": "Title of vpn-connect",
        "category": "network",
        "body": "Body",
    }
    for hidden in ("riverside-only", "draft-one", "Bad Id", "broken", "no-such-article", "../b1"):
        assert articles.get(hidden) is None


def test_a_rebuilt_index_is_read_again(tmp_path: Path) -> None:
    build(tmp_path, "b1", [article("vpn-connect")])
    articles = PublishedArticles(tmp_path)
    assert articles.get("vpn-connect") is not None and articles.get("smart-lockers") is None
    build(tmp_path, "b2", [article("smart-lockers", body="New body")])
    assert articles.get("vpn-connect") is None
    new = articles.get("smart-lockers")
    assert new is not None and new["body"] == "New body"


def test_a_build_with_an_unreadable_articles_file_leaves_the_last_articles_served(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    build(tmp_path, "b1", [article("vpn-connect")])
    articles = PublishedArticles(tmp_path)
    assert articles.get("vpn-connect") is not None
    damaged = build(tmp_path, "b2", [article("smart-lockers")]) / ARTICLES_FILE
    damaged.write_text(damaged.read_text()[:40])  # cut short, as by a full disk
    assert articles.get("vpn-connect") is not None and articles.get("smart-lockers") is None
    assert articles.get("vpn-connect") is not None
    assert len([r for r in caplog.records if "no article pages" in r.message]) == 1


def test_without_an_index_nothing_is_served(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    articles = PublishedArticles(tmp_path / "missing")
    assert articles.get("vpn-connect") is None and articles.get("vpn-connect") is None
    assert len([r for r in caplog.records if "no article pages" in r.message]) == 1  # said once, not per request


@pytest.mark.parametrize(
    "article_id,base_url,env,expected",
    [
        ("vpn-connect", "https://askit.example", {}, "https://askit.example/webhooks/webchat/articles/vpn-connect"),
        ("riverside-only", "https://askit.example", {}, None),  # this server does not show it
        ("no-such-article", "https://askit.example", {}, None),
        ("vpn-connect", "", {}, None),  # no address to link from yet
        (
            "vpn-connect",
            "",
            {"ASKIT_PUBLIC_URL": "https://askit.example"},
            "https://askit.example/webhooks/webchat/articles/vpn-connect",
        ),
        (
            "riverside-only",
            "https://askit.example",
            {"ASKIT_ARTICLE_URL": "https://intranet.example/kb/{id}"},
            "https://intranet.example/kb/riverside-only",
        ),
    ],
)
def test_the_full_article_link_of_an_answer(
    tmp_path: Path, article_id: str, base_url: str, env: dict[str, str], expected: str | None
) -> None:
    build(tmp_path, "b1", [article("vpn-connect"), article("riverside-only", audience=["riverside"])])
    assert full_article_url(article_id, base_url, PublishedArticles(tmp_path), env) == expected
