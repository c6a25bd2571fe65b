"""Run records and backtest results as the API shows them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class SnapshotRunRead(BaseModel):
    """One run of the snapshot job."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    as_of: date
    first_as_of: date
    dates: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    accounts: int
    rows: int
    transitions: int
    versions: dict[str, Any]
    error: str | None


class BacktestRead(BaseModel):
    """How well health on a date ranked the accounts that churned within the horizon."""

    model_config = ConfigDict(from_attributes=True)

    as_of: date
    horizon_days: int
    model_version: int
    accounts: int
    churned: int
    auc: float | None
    auc_low: float | None
    auc_high: float | None
    lift: float | None
    lift_low: float | None
    lift_high: float | None
