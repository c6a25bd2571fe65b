"""Pydantic in/out models of the retention figures and the renewal analysis report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lodestar.kit.text import Text
from lodestar.renewals.retention.periods import PeriodKind

Breakdown = Literal["tier", "csm", "industry", "plan", "region", "cohort"]
BREAKDOWNS: tuple[Breakdown, ...] = ("tier", "csm", "industry", "plan", "region", "cohort")
MOST_PERIODS = 120


class RetentionQuery(BaseModel):
    """What to compute: the period length, the breakdown (one or more dimensions) and the date range."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    period: PeriodKind = "quarter"
    by: list[Breakdown] = Field(default_factory=list, max_length=3)
    first: date | None = Field(None, alias="from")
    last: date | None = Field(None, alias="to")

    @field_validator("by", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list):
            unknown = [v for v in value if v not in BREAKDOWNS]
            if unknown:
                raise ValueError(
                    Text(
                        "unknown breakdown %(value)s: choose from %(choices)s",
                        value=", ".join(map(str, unknown)),
                        choices=", ".join(BREAKDOWNS),
                    )
                )
            if len(set(value)) != len(value):
                raise ValueError(Text("a breakdown is named twice"))
        return value


class RetentionFigures(BaseModel):
    """The ARR bridge of a starting cohort and the ratios made from it (amounts in the company currency;
    ratios with four decimals, null when nothing was there to keep)."""

    start_arr: Decimal
    expansion: Decimal
    contraction: Decimal
    churn: Decimal
    end_arr: Decimal
    customers_at_start: int
    customers_kept: int
    arr_up_for_renewal: Decimal
    arr_renewed: Decimal
    contracts_up_for_renewal: int
    grr: Decimal | None
    nrr: Decimal | None
    logo_retention: Decimal | None
    renewal_rate: Decimal | None


class RetentionRow(BaseModel):
    """One period (or window) and group: its figures."""

    period: str
    start: date
    end: date = Field(description="The first day after the period.")
    measured_on: date = Field(description="The day the end ARR is taken: the period's end, or today.")
    partial: bool = Field(description="The period is still running: its figures will move.")
    group: dict[str, str] = Field(default_factory=dict, description="The group's key per dimension.")
    label: dict[str, str] = Field(default_factory=dict, description="The group's names per dimension.")
    figures: RetentionFigures


class CohortHeatmap(BaseModel):
    """NRR (percent) by signing quarter (rows) and period (columns); null where the cohort had no ARR."""

    cohorts: list[str]
    periods: list[str]
    nrr: list[list[float | None]]


class RetentionReport(BaseModel):
    """Retention per period (totals and groups), over the whole range, over the trailing twelve months."""

    currency: str
    rate_rule: str
    period: PeriodKind
    by: list[Breakdown]
    first: date
    last: date
    periods: list[str]
    totals: list[RetentionRow]
    groups: list[RetentionRow]
    whole_range: RetentionRow
    trailing_12_months: RetentionRow
    cohort_heatmap: CohortHeatmap
