"""Table: contracts, chained by the contract each one renews."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.db.base import Base, Timestamped


class ContractStatus(StrEnum):
    """Where a contract stands."""

    ACTIVE = "active"
    RENEWED = "renewed"  # ended and was followed by the contract that renews it
    EXPIRED = "expired"  # ended without renewal (churn)
    CANCELLED = "cancelled"


class Contract(Timestamped, Base):
    """A subscription: what the account bought, for how long, for how much."""

    __tablename__ = "contracts"
    # Covers "live contracts ending in a window" (the cockpit's renewals) without reading contract rows.
    __table_args__ = (
        Index("ix_contracts_ending", "status", "end_date", "account_id", "arr", "currency"),
        # The newest change as a seek: caches of figures over the contracts (lodestar.db.generation).
        Index("ix_contracts_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    product: Mapped[str] = mapped_column(String(80), default="Lodestar Cloud")
    edition: Mapped[str | None] = mapped_column(String(40))
    start_date: Mapped[date]
    end_date: Mapped[date] = mapped_column(index=True)
    arr: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    seats: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default=ContractStatus.ACTIVE.value, index=True)
    renews_contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    # The contract renewing this one by the renewals' successor rule (the stored chain, the successor the
    # account and dates imply, or the contract it was merged into), kept by the daily renewal step: the
    # stage engine reads it (it cannot read the rule) so a late renewal is never a churn there either.
    renewed_by_id: Mapped[int | None]
    # The outcome when the customer left: the date, a key of the churn-reason taxonomy (the `renewals`
    # configuration kind owns it; imports check keys against it), and the source's own words.
    churned_on: Mapped[date | None]
    churn_reason: Mapped[str | None] = mapped_column(String(32))
    churn_reason_raw: Mapped[str | None] = mapped_column(String(120))
    churn_feedback: Mapped[str | None] = mapped_column(Text)
