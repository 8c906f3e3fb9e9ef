"""Checks across the collection: each problem names the file and the field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from bot.knowledge.build import build_index
from bot.knowledge.cache import EmbeddingCache
from bot.knowledge.errors import ArticleError
from bot.knowledge.layout import ARTICLES_FILE
from bot.knowledge.recipe import content_vectors
from bot.knowledge.validate import (
    collection_problems,
    load_articles,
    near_duplicates,
    near_duplicates_of,
    overdue_reviews,
)
from tests.fakes import FakeEmbedder, make_article
from tests.knowledge.test_articles import GOOD, write

TENANTS = {"northbrook", "riverside", "southmere"}


def article_file(article_id: str, category: str = "connectivity") -> str:
    text = GOOD.replace("id: vpn-connect", f"id: {article_id}").replace(
        "category: connectivity", f"category: {category}"
    )
    return text.replace("  - vpn not working\n  - can't connect to the vpn\n", f"  - {article_id} question\n")


def problems_in(root: Path, tenants: set[str] | None = TENANTS) -> str:
    with pytest.raises(ArticleError) as caught:
        load_articles(root, tenants)
    return str(caught.value)


def test_the_same_question_under_two_articles_names_both(tmp_path: Path) -> None:
    write(tmp_path, "connectivity/vpn-connect.md", GOOD)
    write(
        tmp_path,
        "connectivity/vpn-slow.md",
        GOOD.replace("id: vpn-connect", "id: vpn-slow").replace("can't connect to the vpn", "VPN  not working!"),
    )
    message = problems_in(tmp_path)
    assert "connectivity/vpn-slow.md: questions: 'VPN  not working!' is also a question of 'vpn-connect'" in message
    assert "can't connect" not in message  # only the repeated question is reported


def test_an_unknown_tenant_is_named_with_the_known_ones(tmp_path: Path) -> None:
    write(tmp_path, "connectivity/vpn-connect.md", GOOD.replace("audience: all", "audience: [riverside, eastfield]"))
    message = problems_in(tmp_path)
    assert "vpn-connect.md: audience: unknown tenant 'eastfield' (known: northbrook, riverside, southmere)" in message
    assert "'riverside'" not in message


def test_links_to_missing_or_draft_articles_are_reported(tmp_path: Path) -> None:
    body = "See [the portal](kb:password-reset) and [printing](kb:printer-add) and [wifi](kb:wifi-corporate).\n"
    write(tmp_path, "connectivity/vpn-connect.md", GOOD.replace("Restart the VPN app.\n", body))
    write(tmp_path, "printing/printer-add.md", article_file("printer-add", "printing"))
    write(
        tmp_path,
        "connectivity/wifi-corporate.md",
        article_file("wifi-corporate").replace("status: published", "status: draft"),
    )
    message = problems_in(tmp_path)
    assert "vpn-connect.md: body: links to kb:password-reset, which is not an article" in message
    assert "vpn-connect.md: body: links to kb:wifi-corporate, which is a draft" in message
    assert "kb:printer-add" not in message


def test_drafts_are_validated_but_never_served(tmp_path: Path) -> None:
    write(tmp_path, "connectivity/vpn-connect.md", GOOD)
    write(
        tmp_path,
        "connectivity/wifi-new.md",
        article_file("wifi-new")
        .replace("status: published", "status: draft")
        .replace("review_by: 2027-06-30", "review_by: soon"),
    )
    assert "wifi-new.md: review_by: must be a date written YYYY-MM-DD, got 'soon'" in problems_in(tmp_path)

    write(tmp_path, "connectivity/wifi-new.md", article_file("wifi-new").replace("status: published", "status: draft"))
    articles = load_articles(tmp_path, TENANTS)
    assert {a.id for a in articles} == {"vpn-connect", "wifi-new"}
    build = build_index(articles, FakeEmbedder(), tmp_path / "index")
    assert '"wifi-new"' not in (build / ARTICLES_FILE).read_text()


def test_passed_review_dates_are_warnings_not_errors(tmp_path: Path) -> None:
    write(tmp_path, "connectivity/vpn-connect.md", GOOD)
    articles = load_articles(tmp_path, TENANTS)  # does not raise
    warnings = overdue_reviews(articles, today=dt.date(2027, 7, 1))
    assert [str(w) for w in warnings] == [
        f"{tmp_path}/connectivity/vpn-connect.md: review_by: review was due on 2027-06-30; check it is still right"
    ]
    assert overdue_reviews(articles, today=dt.date(2027, 6, 30)) == []


def test_near_duplicate_articles_are_reported_above_the_bound(tmp_path: Path) -> None:
    same_body = "Restart the VPN client and sign in again."
    vpn = make_article("vpn-connect", title="VPN will not connect", body=same_body, source="a/vpn-connect.md")
    copy = make_article("vpn-broken", title="VPN will not connect", body=same_body, source="a/vpn-broken.md")
    printer = make_article("printer-add", title="Add a printer", body="Open Settings.", source="b/printer-add.md")
    embedder = FakeEmbedder()
    articles = [vpn, copy, printer]
    vectors = content_vectors(articles, embedder, EmbeddingCache(tmp_path / "cache.npz", embedder))
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    found = [str(p) for p in near_duplicates(articles, vectors, bound=0.8)]
    assert len(found) == 1 and found[0].startswith("a/vpn-broken.md: body: is nearly the same as 'vpn-connect'")
    assert near_duplicates(articles, vectors, bound=0.999) == []


def test_one_articles_near_duplicates_are_checked_against_the_others_only(tmp_path: Path) -> None:
    same_body = "Restart the VPN client and sign in again."
    vpn = make_article("vpn-connect", title="VPN will not connect", body=same_body, source="a/vpn-connect.md")
    copy = make_article("vpn-broken", title="VPN will not connect", body=same_body, source="a/vpn-broken.md")
    printer = make_article("printer-add", title="Add a printer", body="Open Settings.", source="b/printer-add.md")
    embedder = FakeEmbedder()
    vectors = content_vectors([vpn, printer, copy], embedder, EmbeddingCache(tmp_path / "cache.npz", embedder))
    found = [str(p) for p in near_duplicates_of(copy, vectors[2], [vpn, printer], vectors[:2], bound=0.8)]
    assert found == [str(p) for p in near_duplicates([vpn, printer, copy], vectors, bound=0.8)]
    assert near_duplicates_of(printer, vectors[1], [vpn], vectors[:1], bound=0.8) == []


def test_a_near_duplicate_stops_the_build_and_the_old_index_stays(tmp_path: Path) -> None:
    vpn = make_article("vpn-connect", title="VPN will not connect", body="Restart the VPN client.")
    first = build_index([vpn], FakeEmbedder(), tmp_path, near_duplicate=0.9)
    copy = make_article(
        "vpn-again", title="VPN will not connect", questions=("vpn-connect question",), body="Restart the VPN client."
    )
    with pytest.raises(ArticleError, match="is nearly the same as 'vpn-connect'"):
        build_index([vpn, copy], FakeEmbedder(), tmp_path, near_duplicate=0.9)
    assert (tmp_path / "current").resolve() == first


def test_collection_checks_pass_on_a_clean_collection() -> None:
    articles = [make_article("a-one", audience=("northbrook",)), make_article("b-two", body="see [a](kb:a-one)")]
    assert collection_problems(articles, TENANTS) == []
