"""Queries on health history and stored backtests."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from lodestar.health.models import Backtest, HealthHistory

# The Core table: plain executemany inserts, much faster than the ORM's bulk path.
HISTORY_TABLE = cast(Table, HealthHistory.__table__)


def replace_history(session: Session, days: Sequence[date], rows: list[dict[str, Any]]) -> None:
    """Replaces the health history of these dates."""
    session.execute(delete(HealthHistory).where(HealthHistory.as_of.in_(list(days))))
    if rows:
        session.execute(insert(HISTORY_TABLE), rows)


def replace_account_history(
    session: Session, account_id: int, as_of: date, rows: list[dict[str, Any]]
) -> None:
    """Replaces one account's health on one date."""
    session.execute(
        delete(HealthHistory).where(HealthHistory.account_id == account_id, HealthHistory.as_of == as_of)
    )
    if rows:
        session.execute(insert(HISTORY_TABLE), rows)


def replace_accounts_history(
    session: Session, account_ids: Collection[int], as_of: date, rows: list[dict[str, Any]]
) -> None:
    """Replaces these accounts' health on one date."""
    ids = sorted(account_ids)
    stmt = delete(HealthHistory).where(HealthHistory.account_id.in_(ids), HealthHistory.as_of == as_of)
    session.execute(stmt)
    if rows:
        session.execute(insert(HISTORY_TABLE), rows)


def history_of_accounts(
    session: Session, account_ids: Collection[int], first: date, last: date
) -> list[HealthHistory]:
    """These accounts' health history in [first, last], oldest first."""
    stmt = (
        select(HealthHistory)
        .where(HealthHistory.account_id.in_(sorted(account_ids)))
        .where(HealthHistory.as_of >= first, HealthHistory.as_of <= last)
        .order_by(HealthHistory.account_id, HealthHistory.as_of)
    )
    return list(session.scalars(stmt))


def history_between(session: Session, first: date, last: date) -> list[HealthHistory]:
    """Every account's health history in [first, last]."""
    stmt = select(HealthHistory).where(HealthHistory.as_of >= first, HealthHistory.as_of <= last)
    return list(session.scalars(stmt))


def history_of(session: Session, account_id: int) -> list[HealthHistory]:
    """One account's health on every snapshot date, oldest first."""
    stmt = select(HealthHistory).where(HealthHistory.account_id == account_id).order_by(HealthHistory.as_of)
    return list(session.scalars(stmt))


def history_on(session: Session, as_of: date) -> list[HealthHistory]:
    """Every account's health on one date."""
    return list(session.scalars(select(HealthHistory).where(HealthHistory.as_of == as_of)))


def history_dates(session: Session) -> list[date]:
    """Every date with health history, oldest first."""
    stmt = select(HealthHistory.as_of).distinct().order_by(HealthHistory.as_of)
    return list(session.scalars(stmt))


def add_backtests(session: Session, rows: list[dict[str, Any]]) -> list[Backtest]:
    """Stores backtest results."""
    stored = [Backtest(**row) for row in rows]
    session.add_all(stored)
    session.flush()
    return stored


def backtests(session: Session, limit: int) -> list[Backtest]:
    """The newest backtest results first."""
    return list(session.scalars(select(Backtest).order_by(Backtest.id.desc()).limit(limit)))
