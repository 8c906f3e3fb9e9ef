"""What the studio refuses, and why: each error says it in words an editor can act on. Callers
catch ``StudioError`` (and bot.knowledge's ``KnowledgeError``, for an index that is not built).

StudioError
 ├── InvalidDraft         the article as written would not load: each field at fault
 ├── StaleDraft           someone else changed it since it was read
 ├── NotAllowed           not this person's role, councils, or their own work to approve
 ├── WrongStage           not at a stage where this can be done
 ├── UnknownArticle       no such article or version
 ├── UnknownCouncilError  a council that knowledge_base/tenants.yml does not name
 ├── NotInInbox           no such task or proposed phrasing for this person (bot/studio/inbox.py)
 └── AlreadyDecided       someone decided that task or phrasing already
"""

from __future__ import annotations

from bot.knowledge.errors import Problem
from bot.studio.models import StudioArticle


class StudioError(Exception):
    """Base of every refusal the studio makes."""


class InvalidDraft(StudioError):
    """The article as written would not load: ``problems`` name each field at fault. Nothing was saved."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))


class StaleDraft(StudioError):
    """Someone else changed the article since it was read: ``current`` is what it is now."""

    def __init__(self, current: StudioArticle) -> None:
        self.current = current
        super().__init__(f"{current.article_id} is at version {current.version} now")


class NotAllowed(StudioError):
    """This person may not do this to this article (their role, their councils, or their own work)."""


class WrongStage(StudioError):
    """The article is not at a stage where this can be done (e.g. publishing what nobody approved)."""


class UnknownArticle(StudioError):
    """No article, and no version, of that id."""


class UnknownCouncilError(StudioError):
    """A trial named a council AskIT does not serve; its articles would silently be hidden."""


class NotInInbox(StudioError):
    """No such task or proposed phrasing in this person's inbox (never was, or not theirs to see)."""


class AlreadyDecided(StudioError):
    """Someone decided this task or phrasing already: it has left the inbox."""
