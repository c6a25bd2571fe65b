"""Pydantic in/out models for contracts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from lodestar.contracts.models import ContractStatus
from lodestar.kit.counts import Count
from lodestar.kit.money import to_amount

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ContractCreate(BaseModel):
    """A new contract."""

    model_config = _STRICT

    account_id: int
    external_id: str | None = Field(None, max_length=80)
    product: str = Field("Lodestar Cloud", min_length=1, max_length=80)
    edition: str | None = Field(None, max_length=40)
    start_date: date
    end_date: date
    arr: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: str = Field("CNY", pattern="^[A-Z]{3}$")
    seats: Count = Field(0, ge=0, le=10_000_000)
    status: ContractStatus = ContractStatus.ACTIVE
    renews_contract_id: int | None = None

    @field_validator("end_date")
    @classmethod
    def _end_after_start(cls, end_date: date, info: ValidationInfo) -> date:
        # A field validator (not a model one) so the error names end_date.
        start_date = info.data.get("start_date")
        if start_date is not None and end_date <= start_date:
            raise ValueError("end_date must be after start_date")
        return end_date


class ContractUpdate(BaseModel):
    """Changes to a contract; absent fields stay as they are."""

    model_config = _STRICT

    product: str | None = Field(None, min_length=1, max_length=80)
    edition: str | None = Field(None, max_length=40)
    start_date: date | None = None
    end_date: date | None = None
    arr: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(None, pattern="^[A-Z]{3}$")
    seats: Count | None = Field(None, ge=0, le=10_000_000)
    status: ContractStatus | None = None


class ContractRead(BaseModel):
    """A contract as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    external_id: str | None
    product: str
    edition: str | None
    start_date: date
    end_date: date
    arr: Annotated[Decimal, AfterValidator(to_amount)]  # always cents: "1000.00", set or read back
    currency: str
    seats: int
    status: str
    renews_contract_id: int | None
    created_at: datetime
    updated_at: datetime
