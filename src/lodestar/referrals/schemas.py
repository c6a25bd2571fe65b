"""Referrals in and out: a referral's fields, the referral as read, an account's totals, a referrer row."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lodestar.kit.text import N_, Text

Status = Literal["received", "contacted", "qualified", "won", "lost"]
CURRENCY = r"^[A-Z]{3}$"


class ReferralFields(BaseModel):
    """What a person gives for a referral (the referring account comes from the path)."""

    model_config = ConfigDict(extra="forbid")

    contact_id: int | None = None
    lead_name: str = Field(min_length=1, max_length=120)
    lead_company: str = Field(min_length=1, max_length=200)
    lead_email: str | None = Field(None, max_length=200)
    referred_on: date
    status: Status = "received"
    contract_id: int | None = None
    arr: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(None, pattern=CURRENCY)
    note: str | None = Field(None, max_length=4_000)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.arr is None) != (self.currency is None):
            raise ValueError(Text(N_("ARR and currency go together")))
        if self.status != "won" and (self.contract_id is not None or self.arr is not None):
            raise ValueError(Text(N_("only a won referral has a resulting contract or ARR")))
        return self


class ReferralRead(BaseModel):
    """A referral as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    contact_id: int | None
    lead_name: str
    lead_company: str
    lead_email: str | None
    referred_on: date
    status: Status
    contract_id: int | None
    arr: Decimal | None
    currency: str | None
    note: str | None
    created_at: datetime


class ReferralTotals(BaseModel):
    """An account's referrals: how many, how many won, and the won ARR by currency (never added across)."""

    referrals: int = 0
    won: int = 0
    value: dict[str, Decimal] = Field(default_factory=dict)


class Referrer(BaseModel):
    """A row of the marketing list: an account that referred, with its totals."""

    account_id: int
    account: str
    owner_id: int | None
    last_referred_on: date
    totals: ReferralTotals
