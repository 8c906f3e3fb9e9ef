"""The "Try it" pane (bot/studio/trial.py) with the real model on a copy of the live index: what a
draft wins, what it steals from the dev questions, and that the live index is only read."""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.knowledge.articles import Article
from bot.knowledge.config import KnowledgeConfig
from bot.knowledge.embedding import SentenceTransformerEmbedder
from bot.knowledge.layout import current_build, read_articles
from bot.knowledge.recipe import texts_for
from bot.knowledge.search import normalise_query
from bot.studio.errors import UnknownCouncilError
from bot.studio.trial import DRAFT_INDEXES, WORSE, Trials
from tests.fakes import make_article
from tests.index_copy import copy_index

LOCKER_QUESTION = "my smart locker won't open"
LOCKER = make_article(
    "smart-lockers",
    title="Smart lockers in the hybrid offices",
    category="devices",
    status="draft",  # not published yet: the editor is trying it
    questions=(LOCKER_QUESTION, "the locker app won't unlock my locker", "how do I book a smart locker"),
    body="Open the Lockers app, choose your locker and tap Unlock. If it stays shut, tell the service desk.",
)
STOLEN_QUESTION, STOLEN_FROM = "mailbox full cant send anything", "mailbox-full"  # a dev question and its article


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file and link under ``folder``: its content's sha256, or where the link points."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            found[name] = f"-> {path.readlink()}"
        elif path.is_file():
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeConfig:
    """The project's settings on a copy of the live index: these tests neither depend on nor
    touch the index other processes serve from."""
    live = KnowledgeConfig.load()
    return dataclasses.replace(live, index_dir=copy_index(live.index_dir, tmp_path_factory.mktemp("live") / "index"))


@pytest.fixture(scope="module")
def published(config: KnowledgeConfig) -> dict[str, Article]:
    return {a.id: a for a in read_articles(current_build(config.index_dir))}


@pytest.fixture(scope="module")
def trials(config: KnowledgeConfig, real_embedder: SentenceTransformerEmbedder) -> Iterator[Trials]:
    with Trials(config, real_embedder) as made:
        yield made


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where this test's draft builds go, to count them."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_a_new_article_wins_its_question_with_the_draft_only(trials: Trials) -> None:
    trial = trials.try_question(LOCKER_QUESTION, None, LOCKER)
    assert trial.draft.kind == "answer" and trial.draft.article_ids == ("smart-lockers",)
    assert trial.draft.top[0].title == LOCKER.title and trial.draft.top[0].score >= trial.thresholds.answer
    assert "smart-lockers" not in [s.article_id for s in trial.live.top]
    assert trial.live.article_ids != ("smart-lockers",)
    assert len(trial.live.top) == len(trial.draft.top) == 5


def test_without_a_draft_both_sides_are_the_live_outcome(trials: Trials) -> None:
    trial = trials.try_question("the vpn won't connect from home", None, None)
    assert trial.live == trial.draft
    assert (trial.live.kind, trial.live.article_ids) == ("answer", ("vpn-connect",))


def test_a_draft_replacing_an_articles_questions_changes_what_it_answers(
    trials: Trials, published: dict[str, Article]
) -> None:
    article = published["building-passes-and-parking"]
    assert trials.try_question(LOCKER_QUESTION, None, None).live.article_ids != (article.id,)
    rewritten = dataclasses.replace(article, questions=(*article.questions, LOCKER_QUESTION))
    trial = trials.try_question(LOCKER_QUESTION, None, rewritten)
    assert trial.draft.article_ids == (article.id,) and trial.draft.kind == "elsewhere"
    ranked = [s.article_id for s in trial.draft.top]
    assert len(ranked) == len(set(ranked))  # replaced, not added beside the published one


def test_the_impact_check_reports_a_dev_question_a_draft_steals(trials: Trials) -> None:
    thief = make_article(
        "mail-thief",
        title="Archiving old email",
        category="email",
        questions=(STOLEN_QUESTION, "how do I archive old email"),
        body="Move old email to the online archive.",
    )
    changes = trials.impact(thief)
    stolen = next(c for c in changes if c.text == STOLEN_QUESTION)
    assert stolen.verdict == WORSE and stolen.expected == STOLEN_FROM
    assert stolen.before.kind == "answer" and stolen.before.article_ids == (STOLEN_FROM,)
    assert "mail-thief" in stolen.after.article_ids
    assert changes[0].verdict == WORSE  # what the editor must see first


def test_only_the_drafts_texts_are_embedded(
    config: KnowledgeConfig, real_embedder: SentenceTransformerEmbedder
) -> None:
    class Counting:
        """The real embedder, noting what it is asked to embed."""

        model_name, dimension = real_embedder.model_name, real_embedder.dimension
        model_hash = real_embedder.model_hash

        def __init__(self) -> None:
            self.embedded: list[str] = []

        def encode(self, texts: Sequence[str], progress: bool = False) -> object:
            self.embedded.extend(texts)
            return real_embedder.encode(texts, progress)

    counting = Counting()
    with Trials(config, counting) as trials:  # type: ignore[arg-type]
        trials.try_question(LOCKER_QUESTION, None, LOCKER)
        assert sorted(counting.embedded) == sorted([normalise_query(LOCKER_QUESTION), *texts_for(LOCKER)])
        counting.embedded.clear()
        trials.try_question("how do i book a locker", None, LOCKER)
        assert counting.embedded == ["how do i book a locker"]  # the same draft is not built again


def test_the_live_index_and_its_cache_are_only_read(
    config: KnowledgeConfig, real_embedder: SentenceTransformerEmbedder, published: dict[str, Article], scratch: Path
) -> None:
    before = fingerprint(config.index_dir)
    with Trials(config, real_embedder) as trials:
        trials.try_question(LOCKER_QUESTION, "riverside", LOCKER)
        trials.impact(dataclasses.replace(published["vpn-connect"], questions=("my vpn is broken",)))
        trials.near_duplicates(LOCKER)
        assert len(list(scratch.iterdir())) == 2  # the builds went to the scratch folder
    assert fingerprint(config.index_dir) == before
    assert "embedding-cache.npz" in before
    assert list(scratch.iterdir()) == []  # and were removed on close


def test_a_draft_is_built_once_and_only_the_latest_builds_are_kept(
    config: KnowledgeConfig, real_embedder: SentenceTransformerEmbedder, scratch: Path
) -> None:
    with Trials(config, real_embedder) as trials:
        with ThreadPoolExecutor(4) as pool:
            seen = list(pool.map(lambda _: trials.try_question(LOCKER_QUESTION, None, LOCKER), range(4)))
        assert len(list(scratch.iterdir())) == 1 and all(t == seen[0] for t in seen)
        for n in range(3):
            trials.try_question(LOCKER_QUESTION, None, dataclasses.replace(LOCKER, body=f"Version {n}."))
        assert len(list(scratch.iterdir())) == DRAFT_INDEXES


def test_a_copied_article_is_a_near_duplicate_of_the_original(trials: Trials, published: dict[str, Article]) -> None:
    original = published["vpn-connect"]
    problems = trials.near_duplicates(dataclasses.replace(original, id="vpn-connect-copy", source="", status="draft"))
    assert len(problems) == 1 and "'vpn-connect'" in problems[0].message
    assert trials.near_duplicates(dataclasses.replace(original, body=original.body + "\n\nEdited.")) == []
    assert trials.near_duplicates(LOCKER) == []


def test_an_unknown_council_is_refused(trials: Trials) -> None:
    with pytest.raises(UnknownCouncilError, match="westwick"):
        trials.try_question(LOCKER_QUESTION, "westwick", LOCKER)
