"""How long finding content gaps takes, and how well, as the questions grow: planted topics
(each asked in many phrasings, with openings, endings and typing slips; one-off questions mixed
in) embedded with the knowledge base's model and clustered (bot/insights/gaps.py: agglomerative up
to 5,000 distinct texts, two stages beyond). Purity: the share of clustered questions that sit in
a cluster whose largest topic is their own. ``--hdbscan`` also clusters the largest set with
scikit-learn's HDBSCAN, the method first tried.

    .venv-actions/bin/python benchmarks/insights_gaps.py --questions 2000 5000 20000 --hdbscan
"""

from __future__ import annotations

import argparse
import platform
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, from anywhere

import numpy as np
from sklearn.cluster import HDBSCAN

from bot.insights.figures import MIN_CLUSTER
from bot.insights.gaps import AGGLOMERATIVE_LIMIT, gaps
from bot.insights.outcomes import Question
from bot.knowledge.embedding import SentenceTransformerEmbedder

TOPICS = (
    "staff parking permit", "pool car booking", "payslip", "ID badge photo", "mileage claim", "flexi time sheet",
    "desk booking", "locker key", "occupational health referral", "pension statement", "jury service leave",
    "car lease scheme", "cycle to work scheme", "eye test voucher", "DBS check", "first aid course",
    "fire warden rota", "building access out of hours", "lost property", "expenses receipt", "training budget",
    "long service award", "maternity pay", "union subscription", "staff discount card", "canteen menu",
    "shower room key", "meeting room projector cable", "office plant watering", "postal franking machine",
)  # fmt: skip
PHRASES = (
    "how do I get a {}", "where do I apply for my {}", "who deals with the {}", "my {} is wrong",
    "can someone help with a {} please", "I need to sort out my {}", "what's the process for a {}",
    "is there a form for the {}", "{} question", "who do I ask about the {} at the civic centre",
)  # fmt: skip
OPENINGS = ("", "hi, ", "urgent: ", "quick one - ", "hello team, ", "morning, ")
ENDINGS = ("", " please", " thanks", " asap", " for my team", " at the depot", " - I'm a new starter", "?")
ONE_OFF_SHARE = 0.1


def typed(text: str, rng: random.Random) -> str:
    """``text`` as someone in a hurry types it: now and then two letters swapped."""
    if len(text) > 4 and rng.random() < 0.3:
        i = rng.randrange(len(text) - 1)
        text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text


def planted(size: int, seed: int = 3) -> tuple[list[Question], list[str]]:
    rng = random.Random(seed)
    questions, truth = [], []
    for n in range(size):
        if rng.random() < ONE_OFF_SHARE:
            text, topic = f"something odd happened to item {rng.randint(1, 10**6)} in room {n}", "one-off"
        else:
            topic = rng.choice(TOPICS)
            text = typed(rng.choice(OPENINGS) + rng.choice(PHRASES).format(topic) + rng.choice(ENDINGS), rng)
        questions.append(Question(n, f"c{n}", f"u{n}", float(n), "webchat", "riverside", text, "escalate", None, None))
        truth.append(topic)
    return questions, truth


def score(labels: list[int], truth: list[str]) -> str:
    """How many clusters of at least MIN_CLUSTER, how many questions are in one, and their purity."""
    members: dict[int, list[str]] = {}
    for label, topic in zip(labels, truth, strict=True):
        if label != -1:
            members.setdefault(label, []).append(topic)
    shown = [topics for topics in members.values() if len(topics) >= MIN_CLUSTER]
    clustered = sum(len(topics) for topics in shown)
    right = sum(Counter(topics).most_common(1)[0][1] for topics in shown)
    return (f"{len(shown)} gaps for {len(TOPICS)} topics, {clustered / len(labels):.0%} of questions in one, "
            f"purity {right / max(clustered, 1):.1%}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, nargs="+", default=[2_000, 20_000])
    parser.add_argument("--hdbscan", action="store_true", help="also HDBSCAN on the largest set")
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder()
    for size in args.questions:
        questions, truth = planted(size)
        started = time.perf_counter()
        found = gaps(questions, embedder)
        took = time.perf_counter() - started
        distinct = len({q.text for q in questions})
        method = "agglomerative" if distinct <= AGGLOMERATIVE_LIMIT else "two stages"
        labels = [-1] * size
        for n, gap in enumerate(found):
            for i in gap.questions:
                labels[i] = n
        print(f"{size:,} questions, {distinct:,} distinct ({method}): {took:.1f} s with embedding, "
              f"{score(labels, truth)}")  # fmt: skip
    if args.hdbscan:
        questions, truth = planted(max(args.questions))
        vectors = np.asarray(embedder.encode([q.text or "" for q in questions]), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        started = time.perf_counter()
        labels = HDBSCAN(min_cluster_size=MIN_CLUSTER, copy=True).fit_predict(vectors).tolist()
        print(f"HDBSCAN on {len(questions):,}: {time.perf_counter() - started:.1f} s without embedding, "
              f"{score(labels, truth)}")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.machine()}, Python {platform.python_version()}; peak RSS {peak:,.0f} MB")


if __name__ == "__main__":
    main()
