"""Set a ticket's category, priority (P1-P4) and resolver group, so nobody has to re-triage it.

Impact and urgency come from what the user said, or from their answer when the bot had to ask
(bot/servicedesk/impact.py reads them and gives the priority); when neither says anything,
the article's usual priority stands, else one person with a fault (P3). A P1 goes to the
major-incident group. Otherwise the group comes from the routing file's keyword rules (the tenant's
own first), then from the escalation block of the article the user was on, then the default; last,
the tenant's own teams replace shared ones (``knowledge_base/routing.yml``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from bot.config import NAME, check_file
from bot.priority import is_major_incident
from bot.servicedesk.errors import ConfigError
from bot.servicedesk.impact import LOW, MEDIUM, URGENCY_OF_PRIORITY, assess, priority_for

DEFAULT_CATEGORY = "general"


@dataclass(frozen=True)
class ArticleRouting:
    """What the article the user was on says about escalation."""

    category: str
    group: str | None
    priority: str | None


@dataclass(frozen=True)
class Triage:
    category: str
    priority: str
    resolver_group: str
    impact: str
    urgency: str

    @property
    def major_incident(self) -> bool:
        return is_major_incident(self.priority)


@dataclass(frozen=True)
class Rule:
    keywords: re.Pattern[str]
    group: str
    category: str | None = None


@dataclass(frozen=True)
class TenantRouting:
    rules: tuple[Rule, ...] = ()
    groups: Mapping[str, str] = field(default_factory=dict)  # shared group -> this tenant's team
    categories: Mapping[str, str] = field(default_factory=dict)  # category -> this tenant's team


def _keyword(value: Any) -> str:
    """A keyword as YAML gives it: text, or a number such as 404 (taken as its digits)."""
    return NAME.check(str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value)


def _null_is(empty: Callable[[], Any]) -> BeforeValidator:
    """``rules:`` with nothing after it is YAML null: no rules (an empty list or mapping)."""
    return BeforeValidator(lambda value: empty() if value is None else value)


Name = Annotated[str, BeforeValidator(NAME.check)]
Keyword = Annotated[str, BeforeValidator(_keyword)]
OptionalName = Annotated[str | None, BeforeValidator(lambda v: v if v is None else NAME.check(v))]


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleEntry(_Schema):
    keywords: Annotated[list[Keyword], Field(min_length=1, description="the words that pick the rule, a list")]
    group: Name = Field(description="the resolver group the rule gives")
    category: OptionalName = Field(None, description="the category the rule gives")


class TenantEntry(_Schema):
    rules: Annotated[list[RuleEntry], _null_is(list)] = []
    groups: Annotated[dict[Name, Name], _null_is(dict)] = {}  # shared group -> the tenant's team
    categories: Annotated[dict[Name, Name], _null_is(dict)] = {}  # category -> the tenant's team


class RoutingFile(_Schema):
    """knowledge_base/routing.yml (``ASKIT_ROUTING_FILE``)."""

    default_group: Name = "service-desk"
    major_incident_group: Name = "major-incident"
    rules: Annotated[list[RuleEntry], _null_is(list)] = []
    tenants: Annotated[dict[Name, TenantEntry], _null_is(dict)] = {}


@dataclass(frozen=True)
class Router:
    rules: tuple[Rule, ...] = ()
    tenants: Mapping[str, TenantRouting] = field(default_factory=dict)
    default_group: str = "service-desk"
    major_incident_group: str = "major-incident"

    @classmethod
    def load(cls, path: Path) -> Router:
        """The routing file, checked against ``RoutingFile``; ConfigError names the file and the field."""
        routing = check_file(path, RoutingFile, ConfigError)
        return cls(
            rules=_rules(routing.rules),
            tenants={
                name: TenantRouting(_rules(tenant.rules), tenant.groups, tenant.categories)
                for name, tenant in routing.tenants.items()
            },
            default_group=routing.default_group,
            major_incident_group=routing.major_incident_group,
        )

    def triage(
        self,
        text: str,
        tenant: str | None = None,
        article: ArticleRouting | None = None,
        impact: str | None = None,
        urgency: str | None = None,
    ) -> Triage:
        """``impact``/``urgency``: the user's own answer when the bot asked; they beat the text."""
        said = assess(text)
        impact, urgency = impact or said.impact, urgency or said.urgency
        if impact is None and urgency is None and article and article.priority in URGENCY_OF_PRIORITY:
            priority = article.priority  # nobody said otherwise: the article's usual priority
            impact, urgency = LOW, URGENCY_OF_PRIORITY[priority]
        else:
            impact, urgency = impact or LOW, urgency or MEDIUM
            priority = priority_for(impact, urgency)
        local = self.tenants.get(tenant or "", TenantRouting())
        rule = next((r for r in (*local.rules, *self.rules) if r.keywords.search(text)), None)
        category = (rule.category if rule else None) or (article.category if article else DEFAULT_CATEGORY)
        group = rule.group if rule else (article.group if article and article.group else self.default_group)
        group = local.categories.get(category) or local.groups.get(group) or group
        if is_major_incident(priority):
            group = self.major_incident_group
        return Triage(category, priority, group, impact, urgency)


def _rules(entries: Sequence[RuleEntry]) -> tuple[Rule, ...]:
    def pattern(words: Sequence[str]) -> re.Pattern[str]:
        return re.compile("|".join(rf"\b{re.escape(w)}" for w in words), re.IGNORECASE)

    return tuple(Rule(pattern(entry.keywords), entry.group, entry.category) for entry in entries)
