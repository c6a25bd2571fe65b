"""The configuration kind `renewals`: the company currency and its dated exchange rates, the churn-reason
taxonomy (en/zh) and the churn survey's timing.

Forecast categories (commit, likely, at risk, lost) and outcomes (renewed flat, expanded, contracted,
churned, early-renewed) are fixed vocabulary, not configuration: reports compare them across companies.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lodestar.kit.text import Text

CURRENCY = r"^[A-Z]{3}$"
SLUG = r"^[a-z][a-z0-9_]{0,39}$"

ForecastCategory = Literal["commit", "likely", "at_risk", "lost"]
FORECAST_CATEGORIES: tuple[ForecastCategory, ...] = ("commit", "likely", "at_risk", "lost")
Outcome = Literal["renewed_flat", "expanded", "contracted", "churned", "early_renewed"]
OUTCOMES: tuple[Outcome, ...] = ("renewed_flat", "expanded", "contracted", "churned", "early_renewed")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExchangeRate(_Strict):
    """From `valid_from` on, one unit of `currency` is worth `rate` units of the company currency."""

    currency: str = Field(pattern=CURRENCY)
    rate: Decimal = Field(gt=0, max_digits=18, decimal_places=8)
    valid_from: date


class ChurnReasonOption(_Strict):
    """One reason of the taxonomy a renewal is closed with (several may apply to one renewal)."""

    key: str = Field(pattern=SLUG)
    name: str = Field(min_length=1, max_length=80)
    name_zh: str = Field(min_length=1, max_length=80)


class ChurnSurvey(_Strict):
    """When the churn survey (流失调研) goes out after a churn, and how long its one-use link lives."""

    delay_days: int = Field(default=14, ge=0, le=180)
    link_valid_days: int = Field(default=30, ge=1, le=180)


class LeadPool(_Strict):
    """Where a lead goes when a win-back window ends without a win: the webhook channels a CRM listens on."""

    webhook_channels: list[str] = Field(default_factory=list, max_length=10)


class SuccessorRule(_Strict):
    """When a contract that names no contract it renews is read as the renewal of one of its account's
    contracts: it starts within this many days before or after that contract's end (see succession.py)."""

    days_before: int = Field(default=30, ge=0, le=365)
    days_after: int = Field(default=30, ge=0, le=365)


class RenewalSettings(_Strict):
    """Money, reasons and the churn survey of the renewals domain."""

    company_currency: str = Field(default="CNY", pattern=CURRENCY)
    exchange_rates: list[ExchangeRate] = Field(default_factory=list)
    reasons: list[ChurnReasonOption] = Field(min_length=1)
    survey: ChurnSurvey = Field(default_factory=ChurnSurvey)
    lead_pool: LeadPool = Field(default_factory=LeadPool)
    successor: SuccessorRule = Field(default_factory=SuccessorRule)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        keys = [r.key for r in self.reasons]
        if len(set(keys)) != len(keys):
            twice = sorted({k for k in keys if keys.count(k) > 1})
            raise ValueError(Text("reason keys must be unique; twice: %(keys)s", keys=", ".join(twice)))
        if any(r.currency == self.company_currency for r in self.exchange_rates):
            own = self.company_currency
            raise ValueError(Text("the company currency %(currency)s needs no exchange rate", currency=own))
        dated = [(r.currency, r.valid_from) for r in self.exchange_rates]
        if len(set(dated)) != len(dated):
            raise ValueError(Text("one exchange rate per currency and date"))
        return self

    def reason_label(self, key: str, chinese: bool) -> str:
        """The reason's name in the reader's language; an unknown key (a retired reason) shows as itself."""
        for reason in self.reasons:
            if reason.key == key:
                return reason.name_zh if chinese else reason.name
        return key
