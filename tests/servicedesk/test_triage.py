from __future__ import annotations

from pathlib import Path

import pytest

from bot.paths import KNOWLEDGE_BASE_DIR
from bot.servicedesk import ConfigError
from bot.servicedesk.triage import HIGH, LOW, MEDIUM, ArticleRouting, Router, answer_levels, assess, priority_for

ROUTER = Router.load(KNOWLEDGE_BASE_DIR / "routing.yml")
VPN = ArticleRouting("connectivity", "network", "P3")


@pytest.mark.parametrize(
    "impact,urgency,priority",
    [
        (HIGH, HIGH, "P1"),
        (HIGH, MEDIUM, "P2"),
        (MEDIUM, HIGH, "P2"),
        (LOW, HIGH, "P3"),
        (LOW, MEDIUM, "P3"),
        (HIGH, LOW, "P3"),
        (MEDIUM, LOW, "P4"),
        (LOW, LOW, "P4"),
    ],
)
def test_the_matrix(impact: str, urgency: str, priority: str) -> None:
    assert priority_for(impact, urgency) == priority


@pytest.mark.parametrize(
    "text,impact,urgency",
    [
        ("nobody in the office can print and the committee papers have to go out today", HIGH, HIGH),
        ("my colleague and I can't open the shared mailbox, we're using webmail for now", MEDIUM, MEDIUM),
        ("laptop won't turn on at all, I can't do any work", None, HIGH),
        ("how do I add a printer?", None, LOW),
        ("my second monitor flickers", None, None),
        ("everyone else can print except me", None, None),
    ],
)
def test_what_the_words_say(text: str, impact: str | None, urgency: str | None) -> None:
    said = assess(text)
    assert (said.impact, said.urgency) == (impact, urgency)


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
        ("rules:\n  - group: network\n", r"rules\[0\]: needs 'keywords'"),
        ("tenants:\n  riverside: [a, b]\n", "tenants: must map each tenant"),
        ("rules: [\n", "cannot be read"),
    ],
)
def test_a_broken_routing_file_names_the_place(tmp_path: Path, yaml_text: str, named: str) -> None:
    path = tmp_path / "routing.yml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError, match=named) as raised:
        Router.load(path)
    assert str(path) in str(raised.value)


@pytest.mark.parametrize(
    "answer,levels",
    [
        ("Just me, I can work around it", (LOW, MEDIUM)),
        ("Many people or a whole service", (HIGH, HIGH)),
        ("only me and I can't work at all", (LOW, HIGH)),
        ("the whole team", (HIGH, MEDIUM)),
        ("dunno", None),
    ],
)
def test_answers_to_how_bad_is_it(answer: str, levels: tuple[str, str] | None) -> None:
    assert answer_levels(answer) == levels


def test_every_button_the_bot_offers_has_an_answer() -> None:
    import yaml

    from bot.paths import ROOT

    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    buttons = domain["responses"]["utter_ask_ticket_impact"][0]["buttons"]
    assert len(buttons) == 4 and all(answer_levels(b["payload"]) is not None for b in buttons)
