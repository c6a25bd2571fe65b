"""Tables: each account's health on every snapshot date, and stored backtest results."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.db.base import Base
from lodestar.kit.time import utcnow


class HealthHistory(Base):
    """An account's health on one snapshot date, with the model version that scored it."""

    __tablename__ = "health_history"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    as_of: Mapped[date] = mapped_column(primary_key=True, index=True)
    score: Mapped[float | None]
    grade: Mapped[str | None] = mapped_column(String(8))
    coverage: Mapped[float]
    model: Mapped[str] = mapped_column(String(60))
    model_version: Mapped[int]
    stage: Mapped[str | None] = mapped_column(String(32))


class Backtest(Base):
    """How well health at `as_of` ranked the accounts that churned within the horizon, per model version."""

    __tablename__ = "backtests"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    as_of: Mapped[date] = mapped_column(index=True)
    horizon_days: Mapped[int]
    model_version: Mapped[int]
    accounts: Mapped[int]
    churned: Mapped[int]
    auc: Mapped[float | None]
    auc_low: Mapped[float | None]
    auc_high: Mapped[float | None]
    lift: Mapped[float | None]
    lift_low: Mapped[float | None]
    lift_high: Mapped[float | None]
