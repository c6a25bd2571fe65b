"""Queries on job locks, run records, health history, stage transitions and backtests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lodestar.snapshots.models import Backtest, HealthHistory, JobLock, SnapshotRun, StageTransition


def _table(model: type[Any]) -> Table:
    """A model's Core table: plain executemany inserts, much faster than the ORM's bulk path."""
    table: Table = model.__table__
    return table


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


def replace_history(session: Session, days: Sequence[date], rows: list[dict[str, Any]]) -> None:
    """Replaces the health history of these dates."""
    session.execute(delete(HealthHistory).where(HealthHistory.as_of.in_(list(days))))
    if rows:
        session.execute(insert(_table(HealthHistory)), rows)


def replace_transitions(session: Session, days: Sequence[date], rows: list[dict[str, Any]]) -> None:
    """Replaces the stage changes recorded on these dates."""
    session.execute(delete(StageTransition).where(StageTransition.on.in_(list(days))))
    if rows:
        session.execute(insert(_table(StageTransition)), rows)


def history_between(session: Session, first: date, last: date) -> list[HealthHistory]:
    """Every account's health history in [first, last]."""
    stmt = select(HealthHistory).where(HealthHistory.as_of >= first, HealthHistory.as_of <= last)
    return list(session.scalars(stmt))


def history_of(session: Session, account_id: int) -> list[HealthHistory]:
    """One account's health history, oldest first."""
    stmt = select(HealthHistory).where(HealthHistory.account_id == account_id).order_by(HealthHistory.as_of)
    return list(session.scalars(stmt))


def history_on(session: Session, as_of: date) -> list[HealthHistory]:
    """Every account's health on one date."""
    return list(session.scalars(select(HealthHistory).where(HealthHistory.as_of == as_of)))


def history_dates(session: Session) -> list[date]:
    """Every date with health history, oldest first."""
    stmt = select(HealthHistory.as_of).distinct().order_by(HealthHistory.as_of)
    return list(session.scalars(stmt))


def transitions_of(session: Session, account_id: int) -> list[StageTransition]:
    """One account's stage changes, oldest first."""
    stmt = select(StageTransition).where(StageTransition.account_id == account_id)
    return list(session.scalars(stmt.order_by(StageTransition.on, StageTransition.id)))


def last_change_on_or_before(session: Session, as_of: date) -> dict[int, date]:
    """Each account's latest stage change on or before a date."""
    stmt = (
        select(StageTransition.account_id, func.max(StageTransition.on))
        .where(StageTransition.on <= as_of)
        .group_by(StageTransition.account_id)
    )
    return {account: on for account, on in session.execute(stmt)}


def add_backtests(session: Session, rows: list[dict[str, Any]]) -> list[Backtest]:
    """Stores backtest results."""
    stored = [Backtest(**row) for row in rows]
    session.add_all(stored)
    session.flush()
    return stored


def backtests(session: Session, limit: int) -> list[Backtest]:
    """The newest backtest results first."""
    return list(session.scalars(select(Backtest).order_by(Backtest.id.desc()).limit(limit)))


def replace_account_history(
    session: Session, account_id: int, as_of: date, rows: list[dict[str, Any]]
) -> None:
    """Replaces one account's health on one date."""
    session.execute(
        delete(HealthHistory).where(HealthHistory.account_id == account_id, HealthHistory.as_of == as_of)
    )
    if rows:
        session.execute(insert(_table(HealthHistory)), rows)
