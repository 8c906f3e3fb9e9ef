"""The actions' tests' knowledge base (seven articles, a fake embedder) and local desk."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import Escalation, KnowledgeBase, Thresholds
from bot.knowledge.build import build_index
from bot.servicedesk.local import LocalServiceDesk
from tests.fakes import FakeEmbedder, make_article


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    embedder = FakeEmbedder()
    build_index(
        [
            make_article(
                "vpn-connect",
                title="VPN will not connect",
                questions=("vpn not working",),
                category="connectivity",
                escalation=Escalation("network", "P2"),
            ),
            make_article("printer-add", title="Add a printer", questions=("printer not found",)),
            make_article(
                "mobile-email",
                title="Work email on your phone",
                questions=("email on my phone",),
                facets=(("device", "phone"),),
            ),
            make_article(
                "outlook-desktop",
                title="Outlook on your laptop",
                questions=("email on my laptop",),
                facets=(("device", "computer"),),
                escalation=Escalation("messaging", "P3", ("error_text", "asset_tag", "contact_number")),
            ),
            make_article("printing-follow-me", title="Follow me printing", questions=("printer release job",)),
            make_article(
                "walk-in-riverside",
                title="Riverside walk-in desk",
                questions=("walk in desk opening hours",),
                audience=("riverside",),
            ),
            make_article(
                "hr-leave-and-absence",
                title="Pay and annual leave",
                questions=("book annual leave", "payslip wrong"),
                category="not-it",
                kind="elsewhere",
                body="Book annual leave in the HR portal.",
            ),
        ],
        embedder,
        tmp_path / "index",
    )
    return KnowledgeBase(tmp_path / "index", embedder, Thresholds(0.7, 0.3, 0.2))


@pytest.fixture
def desk(tmp_path: Path) -> LocalServiceDesk:
    return LocalServiceDesk(tmp_path / "desk.sqlite")
