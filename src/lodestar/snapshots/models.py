"""Tables: snapshot run records and the job locks runs claim."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import String, Text
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
    # [{name, seconds, rows}] per phase of the run, in order (rows: what the phase wrote, where it writes).
    phases: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    # What the run's inputs were (snapshots.fingerprint); None where it cannot vouch for them.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
