from __future__ import annotations

from pathlib import Path

import pytest

from bot.paths import KNOWLEDGE_BASE_DIR
from bot.servicedesk import ConfigError
from bot.servicedesk.impact import HIGH, MEDIUM
from bot.servicedesk.triage import ArticleRouting, Router

ROUTER = Router.load(KNOWLEDGE_BASE_DIR / "routing.yml")
VPN = ArticleRouting("connectivity", "network", "P3")


def test_a_p1_goes_to_the_major_incident_group_and_says_so() -> None:
    t = ROUTER.triage("the whole of Northbrook House has no network, nobody can work", "northbrook", VPN)
    assert (t.priority, t.resolver_group, t.major_incident) == ("P1", "major-incident", True)


def test_the_article_priority_stands_when_nobody_says_otherwise() -> None:
    t = ROUTER.triage("my thing is broken", None, ArticleRouting("connectivity", "network", "P2"))
    assert (t.priority, t.resolver_group, t.category) == ("P2", "network", "connectivity")


def test_the_users_answer_beats_the_article() -> None:
    t = ROUTER.triage("my thing is broken", None, VPN, impact=MEDIUM, urgency=HIGH)
    assert t.priority == "P2"


def test_keyword_rules_then_the_article_then_the_default() -> None:
    assert ROUTER.triage("outlook keeps asking for my password", None, VPN).resolver_group == "messaging"
    assert ROUTER.triage("my thing is broken", None, VPN).resolver_group == "network"
    assert ROUTER.triage("my thing is broken").resolver_group == "service-desk"


@pytest.mark.parametrize(
    "text,tenant,group",
    [
        ("the printer on the first floor has a paper jam", "southmere", "southmere-facilities"),
        ("the printer on the first floor has a paper jam", "riverside", "end-user-computing"),
        ("civica keeps freezing when I open a bill", "riverside", "riverside-applications"),
        ("civica keeps freezing when I open a bill", "northbrook", "applications"),
    ],
)
def test_tenants_hand_work_to_their_own_teams(text: str, tenant: str, group: str) -> None:
    assert ROUTER.triage(text, tenant).resolver_group == group


@pytest.mark.parametrize(
    "yaml_text,named",
    [
        ("rules:\n  - group: network\n", "rules[0].keywords: is missing (the words that pick the rule, a list)"),
        ("tenants:\n  riverside: [a, b]\n", "tenants.riverside: must be a mapping, got ['a', 'b']"),
        (
            "rules: [\n",
            "cannot be read: not YAML at line 2, column 1: expected the node content, but found '<stream end>'",
        ),
    ],
)
def test_a_broken_routing_file_names_the_place(tmp_path: Path, yaml_text: str, named: str) -> None:
    path = tmp_path / "routing.yml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError) as raised:
        Router.load(path)
    assert str(raised.value) == f"{path}: {named}"
