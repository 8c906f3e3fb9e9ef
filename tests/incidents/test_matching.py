from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigurationError
from bot.incidents.matching import (
    MATCHING_CONFIG,
    OUTAGE_CUES,
    IncidentMatcher,
    IncidentTexts,
    MatchingSettings,
    load_matching,
    write_matching,
)
from tests.fakes import FakeEmbedder

CRM = IncidentTexts("crm-down", ("CRM unavailable", "crm is down", "cannot open firmstep"), ("riverside",))
EMAIL = IncidentTexts("email-slow", ("Email delivery delays", "emails arriving late"))


def matcher(threshold: float = 0.6, *incidents: IncidentTexts) -> tuple[IncidentMatcher, FakeEmbedder]:
    embedder = FakeEmbedder()
    m = IncidentMatcher(embedder, threshold)
    m.replace(incidents or (CRM, EMAIL))
    return m, embedder


@pytest.mark.parametrize(
    "text,council,expected",
    [
        ("crm is down", "riverside", "crm-down"),  # one of its questions, word for word
        ("emails arriving late", "southmere", "email-slow"),  # an incident of every council
        ("crm is down", "southmere", None),  # the CRM incident is Riverside's alone
        ("crm is down", None, None),  # a user of no known council sees only incidents of every council
        ("how do i book annual leave", "riverside", None),
        ("", "riverside", None),
        ("🙂", "riverside", None),
    ],
)
def test_a_message_is_matched_to_an_incident_of_its_council(
    text: str, council: str | None, expected: str | None
) -> None:
    m, _ = matcher()
    found = m.match(text, council)
    assert (found.incident_id if found else None) == expected


def test_a_match_needs_the_threshold() -> None:
    m, embedder = matcher(0.5)
    vector = embedder.encode(["crm down today"])[0]  # shares two of the three words of "crm is down"
    best = m.scores(vector, "riverside")[0]
    assert best.incident_id == "crm-down" and 0.5 < best.score < 1
    assert m.match_vector(vector, "riverside") == best
    m.threshold = best.score + 0.01
    assert m.match_vector(vector, "riverside") is None
    m.threshold = best.score
    assert m.match_vector(vector, "riverside") == best  # at the threshold is enough


def test_nothing_is_embedded_when_no_incident_is_active() -> None:
    embedder = FakeEmbedder()
    assert IncidentMatcher(embedder, 0.5).match("crm is down", "riverside") is None
    assert embedder.embedded == []


def test_an_update_re_embeds_only_that_incident() -> None:
    m, embedder = matcher()
    embedder.embedded.clear()
    m.put(EMAIL)  # unchanged
    assert embedder.embedded == []
    m.put(IncidentTexts("crm-down", (*CRM.texts, "firmstep keeps spinning"), CRM.councils))
    assert embedder.embedded == [*CRM.texts, "firmstep keeps spinning"]
    assert m.match("firmstep keeps spinning", "riverside") is not None


def test_replace_embeds_the_new_and_drops_the_resolved() -> None:
    m, embedder = matcher()
    embedder.embedded.clear()
    wifi = IncidentTexts("wifi", ("Wi-Fi down at the depot",))
    m.replace([CRM, wifi])
    assert embedder.embedded == ["Wi-Fi down at the depot"]
    assert m.active == ("crm-down", "wifi")
    assert m.match("emails arriving late", "riverside") is None
    m.remove("wifi")
    m.remove("never-declared")
    assert m.active == ("crm-down",)


def test_a_council_change_takes_effect_without_embedding() -> None:
    m, embedder = matcher()
    embedder.embedded.clear()
    m.put(IncidentTexts("crm-down", CRM.texts, ("riverside", "southmere")))
    assert embedder.embedded == []
    assert m.match("crm is down", "southmere") is not None


def test_an_incident_needs_text_to_match() -> None:
    with pytest.raises(ValueError, match="'empty' has no text to match"):
        IncidentTexts("empty", ("", "  "))
    with pytest.raises(ValueError, match="threshold"):
        IncidentMatcher(FakeEmbedder(), 1.5)


def test_a_message_that_sounds_like_an_outage_needs_less_likeness() -> None:
    embedder = FakeEmbedder()
    m = IncidentMatcher(embedder, 0.5, cue_weight=1.0)
    assert embedder.embedded == []  # the cues wait for the first message: building loads no model
    m.replace([CRM, EMAIL])
    outage, howto = (embedder.encode([text])[0] for text in ("crm it is down", "crm how do i add a note"))
    assert [x.incident_id for x in m.scores(outage, "riverside")] == ["crm-down", "email-slow"]
    likeness = float((embedder.encode(list(CRM.texts)) @ outage).max())
    assert m.scores(outage, "riverside")[0].score == pytest.approx((likeness + m.outage_cue(outage)) / 2)
    assert m.outage_cue(embedder.encode(["it is down"])[0]) == pytest.approx(1.0)  # one of the cues
    assert m.outage_cue(outage) > m.outage_cue(howto)
    assert embedder.embedded.count(OUTAGE_CUES[-1]) == 1  # embedded once


def test_the_shipped_settings_load() -> None:
    settings = load_matching()
    assert 0 < settings.threshold < 1 and 0 <= settings.outage_cue_weight <= 1
    assert load_matching(MATCHING_CONFIG) == settings
    assert IncidentMatcher.from_settings(FakeEmbedder(), settings).threshold == settings.threshold


@pytest.mark.parametrize(
    "content,problem",
    [
        (
            "matching: {outage_cue_weight: 0}\n",
            "matching.threshold: is missing (the score from which a message is shown an incident's card)",
        ),
        (
            "matching: {threshold: 0.6}\n",
            "matching.outage_cue_weight: is missing (the outage cue's weight in the score, 0 for none)",
        ),
        (
            "matching: {threshold: 1.2, outage_cue_weight: 0}\n",
            "matching.threshold: must be a number from 0 to 1, got 1.2",
        ),
        (
            "matching: {threshold: high, outage_cue_weight: 0}\n",
            "matching.threshold: must be a number from 0 to 1, got 'high'",
        ),
        (
            "matching: {treshold: 0.6}\n",
            "matching.treshold: is not a known field (known: outage_cue_weight, threshold)",
        ),
        ("threshold: 0.6\n", "threshold: is not a known field (known: matching)"),
        ("matching: 0.6\n", "matching: must be a mapping, got 0.6"),
    ],
)
def test_a_bad_file_is_named_with_its_field(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "incidents.yml"
    path.write_text(content)
    with pytest.raises(ConfigurationError) as raised:
        load_matching(path)
    assert str(raised.value) == f"{path}: {problem}"


def test_the_written_settings_are_read_back(tmp_path: Path) -> None:
    path = tmp_path / "incidents.yml"
    write_matching(path, MatchingSettings(0.6349, 0.25), ["chosen on a test"])
    assert load_matching(path) == MatchingSettings(0.63, 0.25)
    assert "# chosen on a test" in path.read_text()
