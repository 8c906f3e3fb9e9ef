"""Content gaps: what staff asked that no article answered (it escalated) or that an answer did
not help, grouped by meaning so a knowledge editor sees topics, not a list of sentences.

Each distinct question is embedded once with the knowledge base's own model; up to
AGGLOMERATIVE_LIMIT of them are clustered agglomeratively on cosine distance (scikit-learn), more
in two stages: k-means into small groups, then their centres agglomeratively by the same rule (an
n x n distance matrix would need 1 GB at 11,000 texts; HDBSCAN, tried first, split 30 planted
topics into 697 clusters and took 5 minutes). A cluster is labelled by its most distinctive terms
(TF-IDF against all the gap questions), and only clusters of at least MIN_CLUSTER questions are
shown, with their councils and a few of their (redacted) questions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.cluster import AgglomerativeClustering, MiniBatchKMeans
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.insights.figures import EXAMPLES, MIN_CLUSTER, Gap
from bot.insights.outcomes import Question
from bot.knowledge.embedding import Embedder

DISTANCE = 0.55  # cosine distance at which two groups stop being one topic (average linkage)
AGGLOMERATIVE_LIMIT = 5_000  # distinct texts clustered directly: the distance matrix is 100 MB at 5,000
MICRO_TOPICS = 1_000  # beyond: k-means groups first (docs/benchmarks.md: HDBSCAN split topics, and slowly)
TERMS = 3


def gap_questions(questions: Sequence[Question]) -> list[Question]:
    """The questions that show a gap: nothing fitted, or the answer did not help; with text kept."""
    return [q for q in questions if q.text and (q.decision == "escalate" or q.feedback == "not_helped")]


def gaps(questions: Sequence[Question], embedder: Embedder, limit: int = AGGLOMERATIVE_LIMIT) -> list[Gap]:
    """The topics among ``questions`` (use ``gap_questions``), largest first. Each distinct text is
    embedded once; up to ``limit`` distinct texts are clustered agglomeratively, more in two stages."""
    texts = [q.text or "" for q in questions]
    if len(texts) < MIN_CLUSTER:
        return []
    distinct = list(dict.fromkeys(texts))
    position = {text: i for i, text in enumerate(distinct)}
    each = [position[t] for t in texts]
    vectors = np.asarray(embedder.encode(distinct), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    labels = (_agglomerative(vectors) if len(distinct) <= limit else _two_stage(vectors))[each]
    terms = _distinctive_terms(texts, labels)
    members: dict[int, list[Question]] = {}
    for question, label in zip(questions, labels.tolist(), strict=True):
        members.setdefault(label, []).append(question)
    found = []
    for label, asked in sorted(members.items(), key=lambda item: -len(item[1])):
        if len(asked) < MIN_CLUSTER:
            break
        found.append(
            Gap(
                label=" ".join(terms[label]),
                size=len(asked),
                councils=dict(Counter(q.tenant or "unknown" for q in asked).most_common()),
                examples=tuple(dict.fromkeys(q.text or "" for q in asked))[:EXAMPLES],
                questions=tuple(q.id for q in asked),
            )
        )
    return found


def _agglomerative(vectors: np.ndarray) -> np.ndarray:
    """A cluster label for each (unit) vector: groups closer than DISTANCE on average are one."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=int)
    clustering = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=DISTANCE
    )
    return np.asarray(clustering.fit_predict(vectors))


def _two_stage(vectors: np.ndarray) -> np.ndarray:
    """The same rule for more texts than an n x n distance matrix allows: k-means into MICRO_TOPICS
    small groups of near-identical questions, then their centres clustered agglomeratively."""
    groups = min(MICRO_TOPICS, len(vectors))
    micro = MiniBatchKMeans(n_clusters=groups, random_state=0, n_init=3, batch_size=4096).fit(vectors)
    centres = micro.cluster_centers_ / np.maximum(np.linalg.norm(micro.cluster_centers_, axis=1, keepdims=True), 1e-12)
    return _agglomerative(centres)[micro.labels_]


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
