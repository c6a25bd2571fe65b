"""Pydantic in/out models for accounts and contacts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from lodestar.accounts.models import ContactRole, Level
from lodestar.kit.counts import Count
from lodestar.kit.fields import blank_as_none, refuse_null
from lodestar.kit.money import to_amount

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AccountFields(BaseModel):
    """Profile and portrait fields shared by create and update."""

    model_config = _STRICT

    industry: str | None = Field(None, max_length=80)
    employees: Count | None = Field(None, ge=0, le=10_000_000)
    region: str | None = Field(None, max_length=80)
    funding_stage: str | None = Field(None, max_length=40)
    it_maturity: Level | None = None
    plan: str | None = Field(None, max_length=40)
    owner_id: int | None = None
    tier: str | None = Field(None, max_length=32)
    tier_pinned: bool | None = None
    tags: list[str] | None = None
    traits: dict[str, Any] | None = None
    crm_id: str | None = Field(None, max_length=80)
    segment_group_id: str | None = Field(None, max_length=120)
    currency: str | None = Field(None, pattern="^[A-Z]{3}$")
    business_model: str | None = None
    departments: list[str] | None = None
    scenarios: list[str] | None = None
    purchase_intent: str | None = None
    expectations: str | None = None

    _not_null = refuse_null("tier_pinned", "tags", "traits", "currency", "departments", "scenarios")
    _no_blank_keys = blank_as_none("crm_id", "segment_group_id")


class AccountCreate(AccountFields):
    """A new account."""

    name: str = Field(min_length=1, max_length=200)


class AccountUpdate(AccountFields):
    """Changes to an account; absent fields stay as they are."""

    name: str | None = Field(None, min_length=1, max_length=200)


class AccountRead(BaseModel):
    """An account as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    industry: str | None
    employees: int | None
    region: str | None
    funding_stage: str | None
    it_maturity: str | None
    plan: str | None
    owner_id: int | None
    tier: str | None
    tier_pinned: bool
    tags: list[str]
    traits: dict[str, Any]
    crm_id: str | None
    segment_group_id: str | None
    arr: Annotated[Decimal, AfterValidator(to_amount)]  # always cents: "1000.00", set or read back
    currency: str
    renewal_date: date | None
    status: str
    business_model: str | None
    departments: list[str]
    scenarios: list[str]
    purchase_intent: str | None
    expectations: str | None
    intent_stars: int | None = Field(None, description="Purchase-intent stars 1-3 of the latest scoring.")
    intent_scored_on: date | None = None
    created_at: datetime
    updated_at: datetime


SortKey = Literal[
    "name",
    "intent_score",
    "arr",
    "renewal_date",
    "industry",
    "plan",
    "tier",
    "employees",
    "updated_at",
    "health_score",
    "health_trend_7d",
    "health_trend_30d",
    "stage",
    "risk",
    "churn_likelihood",
]
Grade = Literal["green", "yellow", "red", "none"]


class AccountFilter(BaseModel):
    """Portfolio search, filters, sort and page."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    q: str | None = Field(None, max_length=200, description="Part of the name, CRM id or group id.")
    owner_id: int | None = None
    industry: str | None = None
    tier: str | None = None
    plan: str | None = None
    status: str | None = None
    grade: Grade | None = Field(None, description="Health grade of the latest snapshot; none: not scored.")
    stage: str | None = Field(None, max_length=32, description="Lifecycle stage of the latest snapshot.")
    renewal_window: bool | None = Field(None, description="In (true) or out of (false) the renewal window.")
    stars: int | None = Field(None, ge=1, le=3, description="Purchase-intent stars (1-3), latest scoring.")
    churn_min: int | None = Field(
        None, ge=0, le=100, description="Churn likelihood of at least this many percent (the churn model's)."
    )
    closed: bool = Field(
        False,
        description="Include churned and lead-pool accounts (status churned); a status or stage filter "
        "shows them too.",
    )
    sort: SortKey = "name"
    desc: bool = False
    page: int = Field(1, ge=1)
    size: int = Field(50, ge=1, le=200)


class ContactFields(BaseModel):
    """Stakeholder fields shared by create and update."""

    model_config = _STRICT

    title: str | None = Field(None, max_length=120)
    role: ContactRole | None = None
    email: EmailStr | None = None
    phone: str | None = Field(None, max_length=40, pattern=r"^[0-9+()\-\s]*$")
    it_ability: Level | None = None
    kpi_note: str | None = None
    active: bool | None = None
    left_on: date | None = None

    _not_null = refuse_null("role", "active")


class ContactCreate(ContactFields):
    """A new stakeholder at an account."""

    account_id: int
    name: str = Field(min_length=1, max_length=120)


class ContactUpdate(ContactFields):
    """Changes to a stakeholder."""

    name: str | None = Field(None, min_length=1, max_length=120)

    _name_not_null = refuse_null("name")


class ContactRead(BaseModel):
    """A stakeholder as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    name: str
    title: str | None
    role: str
    email: str | None
    phone: str | None
    it_ability: str | None
    kpi_note: str | None
    active: bool
    left_on: date | None
