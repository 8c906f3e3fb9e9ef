"""An answer sized for a chat: the article's opening and the one section that best matches the
question, rather than the whole article.

The decision stays the article's (``decision.py``): this only chooses, inside the article already
chosen, what to show first. Sections are the article's ``## `` headings. The first one (usually
"Try this first") is shown unless another matches the question clearly better (by
``OTHER_SECTION_MARGIN`` in cosine similarity: the model's scores for sections of one article are
close, and a near tie is no reason to skip the main steps). The closing "If this does not fix it"
section (what the desk needs for a ticket) is chosen only when the article has no other.

Each section's vector is made the first time its article is answered and kept for that article's
text, so the first answer from an article costs one embedding per section and later answers a dot
product (``benchmarks/conversations.py`` measures both).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from bot.knowledge.articles import Article
from bot.knowledge.embedding import Embedder

SHORT_ENOUGH = 700  # characters: a body this short is shown whole
OTHER_SECTION_MARGIN = 0.05
SECTION_CHARS = 600  # a longer section shows its first steps up to about this many characters
BLOCK = re.compile(r"\n\s*\n|\n(?=\s*(?:\d+\.|[-*]) )")  # paragraphs, and list items at any depth
CLOSING = re.compile(r"if this (does not|doesn't) (fix|solve|help)", re.IGNORECASE)
HEADING = re.compile(r"^## +", re.MULTILINE)
CACHED_ARTICLES = 1024


@dataclass(frozen=True)
class Section:
    heading: str
    text: str


@dataclass(frozen=True)
class Passage:
    text: str  # what the chat shows: the whole body, or its opening and one section
    whole: bool  # the whole body: there is nothing more to show


def split(body: str) -> tuple[str, tuple[Section, ...]]:
    """The text before the first ``## `` heading, and each headed section."""
    parts = HEADING.split(body)
    sections = (part.partition("\n") for part in parts[1:])
    return parts[0].strip(), tuple(Section(head.strip(), text.strip()) for head, _, text in sections)


def _opening(text: str) -> str:
    """The first paragraph: what the article helps with."""
    return text.split("\n\n", 1)[0].strip()


def _first_steps(text: str) -> str:
    """The section's first paragraphs and list items, whole and as written, up to about
    SECTION_CHARS (at least one)."""
    ends = [m.start() for m in BLOCK.finditer(text)] + [len(text)]  # where each block ends
    cut = next((e for e in ends if e > SECTION_CHARS), len(text))
    kept = [e for e in ends if e <= SECTION_CHARS]
    return text[: kept[-1] if kept else cut].rstrip()


def section_passage(article: Article, section: Section) -> Passage:
    """What the chat shows for one section of ``article``: the article's opening, the section's
    heading and its first steps."""
    steps = _first_steps(section.text)
    shown = "\n\n".join(part for part in (_opening(split(article.body)[0]), f"## {section.heading}", steps) if part)
    return Passage(shown, len(shown) >= len(article.body))


class Passages:
    """Chooses the section to show, with the search's own embedder and query vector."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def pick(self, article: Article, query: np.ndarray) -> Passage:
        """The passage of ``article`` that answers the question whose vector is ``query``."""
        sections = split(article.body)[1]
        if len(article.body) <= SHORT_ENOUGH or not sections:
            return Passage(article.body, True)
        candidates = [s for s in sections if not CLOSING.match(s.heading)] or list(sections)
        scores = self._section_vectors(article, candidates) @ np.asarray(query, dtype=np.float32)
        best_index = int(np.argmax(scores))
        best = candidates[best_index if scores[best_index] >= scores[0] + OTHER_SECTION_MARGIN else 0]
        return section_passage(article, best)

    def _section_vectors(self, article: Article, sections: list[Section]) -> np.ndarray:
        key = (article.id, article.body)
        with self._lock:
            cached = self._vectors.get(key)
            if cached is not None:
                self._vectors.move_to_end(key)
                return cached
        texts = [f"{article.title}: {s.heading}\n{s.text}" for s in sections]
        vectors = np.asarray(self.embedder.encode(texts), dtype=np.float32)
        with self._lock:
            self._vectors[key] = vectors
            while len(self._vectors) > CACHED_ARTICLES:
                self._vectors.popitem(last=False)
        return vectors
