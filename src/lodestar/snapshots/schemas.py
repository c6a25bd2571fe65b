"""Snapshot run records as the API shows them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class RunPhase(BaseModel):
    """One phase of a run: its name, its seconds (wall; CPU of every thread, None on older runs) and the rows
    it wrote (None: it writes none)."""

    name: str
    seconds: float
    cpu_seconds: float | None = None
    rows: int | None = None


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
    phases: list[RunPhase]
    error: str | None
