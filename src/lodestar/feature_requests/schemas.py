"""Feature requests in and out: a request's fields, a link, a status change, the list's rows and figures."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["new", "under_review", "planned", "in_progress", "shipped", "declined"]
STATUSES: tuple[Status, ...] = ("new", "under_review", "planned", "in_progress", "shipped", "declined")
Sort = Literal["arr", "accounts", "at_stake", "newest"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RequestCreate(_Strict):
    """A new request (new status; a tracker key when the tracker knows it)."""

    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10_000)
    external_id: str | None = Field(None, min_length=1, max_length=80)


class StatusUpdate(_Strict):
    """A status change with the note the customer may read."""

    status: Status
    public_note: str | None = Field(None, max_length=4_000)


class LinkCreate(_Strict):
    """An account that asked (and the contact who asked, when known)."""

    account_id: int
    contact_id: int | None = None
    asked_on: date | None = None  # today when left out


class MergeRequest(_Strict):
    """Merge this request into the survivor: its accounts move there."""

    into_id: int


class WebhookChange(_Strict):
    """A status change the tracker sends: the request by its tracker key (or our id)."""

    external_id: str | None = Field(None, min_length=1, max_length=80)
    id: int | None = None
    status: Status
    public_note: str | None = Field(None, max_length=4_000)


class Figures(BaseModel):
    """What stands behind a request among the accounts the reader may see (ARR in the company currency)."""

    accounts: int = 0
    arr: Decimal = Decimal(0)
    arr_at_stake: Decimal = Decimal(0)  # ARR of the accounts at risk or in their renewal window
    tiers: dict[str, int] = Field(default_factory=dict)  # accounts by tier ("" for none)


class RequestRow(BaseModel):
    """A row of the list: the request and its figures."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    status: Status
    external_id: str | None
    public_note: str | None
    created_at: datetime
    figures: Figures


class RequestPage(BaseModel):
    """One page of the list and the currency its ARR is in."""

    items: list[RequestRow]
    total: int
    currency: str


class LinkRead(BaseModel):
    """An account linked to a request, as the reader may see it."""

    account_id: int
    account: str
    tier: str | None
    owner_id: int | None
    contact_id: int | None
    contact: str | None
    asked_on: date
    arr: Decimal  # in the company currency


class ChangeRead(BaseModel):
    """One status change of the request's history."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    from_status: str | None
    to_status: str
    public_note: str | None
    changed_on: date
    changed_at: datetime
    source: str


class RequestRead(BaseModel):
    """A request with the accounts behind it (those the reader may see) and its status history."""

    id: int
    title: str
    description: str | None
    status: Status
    public_note: str | None
    external_id: str | None
    merged_into_id: int | None
    created_at: datetime
    figures: Figures
    currency: str
    links: list[LinkRead]
    history: list[ChangeRead]


class UntoldRow(BaseModel):
    """A status change an account that asked was not yet told of (its task is not done)."""

    request_id: int
    title: str
    to_status: str
    changed_on: date
    account_id: int
    account: str
    task_status: str
    assignee_id: int | None


class AccountRequest(BaseModel):
    """A request an account asked for, for its page."""

    id: int
    title: str
    status: Status
    public_note: str | None
    asked_on: date
