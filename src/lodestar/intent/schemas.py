"""Purchase-intent stars as configuration (what the target is, how far ahead) and as answers (a backtest's
star groups beside the recency-frequency baseline's, an account's stars)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lodestar.kit.stats import Estimate
from lodestar.kit.text import N_, Text

TargetKind = Literal["expansion", "contract", "event"]


class IntentTarget(BaseModel):
    """What the stars predict: an expansion (default), any new contract, or a named tracked event."""

    model_config = ConfigDict(extra="forbid")

    kind: TargetKind = "expansion"
    event: str | None = Field(None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _event_named(self) -> Self:
        if self.kind == "event" and not self.event:
            raise ValueError(Text(N_("name the tracked event the stars predict (event)")))
        if self.kind != "event" and self.event:
            raise ValueError(Text(N_("an event is named only when the target kind is event")))
        return self


class IntentSettings(BaseModel):
    """The configuration kind `intent`: the target, the horizon ahead and the behaviour window behind."""

    model_config = ConfigDict(extra="forbid")

    target: IntentTarget = IntentTarget()
    horizon_days: int = Field(90, ge=14, le=365)
    history_days: int = Field(180, ge=30, le=730)


class StarGroup(BaseModel):
    """One star level of a backtest: how many accounts, how many hit the target, the rate and its interval."""

    stars: int
    accounts: int
    hits: int
    rate: float | None
    low: float | None
    high: float | None


class Ranking(BaseModel):
    """One score's backtest: its star groups, its ranking AUC, and whether the rates rise 1 -> 3 stars."""

    groups: list[StarGroup]
    auc: Estimate
    cutoffs: tuple[float, float]
    rising: bool  # the observed rate rises strictly from 1 to 3 stars
    separated: bool  # and each star's interval lies above the one below


class StarsBacktestRead(BaseModel):
    """`lodestar backtest stars`: the model's stars and a recency-frequency baseline's, same accounts."""

    as_of: date
    horizon_days: int
    target: IntentTarget
    training_dates: int
    training_rows: int
    accounts: int
    hits: int
    model: Ranking
    baseline: Ranking


class StarsScoreRead(BaseModel):
    """`lodestar predict stars score`: how many accounts got each star on a date."""

    as_of: date
    horizon_days: int
    target: IntentTarget
    training_rows: int
    stars: dict[int, int]
    cutoffs: tuple[float, float]


class SalesLead(BaseModel):
    """A 3-star account with no expansion in hand, as the sales list shows it."""

    account_id: int
    name: str
    owner_id: int | None
    owner: str | None
    tier: str | None
    arr: Decimal
    currency: str
    renewal_date: date | None
    score: float | None
    scored_on: date | None


class SalesLeadPage(BaseModel):
    """One page of the sales list and how many accounts it holds in all."""

    items: list[SalesLead]
    total: int
    page: int
    size: int
