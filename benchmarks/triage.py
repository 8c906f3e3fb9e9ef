"""How well does triage set the resolver group and priority? Against the hand-labelled problem
descriptions in benchmarks/data/triage-{dev,test}.jsonl, from the text and tenant alone (no
article, no answers to "is anyone else affected?"): the hardest case the bot meets.

The routing rules were written while looking at the dev split only; the test split only measures.
The baseline always chooses the most common group and priority of the dev split.

    .venv-actions/bin/python benchmarks/triage.py [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.report import machine_line, publish
from bot.paths import ROOT
from bot.servicedesk.triage import Router

DATA = ROOT / "benchmarks" / "data"
ROUTING = ROOT / "knowledge_base" / "routing.yml"


def load(split: str) -> list[dict[str, Any]]:
    with (DATA / f"triage-{split}.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score(items: list[dict[str, Any]], guesses: list[tuple[str, str]]) -> dict[str, float]:
    n = len(items)
    group = sum(g == i["group"] for i, (g, _) in zip(items, guesses, strict=True))
    priority = sum(p == i["priority"] for i, (_, p) in zip(items, guesses, strict=True))
    both = sum((g, p) == (i["group"], i["priority"]) for i, (g, p) in zip(items, guesses, strict=True))
    p1 = [(i, p) for i, (_, p) in zip(items, guesses, strict=True) if i["priority"] == "P1"]
    flagged = [i for i, (_, p) in zip(items, guesses, strict=True) if p == "P1"]
    return {
        "group": group / n,
        "priority": priority / n,
        "both": both / n,
        "p1_recall": sum(p == "P1" for _, p in p1) / len(p1) if p1 else float("nan"),
        "p1_precision": sum(i["priority"] == "P1" for i in flagged) / len(flagged) if flagged else float("nan"),
        "off_by_more_than_one": sum(
            abs(int(p[1]) - int(i["priority"][1])) > 1 for i, (_, p) in zip(items, guesses, strict=True)
        )
        / n,
    }


def row(name: str, s: dict[str, float]) -> str:
    p1 = [f"{s[k]:.0%}" if s[k] == s[k] else "none flagged" for k in ("p1_recall", "p1_precision")]
    return (
        f"| {name} | {s['group']:.1%} | {s['priority']:.1%} | {s['both']:.1%} | {p1[0]} | {p1[1]} | "
        f"{s['off_by_more_than_one']:.1%} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", type=Path, help="replace the triage section of this Markdown file")
    args = parser.parse_args()
    router = Router.load(ROUTING)
    dev, test = load("dev"), load("test")
    common_group = Counter(i["group"] for i in dev).most_common(1)[0][0]
    common_priority = Counter(i["priority"] for i in dev).most_common(1)[0][0]
    lines = [
        "| split | system | group | priority | both | P1 found | P1 right | priority off by 2+ |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for split, items in (("test", test), ("dev", dev)):
        triaged = [router.triage(i["text"], i["tenant"]) for i in items]
        guesses = [(t.resolver_group, t.priority) for t in triaged]
        lines.append(row(f"{split} ({len(items)}) | triage", score(items, guesses)))
        baseline = [(common_group, common_priority)] * len(items)
        name = f"{split} ({len(items)}) | baseline: always {common_group}, {common_priority}"
        lines.append(row(name, score(items, baseline)))
    section = "\n".join(
        [
            f"Hand-labelled problem descriptions: {len(dev)} dev + {len(test)} test, three tenants, 11 groups plus "
            "major-incident and two tenant-only teams. Triage sees only the text and the tenant; the rules in "
            "`knowledge_base/routing.yml` were written on dev. **The test rows are the figure to quote.**",
            "",
            *lines,
            "",
            machine_line("triage.py"),
        ]
    )
    publish(section, "triage", args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
