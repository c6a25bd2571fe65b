"""Maturity levels as validated configuration (dimensions of weighted metrics, a minimum per dimension for
each level), and what the API answers: an account's level with its next-level gap, the portfolio's
distribution and moves."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lodestar.health.schemas import Scoring
from lodestar.kit.text import N_, Text

TOP_LEVEL = 4  # levels run 0..4; level 0 needs nothing
Minimum = Annotated[float, Field(ge=0, le=100)]
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LevelMetric(_Strict):
    """One metric column scored 0-100 by thresholds (poor 0, concerning 50, healthy 100), weighted in its
    dimension. Only thresholds: the next-level gap names a target value, which a peer percentile has not."""

    metric: str = Field(min_length=1)
    label: str | None = Field(None, max_length=80)
    label_zh: str | None = Field(None, max_length=80)
    weight: float = Field(gt=0, le=1000)
    scoring: Scoring

    @field_validator("scoring")
    @classmethod
    def _thresholds(cls, scoring: Scoring) -> Scoring:
        if scoring.method != "thresholds":
            raise ValueError(Text(N_("levels score metrics by thresholds only (a target needs a value)")))
        return scoring

    def shown(self, chinese: bool) -> str | None:
        """The label in the reader's language (None: the caller names the metric)."""
        return (self.label_zh or self.label) if chinese else self.label


class Dimension(_Strict):
    """A capability dimension: the weighted mean of its metrics' scores, and the score each level needs."""

    key: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=80)
    name_zh: str = Field(min_length=1, max_length=80)
    metrics: list[LevelMetric] = Field(min_length=1)
    minimums: list[Minimum] = Field(min_length=TOP_LEVEL, max_length=TOP_LEVEL)

    @field_validator("key")
    @classmethod
    def _key(cls, key: str) -> str:
        if not KEY.match(key):
            raise ValueError(Text(N_("must be lower-case letters, digits and _ (starting with a letter)")))
        return key

    @field_validator("minimums")
    @classmethod
    def _rising(cls, minimums: list[float]) -> list[float]:
        for k in range(1, len(minimums)):
            if minimums[k] < minimums[k - 1]:
                raise ValueError(
                    Text(
                        N_("must not decrease from level to level (level %(higher)s: %(low)s < %(high)s)"),
                        higher=k + 1,
                        low=f"{minimums[k]:g}",
                        high=f"{minimums[k - 1]:g}",
                    )
                )
        return minimums

    @model_validator(mode="after")
    def _unique(self) -> Self:
        seen = [m.metric for m in self.metrics]
        dupes = sorted({m for m in seen if seen.count(m) > 1})
        if dupes:
            raise ValueError(f"a metric may appear once per dimension; repeated: {', '.join(dupes)}")
        return self

    def shown(self, chinese: bool) -> str:
        """The dimension's name in the reader's language."""
        return self.name_zh if chinese else self.name


class LevelName(_Strict):
    """What a level is called, in both languages."""

    name: str = Field(min_length=1, max_length=60)
    name_zh: str = Field(min_length=1, max_length=60)


class LevelsConfig(_Strict):
    """The dimensions and the names of levels 0..4; an account's level is the highest k whose minimum every
    dimension reaches."""

    levels: list[LevelName] = Field(min_length=TOP_LEVEL + 1, max_length=TOP_LEVEL + 1)
    dimensions: list[Dimension] = Field(min_length=1, max_length=12)

    @model_validator(mode="after")
    def _unique_keys(self) -> Self:
        keys = [d.key for d in self.dimensions]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"dimension keys must be unique; repeated: {', '.join(dupes)}")
        return self

    def level_name(self, level: int, chinese: bool) -> str:
        """Level k's name in the reader's language."""
        named = self.levels[level]
        return named.name_zh if chinese else named.name


class MetricTarget(BaseModel):
    """A metric of a dimension that falls short: its value now and the value that would close the gap."""

    metric: str
    label: str
    value: float | None
    score: float | None
    target: float
    closes_gap_alone: bool  # False: even at its healthy value the metric alone does not close the gap


class DimensionGap(BaseModel):
    """A dimension below the next level's minimum, by how much, and the metrics that would move it."""

    key: str
    name: str
    score: float | None
    minimum: float
    short_by: float
    metrics: list[MetricTarget]


class DimensionScore(BaseModel):
    """A dimension's score (None without data) and what share of its weight had data."""

    key: str
    name: str
    score: float | None
    coverage: float


class AccountLevel(BaseModel):
    """An account's maturity level on a snapshot date, each dimension's score, and the next-level gap."""

    account_id: int
    as_of: date
    level: int
    level_name: str
    next_level: int | None
    next_level_name: str | None
    dimensions: list[DimensionScore]
    gaps: list[DimensionGap]
    config_version: int
    history: list[tuple[date, int]] = Field(default_factory=list)


class LevelGroup(BaseModel):
    """How many accounts of a group (a tier or a CSM) sit at each level 0..4."""

    key: str
    label: str
    counts: list[int]


class LevelPortfolio(BaseModel):
    """The caller's accounts by level on a date, per tier and per CSM, and their moves since an earlier
    date (moves[i][j]: accounts at level i then and level j now, among those with both)."""

    as_of: date | None
    since: date | None
    dates: list[date]
    level_names: list[str]
    totals: list[int]
    by_tier: list[LevelGroup]
    by_csm: list[LevelGroup]
    moves: list[list[int]] | None
    config_version: int
