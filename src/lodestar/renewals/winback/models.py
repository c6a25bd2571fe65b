"""Tables: win-backs (one per contract that ended without renewal) and their churn surveys."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.db.base import Base, JSONType
from lodestar.kit.time import utcnow


class WinBackOutcome(StrEnum):
    """Where a win-back stands: the window is open, a new contract won the customer back, or it ran out."""

    OPEN = "open"
    REACTIVATED = "reactivated"
    LOST = "lost"  # the account is in the sales lead pool since `lead_since`


class WinBack(Base):
    """The win-back window after a contract ended without renewal; a lead when the window ends unwon."""

    __tablename__ = "win_backs"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    # Unique: a churned contract opens its win-back once, however often the daily step runs.
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), unique=True)
    churned_on: Mapped[date] = mapped_column(index=True)  # the contract's last day (or its churn date)
    window_ends_on: Mapped[date]
    churn_reason: Mapped[str | None] = mapped_column(String(32))
    arr: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # the last ARR, in the contract's currency
    currency: Mapped[str] = mapped_column(String(3))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(16), default=WinBackOutcome.OPEN.value, index=True)
    closed_on: Mapped[date | None]
    reactivated_contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("contracts.id", ondelete="SET NULL")
    )
    lead_since: Mapped[date | None]
    # A customer who came back after the window: counted apart from the win-back reactivations.
    lead_reactivated_on: Mapped[date | None]
    lead_contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id", ondelete="SET NULL"))
    lead_notified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChurnSurvey(Base):
    """One churn survey sent to one contact: its one-use link (the nonce, signed) and the answers."""

    __tablename__ = "churn_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    win_back_id: Mapped[int] = mapped_column(ForeignKey("win_backs.id", ondelete="CASCADE"), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(8))
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    sent_on: Mapped[date]
    expires_on: Mapped[date]
    answered_at: Mapped[datetime | None]
    reasons: Mapped[list[str] | None] = mapped_column(JSONType)
    feedback: Mapped[str | None] = mapped_column(Text)
    would_return: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
