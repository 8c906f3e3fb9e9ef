from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from bot.knowledge.articles import parse_article
from bot.knowledge.config import KnowledgeConfig
from bot.knowledge.errors import ArticleError
from bot.knowledge.validate import load_articles
from bot.paths import ARTICLES_DIR

GOOD = """---
id: vpn-connect
title: VPN will not connect
category: connectivity
questions:
  - vpn not working
  - can't connect to the vpn
audience: all
owner: Network team
review_by: 2027-06-30
status: published
escalation:
  group: network
  priority: P3
---
Restart the VPN app.
"""


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_good_article_parses_into_typed_fields(tmp_path: Path) -> None:
    article, problems = parse_article(tmp_path / "connectivity" / "vpn-connect.md", GOOD)
    assert problems == []
    assert article is not None
    assert article.questions == ("vpn not working", "can't connect to the vpn")
    assert article.review_by == dt.date(2027, 6, 30)
    assert article.audience is None and article.visible_to("riverside")
    assert article.escalation is not None and article.escalation.priority == "P3"
    assert article.body == "Restart the VPN app."


@pytest.mark.parametrize(
    "old,new,field,fragment",
    [
        ("title: VPN will not connect\n", "", "title", "is missing"),
        ("questions:\n  - vpn not working\n  - can't connect to the vpn\n", "questions: vpn\n", "questions", "list"),
        ("id: vpn-connect", "id: VPN Connect", "id", "lowercase"),
        ("id: vpn-connect", "id: vpn-other", "id", "file name"),
        ("category: connectivity", "category: printing", "category", "folder name"),
        ("status: published", "status: live", "status", "draft, published"),
        ("review_by: 2027-06-30", "review_by: next year", "review_by", "YYYY-MM-DD"),
        ("priority: P3", "priority: urgent", "escalation.priority", "P1, P2, P3, P4"),
        ("audience: all", "audience: 7", "audience", "tenant ids"),
        ("Restart the VPN app.\n", "", "body", "is empty"),
        ("owner: Network team", "owner: ''", "owner", "non-empty"),
        ("status: published", "status: published\nkind: faq", "kind", "answer, elsewhere"),
        ("status: published", "status: published\nkind: elsewhere", "escalation", "has no escalation"),
        ("status: published", "status: published\nfacets: phone", "facets", "mapping"),
        ("status: published", "status: published\nfacets:\n  colour: red", "facets", "unknown facet 'colour'"),
        ("status: published", "status: published\nfacets:\n  device: fax", "facets.device", "computer, phone"),
        ("priority: P3", "priority: P3\n  details: asset", "escalation.details", "asset_tag, location"),
        ("priority: P3", "priority: P3\n  details: [serial]", "escalation.details", "unknown 'serial'"),
    ],
)
def test_each_bad_field_is_named_with_the_file(tmp_path: Path, old: str, new: str, field: str, fragment: str) -> None:
    path = tmp_path / "connectivity" / "vpn-connect.md"
    article, problems = parse_article(path, GOOD.replace(old, new))
    assert article is None
    assert [p.field for p in problems] == [field]
    assert fragment in problems[0].message and problems[0].path == path


def test_facets_and_the_details_the_desk_needs_are_read_from_front_matter(tmp_path: Path) -> None:
    text = GOOD.replace("status: published", "status: published\nfacets:\n  place: remote\n  device: computer")
    text = text.replace("priority: P3", "priority: P3\n  details: [error_text, asset_tag, error_text]")
    article, problems = parse_article(tmp_path / "connectivity" / "vpn-connect.md", text)
    assert problems == [] and article is not None
    assert article.facet_values == {"device": "computer", "place": "remote"}
    assert article.escalation is not None and article.escalation.details == ("error_text", "asset_tag")


