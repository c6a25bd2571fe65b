"""Pydantic in/out models of renewal records: the edit of a forecast and proposal, the close, the read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from lodestar.kit.fields import refuse_null
from lodestar.kit.money import to_amount
from lodestar.renewals.schemas import ForecastCategory, Outcome

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)
Money = Annotated[Decimal, AfterValidator(to_amount)]
StatusFilter = Literal["open", "closed", "all"]
STATUS_FILTERS: tuple[StatusFilter, ...] = ("open", "closed", "all")
# A forecast category, or "none": not called yet.
ForecastFilter = Literal["commit", "likely", "at_risk", "lost", "none"]
RENEWED: tuple[Outcome, ...] = ("renewed_flat", "expanded", "contracted", "early_renewed")
MAX_REASONS = 20


@dataclass(frozen=True)
class ForecastCall:
    """One past forecast call to import: which renewal, the category, who called it and when."""

    renewal_id: int
    category: str
    changed_by: int | None
    changed_at: datetime


class Document(BaseModel):
    """A document of the renewal (proposal, quote, contract draft) by name and link."""

    model_config = _STRICT

    name: str = Field(min_length=1, max_length=120)
    url: str = Field(min_length=1, max_length=2000, pattern=r"^https?://\S+$")


class RenewalUpdate(BaseModel):
    """Changes to an open renewal's forecast, next step, proposal and documents; absent fields stay."""

    model_config = _STRICT

    forecast: ForecastCategory | None = None
    next_step: str | None = Field(None, max_length=2000)
    proposal_edition: str | None = Field(None, max_length=40)
    proposal_seats: int | None = Field(None, ge=0, le=10_000_000)
    proposal_price: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    proposal_discount: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)
    proposal_notes: str | None = Field(None, max_length=4000)
    documents: list[Document] | None = Field(None, max_length=30)

    _not_null = refuse_null("forecast", "documents")


class RenewalClose(BaseModel):
    """Closes a renewal by hand: the outcome, the reasons (keys of the taxonomy) and a free note."""

    model_config = _STRICT

    outcome: Outcome
    reasons: list[str] = Field(default_factory=list, max_length=MAX_REASONS)
    note: str | None = Field(None, max_length=4000)


class ForecastChangeRead(BaseModel):
    """One change of the forecast."""

    model_config = ConfigDict(from_attributes=True)

    from_category: str | None
    to_category: str
    changed_by: int | None
    changed_at: datetime


class RenewalRead(BaseModel):
    """A renewal as the API shows it (money in cents; `likelihood` null: no prediction model yet)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    contract_id: int
    account_id: int
    owner_id: int | None
    opened_on: date
    contract_end: date
    arr: Money
    currency: str
    forecast: ForecastCategory | None
    likelihood: float | None
    next_step: str | None
    proposal_edition: str | None
    proposal_seats: int | None
    proposal_price: Money | None
    proposal_discount: Decimal | None
    proposal_notes: str | None
    documents: list[Document]
    outcome: Outcome | None
    outcome_source: str | None
    renewing_contract_id: int | None
    change_currency: str | None
    renewal_arr: Money | None
    expansion_arr: Money | None
    contraction_arr: Money | None
    churn_arr: Money | None
    reasons: list[str]
    note: str | None
    closed_on: date | None
    closed_at: datetime | None
    closed_by: int | None


class RenewalDetail(RenewalRead):
    """One renewal with the history of its forecast, oldest first."""

    forecast_history: list[ForecastChangeRead] = Field(default_factory=list)


class RenewalPage(BaseModel):
    """A page of renewals and how many match in all."""

    items: list[RenewalRead]
    total: int


class RenewalQuery(BaseModel):
    """Which renewals a list shows: open, closed or all; by forecast, account filters and contract end."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    status: StatusFilter = "open"
    forecast: ForecastFilter | None = None
    tier: str | None = Field(None, max_length=32)
    industry: str | None = Field(None, max_length=80)
    owner_id: int | None = None
    grade: Literal["green", "yellow", "red", "none"] | None = None
    account_id: int | None = None
    end_from: date | None = None
    end_to: date | None = None
