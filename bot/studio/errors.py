"""Errors raised by the studio; callers catch ``StudioError`` (and bot.knowledge's ``KnowledgeError``,
for an index that is not built or a draft the build refuses).

StudioError
 └── UnknownCouncilError  a council that knowledge_base/tenants.yml does not name
"""

from __future__ import annotations


class StudioError(Exception):
    """Base class of every error this package raises."""


class UnknownCouncilError(StudioError):
    """A trial named a council AskIT does not serve; its articles would silently be hidden."""
