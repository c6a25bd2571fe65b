"""Table: a referral, the lead an account (and one of its contacts) brought us, and what it became."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.db.base import Base
from lodestar.kit.time import utcnow


class ReferralStatus(StrEnum):
    """Where the lead stands."""

    RECEIVED = "received"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    WON = "won"
    LOST = "lost"


class Referral(Base):
    """A lead referred by an account; won, it names the resulting contract and its ARR."""

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_account_referred", "account_id", "referred_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    lead_name: Mapped[str] = mapped_column(String(120))
    lead_company: Mapped[str] = mapped_column(String(200))
    lead_email: Mapped[str | None] = mapped_column(String(200))
    referred_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default=ReferralStatus.RECEIVED.value, index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id", ondelete="SET NULL"))
    arr: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
