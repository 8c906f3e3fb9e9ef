"""A light classifier over the embeddings: which article does a question belong to?

Multinomial logistic regression trained on each article's own texts (title, questions, body
opening: the vectors the build embeds anyway), so it learns what sets an article apart from its
neighbours, where the nearest-vector score only sees how close one phrasing is. It is retrained
by every build (0.2 s for this collection's 1,900 texts; 7 s for CLINC150's 15,000 in 150 intents),
so an edited article is learnt with nothing to retrain by hand. Training needs scikit-learn; a
search needs only numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.knowledge.layout import CLASSIFIER_FILE

MAX_ARTICLES = 1000  # above this, training takes more than seconds: the build skips the classifier
REGULARISATION = 10.0  # scikit-learn's C; 1 and 100 ranked worse on CLINC150's val split (top-1 0.951, 0.958 vs 0.960)
MAX_ITERATIONS = 500


class ArticleClassifier:
    """``probabilities(vector)[i]`` is the chance that the question is about ``classes[i]``; an
    untrained one (no classes: a collection above ``MAX_ARTICLES``) gives none."""

    def __init__(self, classes: Sequence[str], weights: np.ndarray, bias: np.ndarray) -> None:
        self.classes = tuple(classes)
        self.weights, self.bias = weights.astype(np.float32), bias.astype(np.float32)
        self.column = {c: i for i, c in enumerate(self.classes)}

    @classmethod
    def untrained(cls, dimension: int) -> ArticleClassifier:
        """No classifier: the search then ranks without one."""
        return cls((), np.zeros((0, dimension)), np.zeros(0))

    @classmethod
    def train(
        cls, vectors: np.ndarray, labels: Sequence[str], regularisation: float = REGULARISATION
    ) -> ArticleClassifier:
        """Fit on ``vectors`` (one row per text) labelled with their article ids."""
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        classes = sorted(set(labels))
        if len(classes) > MAX_ARTICLES:
            return cls.untrained(vectors.shape[1])
        if len(classes) < 2:  # nothing to tell apart: every question belongs to the one article
            return cls(classes, np.zeros((len(classes), vectors.shape[1])), np.zeros(len(classes)))
        column = {c: i for i, c in enumerate(classes)}
        model = LogisticRegression(C=regularisation, max_iter=MAX_ITERATIONS)
        # one BLAS thread: this small problem is 10-30x slower when BLAS threads contend with the
        # server's own (0.2 s against 5 s for 1,900 texts, measured while a search ran beside it)
        with threadpool_limits(limits=1):
            model.fit(vectors, np.array([column[label] for label in labels]))
        return cls(classes, model.coef_, model.intercept_)

    def probabilities(self, vector: np.ndarray) -> np.ndarray:
        if not self.classes:
            return np.zeros(0)
        logits = self.weights @ vector.astype(np.float32) + self.bias
        exp = np.exp(logits - logits.max())
        return np.asarray(exp / exp.sum(), dtype=np.float64)

    def save(self, build: Path) -> None:
        np.savez(build / CLASSIFIER_FILE, classes=np.array(self.classes), weights=self.weights, bias=self.bias)

    @classmethod
    def load(cls, build: Path) -> ArticleClassifier:
        with np.load(build / CLASSIFIER_FILE) as data:
            return cls(data["classes"].tolist(), data["weights"], data["bias"])
