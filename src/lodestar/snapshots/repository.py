"""Queries on job locks and snapshot run records."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lodestar.snapshots.models import JobLock, SnapshotRun


def claim_lock(session: Session, name: str, holder: str, now: datetime, stale_before: datetime) -> bool:
    """Claims a lock when it is free or stale, with one conditional write; False when someone holds it."""
    free = or_(JobLock.holder.is_(None), JobLock.claimed_at < stale_before)
    stmt = update(JobLock).where(JobLock.name == name, free).values(holder=holder, claimed_at=now)
    if session.execute(stmt).rowcount == 1:  # type: ignore[attr-defined]
        return True
    if session.get(JobLock, name) is not None:
        return False
    try:
        with session.begin_nested():
            session.execute(insert(JobLock).values(name=name, holder=holder, claimed_at=now))
    except IntegrityError:  # another run inserted it first
        return False
    return True


def release_lock(session: Session, name: str, holder: str) -> None:
    """Frees a lock this holder owns."""
    session.execute(update(JobLock).where(JobLock.name == name, JobLock.holder == holder).values(holder=None))


def lock(session: Session, name: str) -> JobLock | None:
    """The lock row, if it was ever claimed."""
    return session.get(JobLock, name)


def runs(session: Session, limit: int) -> list[SnapshotRun]:
    """The newest run records first."""
    return list(session.scalars(select(SnapshotRun).order_by(SnapshotRun.id.desc()).limit(limit)))


def succeeded_on(session: Session, as_of: date) -> bool:
    """Whether a successful run ended on this date."""
    stmt = select(SnapshotRun.id).where(SnapshotRun.as_of == as_of, SnapshotRun.status == "succeeded")
    return session.scalar(stmt.limit(1)) is not None


def last_succeeded_start(session: Session) -> datetime | None:
    """When the newest successful run started (UTC), if any run succeeded."""
    return session.scalar(select(func.max(SnapshotRun.started_at)).where(SnapshotRun.status == "succeeded"))
