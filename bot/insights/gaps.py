"""Content gaps: what staff asked that no article answered (it escalated) or that an answer did
not help, grouped by meaning so a knowledge editor sees topics, not a list of sentences.

The questions are embedded with the knowledge base's own model and clustered by agglomerative
clustering on cosine distance (scikit-learn; fine for thousands of questions); a cluster is labelled
by its most distinctive terms (TF-IDF against all the gap questions), and only clusters of at least
MIN_CLUSTER questions are shown, with their councils and a few of their (redacted) questions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.insights.outcomes import Question
from bot.knowledge.embedding import Embedder

MIN_CLUSTER = 5
DISTANCE = 0.55  # cosine distance at which two groups stop being one topic (average linkage)
TERMS = 3
EXAMPLES = 3


@dataclass(frozen=True)
class Gap:
    label: str  # its distinctive terms, as "parking permit renew"
    size: int
    councils: dict[str, int]
    examples: tuple[str, ...]


def gap_questions(questions: Sequence[Question]) -> list[Question]:
    """The questions that show a gap: nothing fitted, or the answer did not help; with text kept."""
    return [q for q in questions if q.text and (q.decision == "escalate" or q.feedback == "not_helped")]


def gaps(questions: Sequence[Question], embedder: Embedder, distance: float = DISTANCE) -> list[Gap]:
    """The topics among ``questions`` (use ``gap_questions``), largest first."""
    texts = [q.text or "" for q in questions]
    if len(texts) < MIN_CLUSTER:
        return []
    vectors = np.asarray(embedder.encode(texts), dtype=np.float32)
    labels = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance
    ).fit_predict(vectors)
    terms = _distinctive_terms(texts, labels)
    found = []
    for label, size in Counter(labels.tolist()).most_common():
        if size < MIN_CLUSTER:
            break
        members = [q for q, at in zip(questions, labels, strict=True) if at == label]
        found.append(
            Gap(
                label=" ".join(terms[label]),
                size=size,
                councils=dict(Counter(q.tenant or "unknown" for q in members).most_common()),
                examples=tuple(dict.fromkeys(q.text or "" for q in members))[:EXAMPLES],
            )
        )
    return found


def _distinctive_terms(texts: list[str], labels: np.ndarray) -> dict[int, list[str]]:
    tfidf = TfidfVectorizer(stop_words="english", token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b")
    try:
        matrix = tfidf.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return {int(label): [] for label in set(labels.tolist())}
    vocabulary = np.array(tfidf.get_feature_names_out())
    overall = np.asarray(matrix.mean(axis=0)).ravel()
    terms = {}
    for label in set(labels.tolist()):
        inside = np.asarray(matrix[labels == label].mean(axis=0)).ravel()
        order = np.argsort(-(inside - overall))
        terms[int(label)] = [str(vocabulary[i]) for i in order[:TERMS] if inside[i] > 0]
    return terms
