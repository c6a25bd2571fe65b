"""Reads and writes of the churn models and scores (set-based: one delete and one bulk insert per date)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.predictions.models import ChurnModel, ChurnScore

INSERT_BATCH = 5000


def next_version(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(ChurnModel.version), 0))) or 0) + 1


def add_model(session: Session, model: ChurnModel) -> ChurnModel:
    session.add(model)
    session.flush()
    return model


def active_model(session: Session) -> ChurnModel | None:
    return session.scalars(select(ChurnModel).where(ChurnModel.active.is_(True))).first()


def models(session: Session) -> list[ChurnModel]:
    return list(session.scalars(select(ChurnModel).order_by(ChurnModel.version.desc())))


def deactivate_all(session: Session, reason: str) -> None:
    session.execute(update(ChurnModel).where(ChurnModel.active.is_(True)).values(active=False, reason=reason))


def replace_scores(session: Session, as_of: date, rows: list[dict[str, Any]]) -> None:
    """The date's scores, replacing any stored for it."""
    session.execute(delete(ChurnScore).where(ChurnScore.as_of == as_of))
    for at in range(0, len(rows), INSERT_BATCH):
        session.execute(insert(ChurnScore), rows[at : at + INSERT_BATCH])


def latest_date(session: Session, on_or_before: date | None = None) -> date | None:
    stmt = select(func.max(ChurnScore.as_of))
    if on_or_before is not None:
        stmt = stmt.where(ChurnScore.as_of <= on_or_before)
    return session.scalar(stmt)


def scores_on(
    session: Session, as_of: date, account_ids: Collection[int] | None, owner_ids: Collection[int] | None
) -> list[ChurnScore]:
    """The date's scores, of these accounts (None: all) owned by these users (None: anyone's)."""
    stmt = select(ChurnScore).where(ChurnScore.as_of == as_of)
    if owner_ids is not None:
        owned = select(Account.id).where(Account.owner_id.in_(sorted(owner_ids)))
        stmt = stmt.where(ChurnScore.account_id.in_(owned))
    if account_ids is not None:
        stmt = stmt.where(ChurnScore.account_id.in_(sorted(account_ids)))
    return list(session.scalars(stmt))
