from __future__ import annotations

import pytest

from bot.knowledge.facets import FACETS, facet_question, fits, mentioned, problems_with

PHONE, LAPTOP = {"device": "phone", "app": "outlook"}, {"device": "computer", "app": "outlook"}


@pytest.mark.parametrize(
    "candidates,facet,labels",
    [
        ([("mobile-email", PHONE), ("outlook", LAPTOP)], "device", ["Phone or tablet", "Laptop or PC"]),
        ([("vpn", {"place": "remote"}), ("wifi", {"place": "office", "for": "staff"})], "place", None),
        # only one of them names a device: the app tells them apart
        ([("mobile-email", PHONE), ("webmail", {"app": "web"})], "app", ["Outlook", "A web browser"]),
        ([("mobile-email", PHONE), ("mail-merge", {})], None, None),
        # they differ in two facets at once: not one question
        ([("a", {"device": "phone", "place": "office"}), ("b", {"device": "computer", "place": "remote"})], None, None),
        ([("mobile-email", PHONE)], None, None),  # one article needs no question
        ([("a", PHONE), ("b", PHONE)], None, None),  # nothing tells them apart
    ],
)
def test_the_one_facet_that_tells_the_best_articles_apart_is_asked_about(
    candidates: list, facet: str | None, labels: list[str] | None
) -> None:
    question = facet_question(candidates)
    if facet is None:
        assert question is None
        return
    assert question is not None and question.facet == facet
    assert question.question == FACETS[facet].question
    assert [article_id for article_id, _ in question.choices] == [c[0] for c in candidates]
    if labels:
        assert [label for _, label in question.choices] == labels


@pytest.mark.parametrize(
    "text,found",
    [
        ("its on my laptop not my phone", {"device": {"computer"}}),
        ("what about on my iPhone?", {"device": {"phone"}}),
        ("working from home today", {"place": {"remote"}}),
        ("for a visitor", {"for": {"visitor"}}),
        ("email not working", {}),
        ("not at home, in the office", {"place": {"office"}}),
        ("phonetics", {}),  # whole words only
    ],
)
def test_facet_values_named_and_not_denied_are_found(text: str, found: dict) -> None:
    assert mentioned(text) == found


def test_an_article_fits_unless_it_sets_a_facet_to_a_value_not_named() -> None:
    wanted = {"device": {"computer"}}
    assert fits(LAPTOP, wanted) and fits({"app": "web"}, wanted) and fits({}, wanted)
    assert not fits(PHONE, wanted)


def test_every_label_fits_a_button_and_problems_name_the_field() -> None:
    assert all(len(v.label) <= 24 for f in FACETS.values() for v in f.values.values())
    assert problems_with({"device": "phone"}) == []
    assert problems_with([]) == [("facets", "must be a mapping such as 'device: phone'")]
    assert problems_with({"device": "fax"})[0][0] == "facets.device"
