"""Read-only queries for the health pages: one account's history and stage changes"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.snapshots.models import HealthHistory, StageTransition


def history_of(session: Session, account_id: int) -> list[HealthHistory]:
    """One account's health on every snapshot date, oldest first."""
    stmt = select(HealthHistory).where(HealthHistory.account_id == account_id).order_by(HealthHistory.as_of)
    return list(session.scalars(stmt))


def transitions_of(session: Session, account_id: int) -> list[StageTransition]:
    """One account's stage changes, newest first."""
    stmt = select(StageTransition).where(StageTransition.account_id == account_id)
    return list(session.scalars(stmt.order_by(StageTransition.on.desc(), StageTransition.id.desc())))
