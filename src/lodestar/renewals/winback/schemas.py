"""What the win-back slice hands out: the daily step's counts, lead rows, survey answers, reason figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from lodestar.kit.money import to_amount

Money = Annotated[Decimal, AfterValidator(to_amount)]
WinBackState = Literal["open", "reactivated", "lost"]


@dataclass
class StepCounts:
    """What one daily win-back step did."""

    opened: int = 0
    reactivated: int = 0
    lost: int = 0
    from_pool: int = 0
    playbook_runs: int = 0
    lead_messages: int = 0
    surveys: int = 0

    @property
    def written(self) -> int:
        """Rows the step wrote or changed, for the run's phase record."""
        return self.opened + self.reactivated + self.lost + self.from_pool + self.surveys


@dataclass(frozen=True)
class LeadContact:
    """A key contact shown with a lead."""

    name: str
    role: str
    title: str | None
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class Lead:
    """One account in the sales lead pool, as the page and the export show it."""

    win_back_id: int
    account_id: int
    account: str
    crm_id: str | None
    owner: str | None
    churn_reason: str | None
    churned_on: date
    lead_since: date
    arr: Decimal
    currency: str
    health_score: float | None
    health_grade: str | None
    contacts: list[LeadContact] = field(default_factory=list)


class SurveyAnswer(BaseModel):
    """The public churn-survey form, validated: at least one reason, a 0-10 likelihood, optional words."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reasons: list[str] = Field(min_length=1, max_length=20)
    feedback: str | None = Field(default=None, max_length=2000)
    would_return: int = Field(ge=0, le=10)


@dataclass(frozen=True)
class AnsweredSurvey:
    """A churn survey sent and answered in the past, to import: its win-back, language, when, the answers."""

    win_back_id: int
    locale: str
    sent_on: date
    answered_at: datetime
    reasons: list[str]
    feedback: str | None
    would_return: int


@dataclass(frozen=True)
class ReasonFigure:
    """One churn reason over a period: churns recorded with it, their ARR in the company currency, and how
    many survey answers named it (a survey may name several)."""

    reason: str | None  # None: churns recorded without a reason
    churns: int
    arr: Decimal
    survey_mentions: int


class WinBackQuery(BaseModel):
    """Which win-backs a list shows: by state, churn reason (a key of the taxonomy) and account owner."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    state: WinBackState | None = None
    reason: str | None = Field(None, max_length=40)
    owner_id: int | None = None


class WinBackRead(BaseModel):
    """A win-back as the API shows it: the churn, its window and how it ended (lead: in the sales pool)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    contract_id: int
    churned_on: date
    window_ends_on: date
    churn_reason: str | None
    arr: Money
    currency: str
    owner_id: int | None
    outcome: WinBackState
    closed_on: date | None
    reactivated_contract_id: int | None
    lead_since: date | None
    lead_reactivated_on: date | None
    lead_contract_id: int | None


class WinBackPage(BaseModel):
    """A page of win-backs and how many match in all."""

    items: list[WinBackRead]
    total: int


class LeadContactRead(BaseModel):
    """A key contact of a lead."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    role: str
    title: str | None
    email: str | None
    phone: str | None


class LeadRead(BaseModel):
    """One account in the sales lead pool: the churn, last ARR and health, the owner and key contacts."""

    model_config = ConfigDict(from_attributes=True)

    win_back_id: int
    account_id: int
    account: str
    crm_id: str | None
    owner: str | None
    churn_reason: str | None
    churned_on: date
    lead_since: date
    arr: Money
    currency: str
    health_score: float | None
    health_grade: str | None
    contacts: list[LeadContactRead]


class LeadPage(BaseModel):
    """A page of the lead pool (newest leads first) and its size."""

    items: list[LeadRead]
    total: int
