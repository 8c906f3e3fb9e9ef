"""The studio's values: an article's working copy with its stage, and a published version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Stage = Literal["draft", "in_review", "changes_requested", "approved", "published", "retired"]
STAGES: tuple[Stage, ...] = get_args(Stage)
STAGE_NAMES: dict[Stage, str] = {
    "draft": "Draft",
    "in_review": "In review",
    "changes_requested": "Changes requested",
    "approved": "Approved",
    "published": "Published",
    "retired": "Retired",
}
ALL = "all"  # councils: an article for every council's staff


@dataclass(frozen=True)
class StudioArticle:
    """One article as the studio holds it. ``version`` 0: found in the articles folder, never
    changed in the studio (nothing is stored for it yet)."""

    article_id: str
    category: str
    title: str
    councils: tuple[str, ...]  # tenant ids, or (ALL,)
    owner: str
    stage: Stage
    text: str  # the whole article file: front matter and body
    author: str  # who last changed the text (a person id)
    author_name: str
    note: str | None  # the approver's note when asking for changes, or a publish note
    version: int
    updated_at: float
    updated_by: str
    live_version: int | None  # the number of the version live now; None: nothing of it is live
    publish_at: float | None = None  # approved, to go live then (scheduled by an approver)
    scheduled_by: str | None = None
    scheduled_by_name: str | None = None

    @property
    def for_all(self) -> bool:
        return ALL in self.councils


@dataclass(frozen=True)
class Version:
    """One published version, as it was published."""

    article_id: str
    number: int
    text: str
    published_at: float
    published_by: str
    published_by_name: str
    note: str
