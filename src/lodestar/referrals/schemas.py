"""Referrals in and out: a referral's fields, the referral as read, an account's totals, a referrer row."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from lodestar.kit.text import N_, Text

Status = Literal["received", "contacted", "qualified", "won", "lost"]
CURRENCY = r"^[A-Z]{3}$"


class ReferralFields(BaseModel):
    """What a person gives for a referral (the referring account comes from the path). Each rule between
    fields is checked on the later field, so the problem names it (fields validate in this order)."""

    model_config = ConfigDict(extra="forbid")

    contact_id: int | None = None
    lead_name: str = Field(min_length=1, max_length=120)
    lead_company: str = Field(min_length=1, max_length=200)
    lead_email: str | None = Field(None, max_length=200)
    referred_on: date
    status: Status = "received"
    contract_id: int | None = None
    arr: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(None, pattern=CURRENCY, validate_default=True)
    note: str | None = Field(None, max_length=4_000)

    @field_validator("contract_id")
    @classmethod
    def _contract_when_won(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("status", "won") != "won":
            raise ValueError(Text(N_("only a won referral has a resulting contract or ARR")))
        return value

    @field_validator("arr")
    @classmethod
    def _arr_when_won(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        if value is not None and info.data.get("status", "won") != "won":
            raise ValueError(Text(N_("only a won referral has a resulting contract or ARR")))
        return value

    @field_validator("currency")
    @classmethod
    def _currency_with_arr(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "arr" in info.data and (info.data["arr"] is None) != (value is None):
            raise ValueError(Text(N_("ARR and currency go together")))
        return value


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
    """An account's referrals: how many, how many won, the won ARR by currency (never added across), and
    that ARR in the company currency (each currency's sum converted at today's rate; a currency without a
    rate is left out of it and named in `unrated`)."""

    referrals: int = 0
    won: int = 0
    value: dict[str, Decimal] = Field(default_factory=dict)
    company_currency: str | None = None
    company_value: Decimal | None = None  # None: no rate for any won currency (or no rates at hand)
    unrated: list[str] = Field(default_factory=list)


class Referrer(BaseModel):
    """A row of the marketing list: an account that referred, with its totals."""

    account_id: int
    account: str
    owner_id: int | None
    last_referred_on: date
    totals: ReferralTotals
