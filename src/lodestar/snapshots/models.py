"""Tables: run records, job locks, health history, stage transitions and backtest results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.db.base import Base, JSONType
from lodestar.kit.time import utcnow


class JobLock(Base):
    """A named lock a job claims with a conditional write; a stale claim may be taken over."""

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(80))
    claimed_at: Mapped[datetime | None]


class SnapshotRun(Base):
    """One run of the snapshot job: which dates, when, how it ended and what it wrote."""

    __tablename__ = "snapshot_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # run, backfill, daily, demo
    as_of: Mapped[date] = mapped_column(index=True)  # the last date of the run
    first_as_of: Mapped[date]
    dates: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    accounts: Mapped[int] = mapped_column(default=0)
    rows: Mapped[int] = mapped_column(default=0)
    transitions: Mapped[int] = mapped_column(default=0)
    versions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


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


class StageTransition(Base):
    """A change of lifecycle stage on a snapshot date, and why."""

    __tablename__ = "stage_transitions"
    __table_args__ = (Index("ix_stage_transitions_account_on", "account_id", "on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    on: Mapped[date] = mapped_column(index=True)
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(200))


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
