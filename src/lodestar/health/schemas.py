"""Health models as validated configuration (measures, groups, weights per tier, grades), and backtest
results as the API shows them."""

from __future__ import annotations

from datetime import date
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lodestar.kit.text import N_, Text

Group = Literal["co", "cx"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Scoring(_Strict):
    """Maps a raw value to 0-100: thresholds (poor 0, concerning 50, healthy 100) or peer percentile."""

    method: Literal["thresholds", "percentile"] = "thresholds"
    direction: Literal["higher", "lower"] = "higher"
    poor: float | None = None
    concerning: float | None = None
    healthy: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.method == "percentile":
            if any(v is not None for v in (self.poor, self.concerning, self.healthy)):
                raise ValueError("percentile scoring takes no poor/concerning/healthy thresholds")
            return self
        if self.poor is None or self.healthy is None:
            raise ValueError("thresholds scoring needs both poor and healthy")
        mid = self.concerning if self.concerning is not None else (self.poor + self.healthy) / 2
        points = (self.poor, mid, self.healthy)
        rising = points[0] < points[1] < points[2]
        falling = points[0] > points[1] > points[2]
        if (self.direction == "higher" and not rising) or (self.direction == "lower" and not falling):
            order = (
                "poor < concerning < healthy" if self.direction == "higher" else "poor > concerning > healthy"
            )
            raise ValueError(f"{self.direction}-is-better thresholds must satisfy {order}")
        return self

    def anchors(self) -> tuple[float, float, float]:
        """The poor, concerning and healthy points (concerning defaults to the midpoint)."""
        assert self.poor is not None and self.healthy is not None
        mid = self.concerning if self.concerning is not None else (self.poor + self.healthy) / 2
        return self.poor, mid, self.healthy


class Measure(_Strict):
    """One metric column scored 0-100 and weighted inside its group."""

    metric: str = Field(min_length=1)
    label: str | None = None
    group: Group
    weight: float = Field(gt=0)
    scoring: Scoring

    @property
    def name(self) -> str:
        """The label shown to people (the metric's name when no label is set)."""
        return self.label or self.metric


class GroupWeights(_Strict):
    """How much CO and CX count (any positive scale; they are normalised)."""

    co: float = Field(ge=0)
    cx: float = Field(ge=0)

    @model_validator(mode="after")
    def _some(self) -> Self:
        if self.co + self.cx <= 0:
            raise ValueError("co + cx must be > 0")
        return self


class Grades(_Strict):
    """Grade boundaries: green at or above `green`, yellow at or above `yellow`, red below.

    `margin` is the grade hysteresis: an account keeps its previous grade until its score crosses a
    boundary by more than `margin` points (a Green account turns Yellow below green - margin, a Yellow
    one turns Green at green + margin), so a score wobbling around a boundary does not flip the grade
    every snapshot. 0 turns it off; the default (5) shrinks to half the yellow band when that is narrower.
    """

    green: float = Field(default=70, gt=0, le=100)
    yellow: float = Field(default=40, gt=0, le=100)
    margin: float = Field(default=5, ge=0, le=25)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.yellow >= self.green:
            raise ValueError(Text(N_("yellow must be < green")))
        if 2 * self.margin > self.green - self.yellow:
            if "margin" not in self.model_fields_set:  # the default yields to narrow bands rather than refuse
                self.margin = (self.green - self.yellow) / 2
                return self
            raise ValueError(Text(N_("margin must be at most half the distance from yellow to green")))
        return self


class AppliesTo(_Strict):
    """Where a model applies: these lifecycle stages and/or tiers (empty means any)."""

    stages: list[str] = Field(default_factory=list)
    tiers: list[str] = Field(default_factory=list)

    def matches(self, stage: str | None, tier: str | None) -> bool:
        """Whether an account in this stage and tier is judged by the model."""
        return (not self.stages or stage in self.stages) and (not self.tiers or tier in self.tiers)


class HealthModel(_Strict):
    """A named health model: measures in CO and CX groups, CO/CX weights by tier, grades."""

    name: str = Field(min_length=1, max_length=60)
    applies_to: AppliesTo = Field(default_factory=AppliesTo)
    group_weights: GroupWeights = Field(default_factory=lambda: GroupWeights(co=80, cx=20))
    tier_group_weights: dict[str, GroupWeights] = Field(default_factory=dict)
    grades: Grades = Field(default_factory=Grades)
    measures: list[Measure] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        seen = [m.metric for m in self.measures]
        dupes = sorted({m for m in seen if seen.count(m) > 1})
        if dupes:
            raise ValueError(f"a metric may be measured once per model; repeated: {', '.join(dupes)}")
        return self

    def weights_for(self, tier: str | None) -> GroupWeights:
        """The CO/CX weights of a tier (the model's default when the tier has none)."""
        return self.tier_group_weights.get(tier or "", self.group_weights)


class HealthConfig(_Strict):
    """Every health model; the first whose `applies_to` matches an account judges it."""

    models: list[HealthModel] = Field(min_length=1)

    @model_validator(mode="after")
    def _fallback(self) -> Self:
        names = [m.name for m in self.models]
        if len(set(names)) != len(names):
            raise ValueError("model names must be unique")
        last = self.models[-1].applies_to
        if last.stages or last.tiers:
            raise ValueError("the last model must apply to every account (empty applies_to)")
        return self

    def model_for(self, stage: str | None, tier: str | None) -> HealthModel:
        """The first model that applies to this stage and tier."""
        return next(m for m in self.models if m.applies_to.matches(stage, tier))


class BacktestRead(BaseModel):
    """How well health on a date ranked the accounts that churned within the horizon."""

    model_config = ConfigDict(from_attributes=True)

    as_of: date
    horizon_days: int
    model_version: int
    accounts: int
    churned: int
    auc: float | None
    auc_low: float | None
    auc_high: float | None
    lift: float | None
    lift_low: float | None
    lift_high: float | None
