"""knowledge_base/studio.yml (``ASKIT_STUDIO_FILE``), declared and checked at start-up: which
categories' articles an approver may approve although they wrote them (a category with a single
approver, say). Every other article needs a second person. No file: none may."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.config import ConfigurationError, check_file, line, shown_path
from bot.paths import KNOWLEDGE_BASE_DIR

SETTING = "ASKIT_STUDIO_FILE"
DEFAULT_FILE = KNOWLEDGE_BASE_DIR / "studio.yml"


class StudioFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    self_approval: list[str] = Field(
        default_factory=list, description="categories whose articles their own author may approve"
    )


@dataclass(frozen=True)
class StudioSettings:
    self_approval: frozenset[str] = frozenset()

    @classmethod
    def load(cls, env: Mapping[str, str], categories: Collection[str]) -> StudioSettings:
        """The file ``env`` names (or the default), checked against the articles folder's
        ``categories``; ConfigurationError names the file and the field."""
        path = Path(env.get(SETTING) or DEFAULT_FILE)
        if not path.exists():
            if SETTING in env:
                raise ConfigurationError(line(SETTING, "names no file", str(path)))
            return cls()
        named = check_file(path, StudioFile).self_approval
        for i, category in enumerate(named):
            if category not in categories:
                known = ", ".join(sorted(categories))
                where = f"{shown_path(path)}: self_approval[{i}]"
                raise ConfigurationError(line(where, f"is no category of the articles folder ({known})", category))
        return cls(frozenset(named))