def test_an_entry_for_questions_the_desk_does_not_handle_is_an_article_of_kind_elsewhere(tmp_path: Path) -> None:
    text = GOOD.replace("status: published", "status: published\nkind: elsewhere").replace(
        "escalation:\n  group: network\n  priority: P3\n", ""
    )
    entry, problems = parse_article(tmp_path / "connectivity" / "vpn-connect.md", text)
    assert problems == [] and entry is not None and entry.elsewhere and entry.kind == "elsewhere"
    plain, _ = parse_article(tmp_path / "connectivity" / "vpn-connect.md", GOOD)
    assert plain is not None and not plain.elsewhere and plain.kind == "answer"


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("no front matter here", "must start with"),
        ("---\nid: [unclosed\n---\nbody", "not valid YAML"),
        ("---\n- a list\n---\nbody", "mapping"),
    ],
)
def test_unreadable_front_matter_is_reported(tmp_path: Path, text: str, fragment: str) -> None:
    article, problems = parse_article(tmp_path / "x" / "y.md", text)
    assert article is None and fragment in problems[0].message


def test_load_reports_every_problem_and_duplicate_ids(tmp_path: Path) -> None:
    write(tmp_path, "connectivity/vpn-connect.md", GOOD)
    write(tmp_path, "other/vpn-connect.md", GOOD.replace("category: connectivity", "category: other"))
    write(tmp_path, "printing/broken.md", "no front matter")
    with pytest.raises(ArticleError) as caught:
        load_articles(tmp_path)
    message = str(caught.value)
    assert "other/vpn-connect.md: id: 'vpn-connect' is already used by" in message
    assert "printing/broken.md: front matter" in message


def test_a_missing_folder_is_an_error_not_an_empty_index(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="does not exist"):
        load_articles(tmp_path / "nowhere")
    with pytest.raises(ArticleError, match="holds no articles"):
        load_articles(tmp_path)


REQUIRED_IDS = [
    "account-locked",
    "password-reset",
    "password-change",
    "mfa-setup",
    "mfa-new-phone",
    "wifi-corporate",
    "wifi-guest",
    "home-working-connection",
    "vpn-connect",
    "virtual-desktop",
    "laptop-wont-start",
    "laptop-slow",
    "docking-monitors",
    "device-refresh",
    "lost-stolen-device",
    "mobile-phone-setup",
    "mobile-email",
    "teams-audio",
    "teams-phone",
    "teams-meeting-join",
    "teams-external-collaboration",
    "outlook-not-syncing",
    "mailbox-full",
    "shared-mailbox-access",
    "calendar-sharing",
    "out-of-office",
    "phishing-report",
    "email-sent-wrong-person",
    "onedrive-sync",
    "sharepoint-access",
    "file-restore",
    "network-drive",
    "printing-follow-me",
    "printer-add",
    "scan-to-email",
    "software-request",
    "company-portal-apps",
    "windows-updates",
    "new-starter",
    "leaver",
    "role-change-access",
    "business-app-access",
    "crm-login",
    "planning-system",
    "power-bi-access",
    "website-not-loading",
    "blocked-website",
    "display-problems",
    "keyboard-mouse",
    "headset-request",
    "assistive-technology",
    "contact-service-desk",
    "log-a-ticket",
    "ticket-status",
    "service-status",
    "security-training",
    "secure-email",
    "usb-storage",
    "account-name-change",
    "walk-in-support-northbrook",
    "walk-in-support-riverside",
    "walk-in-support-southmere",
]
LINK = re.compile(r"https?://([^/\s)]+)")


def test_the_shipped_articles_are_valid_and_include_the_ones_tests_rely_on() -> None:
    config = KnowledgeConfig.load({})
    articles = {a.id: a for a in load_articles(ARTICLES_DIR, config.tenants)}
    published = [a for a in articles.values() if a.published]
    desk = [a for a in published if not a.elsewhere]
    assert len(desk) >= 70
    assert set(REQUIRED_IDS) <= {a.id for a in desk}
    assert all(a.escalation is not None for a in desk)
    # questions the service desk does not handle: several, each saying where to go instead
    assert len(published) - len(desk) >= 8
    for council in ("northbrook", "riverside", "southmere"):
        assert articles[f"walk-in-support-{council}"].audience == (council,)
    hosts = {host for a in published for host in LINK.findall(a.body)}
    assert hosts and all(host.endswith(".example") for host in hosts), hosts
