from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.config import ConfigurationError
from bot.incidents.matching import (
    MATCHING_CONFIG,
    OUTAGE_CUES,
    REQUEST_CUES,
    IncidentMatcher,
    IncidentTexts,
    MatchingSettings,
    load_matching,
    write_matching,
)
from tests.fakes import FakeEmbedder

# a concept's words, by axis: two services, "broken" and "asking for something"
AXES = (
    "crm firmstep",
    "email emails",
    "down unavailable spinning late delays load broken outage",
    "access how password training set find",
)
CONCEPTS = {word: axis for axis, words in enumerate(AXES) for word in words.split()}


class ConceptEmbedder(FakeEmbedder):
    """Words of one concept share an axis (a service, "broken", "asking for something"); any other
    word gets one of the remaining axes by its hash: a model small enough to reason about."""

    OTHER = len(AXES)  # the first axis of the words of no concept

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        self.embedded.extend(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                word = word.strip(".,?!")
                axis = CONCEPTS.get(word)
                if axis is None:
                    axis = self.OTHER + int(hashlib.md5(word.encode()).hexdigest(), 16) % (self.dimension - self.OTHER)
                out[row, axis] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


CRM = IncidentTexts("crm-down", ("CRM unavailable", "crm is down", "firmstep keeps spinning"), ("riverside",))
EMAIL = IncidentTexts("email-slow", ("Email delivery delays", "emails arriving late"))
# the knowledge base's questions: what staff ask when nothing is broken
ORDINARY = (
    "how do i add a note in the crm",
    "how do i set up email on my phone",
    "i forgot my password",
    "printer is jammed",
    "how do i book annual leave",
    "wifi is not working",
    "my laptop is slow",
    "where can i find the expenses form",
    "teams keeps crashing",
    "how do i share my calendar",
    "my mailbox is full",
    "can i get access to the planning system",
    "is teams down",
    "the vpn is down",
    "sharepoint will not load",
)
SHIPPED_LIKE = MatchingSettings(threshold=3.0, outage_cue_weight=0.0, request_cue_weight=0.5)


def matcher(
    settings: MatchingSettings = SHIPPED_LIKE, *incidents: IncidentTexts, background: bool = True
) -> tuple[IncidentMatcher, ConceptEmbedder]:
    embedder = ConceptEmbedder()
    rows = embedder.encode(ORDINARY)
    embedder.embedded.clear()
    m = IncidentMatcher.from_settings(embedder, settings, (lambda: rows) if background else None)
    m.replace(incidents or (CRM, EMAIL))
    return m, embedder


@pytest.mark.parametrize(
    "text,council,expected",
    [
        ("the crm is down again", "riverside", "crm-down"),  # the service and what is wrong with it
        ("firmstep will not load", "riverside", "crm-down"),  # the service by its other name
        ("emails are arriving very late", "southmere", "email-slow"),  # an incident of every council
        ("crm is down", "southmere", None),  # the CRM incident is Riverside's alone
        ("crm is down", None, None),  # a user of no known council sees only incidents of every council
        ("how do i get access to the crm", "riverside", None),  # names the service, asks for something
        ("how do i set up the crm on my phone", "riverside", None),
        ("is the payroll system down", "riverside", None),  # an outage, of another system
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


def test_a_request_naming_the_service_is_kept_out_by_the_request_cue() -> None:
    text, low = "how do i get access to the crm", 0.3  # a threshold low enough for the service alone
    without, _ = matcher(MatchingSettings(low, 0.0, 0.0))
    assert without.match(text, "riverside") is not None
    m, embedder = matcher(MatchingSettings(low, 0.0, 0.5))
    assert m.match(text, "riverside") is None
    outage, request = m.cue_scores(embedder.encode([text])[0])
    assert request > 0 and request > outage  # more of a request than the knowledge base's usual question


def test_scores_are_each_texts_standard_deviations_above_the_background_averaged() -> None:
    m, embedder = matcher(MatchingSettings(0.0))
    vector = embedder.encode(["crm down today"])[0]
    texts, rows = embedder.encode(list(CRM.texts)), embedder.encode(ORDINARY)
    usual = rows @ texts.T  # each text's likeness to the background, one column per text
    per_text = (texts @ vector - usual.mean(axis=0)) / usual.std(axis=0)
    best = m.scores(vector, "riverside")[0]
    assert best.incident_id == "crm-down"
    assert best.score == pytest.approx(float(per_text.mean()), rel=1e-5)
    raw, _ = matcher(MatchingSettings(0.0), background=False)
    likeness = float((texts @ vector).mean())
    assert raw.scores(vector, "riverside")[0].score == pytest.approx(likeness, rel=1e-5)  # no background: cosines


def test_an_incident_close_to_everything_needs_more_likeness() -> None:
    # an incident declared with a question the knowledge base answers every day: by raw cosine it is
    # the nearer to a message that has a bit of both, standardised the CRM outage is
    ordinary = IncidentTexts("ordinary", ("how do i add a note in the crm",), ("riverside",))
    m, embedder = matcher(MatchingSettings(0.0), CRM, ordinary)
    raw, _ = matcher(MatchingSettings(0.0), CRM, ordinary, background=False)
    vector = embedder.encode(["add a note crm down"])[0]
    assert [s.incident_id for s in raw.scores(vector, "riverside")] == ["ordinary", "crm-down"]
    assert [s.incident_id for s in m.scores(vector, "riverside")] == ["crm-down", "ordinary"]


def test_of_an_incidents_texts_the_one_close_to_everything_counts_for_less() -> None:
    # an agent declared an everyday how-to beside the outage: a message that is exactly either text
    # has the same mean cosine with the two, but only the outage's text sits apart from the background
    declared = IncidentTexts("crm-down", ("how do i add a note in the crm", "crm is down"), ("riverside",))
    m, embedder = matcher(MatchingSettings(0.0), declared)
    raw, _ = matcher(MatchingSettings(0.0), declared, background=False)
    everyday, outage = embedder.encode(["how do i add a note in the crm", "crm is down"])
    assert raw.scores(everyday, "riverside")[0].score == pytest.approx(raw.scores(outage, "riverside")[0].score)
    assert m.scores(outage, "riverside")[0].score > m.scores(everyday, "riverside")[0].score + 0.3


def test_a_match_needs_the_threshold() -> None:
    m, embedder = matcher()
    vector = embedder.encode(["crm down today"])[0]
    best = m.scores(vector, "riverside")[0]
    assert best.incident_id == "crm-down"
    m.threshold = best.score + 0.01
    assert m.match_vector(vector, "riverside") is None
    m.threshold = best.score
    assert m.match_vector(vector, "riverside") == best  # at the threshold is enough


def test_a_new_build_is_measured_again_without_embedding() -> None:
    embedder = ConceptEmbedder()
    builds = [embedder.encode(ORDINARY)]
    m = IncidentMatcher.from_settings(embedder, SHIPPED_LIKE, lambda: builds[-1])
    m.replace([CRM, EMAIL])
    vector = embedder.encode(["crm down today"])[0]
    before = m.scores(vector, "riverside")[0].score
    builds.append(embedder.encode([*ORDINARY, "crm is down for everyone", "is the crm down"]))
    embedder.embedded.clear()
    after = m.scores(vector, "riverside")[0].score
    assert embedder.embedded == []
    assert after < before  # outages of the CRM are ordinary questions now: a message needs more


def test_nothing_is_embedded_when_no_incident_is_active() -> None:
    embedder = ConceptEmbedder()
    assert IncidentMatcher(embedder, 0.5).match("crm is down", "riverside") is None
    assert embedder.embedded == []


def test_the_cues_are_embedded_once_on_first_use() -> None:
    m, embedder = matcher()
    assert embedder.embedded == [*CRM.texts, *EMAIL.texts]  # building loads no model for the cues
    m.match("crm is down", "riverside")
    m.match("email delays", "riverside")
    assert embedder.embedded.count(OUTAGE_CUES[-1]) == 1 and embedder.embedded.count(REQUEST_CUES[-1]) == 1


def test_an_update_re_embeds_only_that_incident() -> None:
    m, embedder = matcher()
    embedder.embedded.clear()
    m.put(EMAIL)  # unchanged
    assert embedder.embedded == []
    m.put(IncidentTexts("crm-down", (*CRM.texts, "cannot open firmstep"), CRM.councils))
    assert embedder.embedded == [*CRM.texts, "cannot open firmstep"]
    assert m.match("firmstep is down", "riverside") is not None


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
        IncidentMatcher(ConceptEmbedder(), float("nan"))
    with pytest.raises(ValueError, match="weights"):
        IncidentMatcher(ConceptEmbedder(), 1.0, request_weight=-0.5)


def test_the_shipped_settings_load() -> None:
    settings = load_matching()
    assert 0 <= settings.outage_cue_weight <= 1 and 0 <= settings.request_cue_weight <= 1
    assert load_matching(MATCHING_CONFIG) == settings
    m = IncidentMatcher.from_settings(ConceptEmbedder(), settings)
    assert (m.threshold, m.cue_weight, m.request_weight) == (
        settings.threshold,
        settings.outage_cue_weight,
        settings.request_cue_weight,
    )


GOOD = "threshold: 2.4, outage_cue_weight: 0, request_cue_weight: 0.5"


@pytest.mark.parametrize(
    "content,problem",
    [
        (
            "matching: {outage_cue_weight: 0, request_cue_weight: 0}\n",
            "matching.threshold: is missing (the score from which a message is shown an incident's card, in "
            "standard deviations above the knowledge base's)",
        ),
        (
            "matching: {threshold: 2.4, outage_cue_weight: 0}\n",
            "matching.request_cue_weight: is missing (the request cue's weight against the score, 0 for none)",
        ),
        (
            "matching: {threshold: high, outage_cue_weight: 0, request_cue_weight: 0}\n",
            "matching.threshold: must be a number, got 'high'",
        ),
        (
            "matching: {threshold: 2.4, outage_cue_weight: 0, request_cue_weight: 1.5}\n",
            "matching.request_cue_weight: must be a number from 0 to 1, got 1.5",
        ),
        (
            f"matching: {{{GOOD}, treshold: 0.6}}\n",
            "matching.treshold: is not a known field (known: outage_cue_weight, request_cue_weight, threshold)",
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
    write_matching(path, MatchingSettings(-0.6349, 0.25, 0.5), ["chosen on a test"])
    assert load_matching(path) == MatchingSettings(-0.63, 0.25, 0.5)
    assert "# chosen on a test" in path.read_text()
