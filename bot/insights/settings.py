"""knowledge_base/insights.yml, declared and checked at start-up: an error names the file and the field."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt, model_validator

from bot.config import ConfigurationError, check_file
from bot.identity import load_tenants
from bot.insights.figures import DEFLECTION_DAYS, Cost
from bot.paths import ROOT

INSIGHTS_CONFIG = ROOT / "knowledge_base" / "insights.yml"


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CostEntry(_Schema):
    minutes: PositiveFloat | None = None
    per_minute: PositiveFloat | None = None
    amount: PositiveFloat | None = None

    @model_validator(mode="after")
    def one_way(self) -> CostEntry:
        if (self.amount is None) == (self.minutes is None or self.per_minute is None):
            raise ValueError("give either amount, or minutes and per_minute")
        return self

    def cost(self) -> Cost:
        return Cost.of(self.minutes, self.per_minute, self.amount)


class InsightsFile(_Schema):
    deflection_days: PositiveInt = Field(DEFLECTION_DAYS, description="days after an answer a ticket still counts")
    retention_days: PositiveInt = Field(90, description="days the redacted question text is kept")
    cost_per_contact: dict[str, CostEntry] = Field(description="default, and councils that differ")


class InsightsSettings:
    def __init__(self, data: InsightsFile) -> None:
        self.deflection_days = data.deflection_days
        self.retention_days = data.retention_days
        self.default_cost = data.cost_per_contact["default"].cost()
        self.costs = {k: v.cost() for k, v in data.cost_per_contact.items() if k != "default"}

    @classmethod
    def load(cls, path: Path = INSIGHTS_CONFIG) -> InsightsSettings:
        data = check_file(path, InsightsFile)
        if "default" not in data.cost_per_contact:
            raise ConfigurationError(f"{path.name}: cost_per_contact.default: is required")
        known = load_tenants().ids
        for council in data.cost_per_contact:
            if council != "default" and council not in known:
                raise ConfigurationError(f"{path.name}: cost_per_contact.{council}: is not a tenant of tenants.yml")
        return cls(data)
