"""`python -m bot.knowledge` as a knowledge editor runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.paths import ROOT

ARTICLE = """---
id: vpn-connect
title: VPN will not connect
category: connectivity
questions: [vpn not working]
audience: all
owner: Network team
review_by: {review_by}
status: published
---
Restart the VPN app.
"""


def kb(*args: str, articles: Path, index: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASKIT_ARTICLES_DIR": str(articles), "ASKIT_INDEX_DIR": str(index)}
    return subprocess.run(
        [sys.executable, "-m", "bot.knowledge", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_a_malformed_article_stops_the_build_naming_file_and_field(tmp_path: Path) -> None:
    articles, index = tmp_path / "articles", tmp_path / "index"
    path = articles / "connectivity" / "vpn-connect.md"
    path.parent.mkdir(parents=True)
    path.write_text(ARTICLE.format(review_by="2027-06-30"))
    built = kb("build", articles=articles, index=index)
    assert built.returncode == 0, built.stderr
    current = (index / "current").resolve()

    path.write_text(ARTICLE.format(review_by="next year"))
    broken = kb("build", articles=articles, index=index)
    assert broken.returncode == 1
    assert f"{path}: review_by: must be a date written YYYY-MM-DD, got 'next year'" in broken.stderr
    assert (index / "current").resolve() == current  # the index that was serving stays in place

    path.unlink()
    empty = kb("validate", articles=articles, index=index)
    assert empty.returncode == 1 and "holds no articles" in empty.stderr
