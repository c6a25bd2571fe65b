"""The purchase-intent stars kept on accounts (written by the intent domain's daily step)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pyarrow as pa
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from lodestar.accounts import repository
from lodestar.accounts.models import Account


def set_intent_stars(session: Session, day: date, scored: dict[int, tuple[int, float]]) -> int:
    """Keeps each scored account's stars (1-3) and score of the day and clears the rest, so an account no
    longer scored (e.g. churned) keeps no stale stars. Only changed rows are written; accounts changed."""
    ids = list(session.scalars(select(Account.id).order_by(Account.id)))
    values = pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "intent_stars": pa.array([scored[i][0] if i in scored else None for i in ids], pa.int64()),
            "intent_score": pa.array([scored[i][1] if i in scored else None for i in ids], pa.float64()),
            "intent_scored_on": pa.array([day if i in scored else None for i in ids], pa.date32()),
        }
    )
    return repository.write_changed_values(session, values)


def star_counts(session: Session, owner_ids: frozenset[int] | None) -> dict[int, int]:
    """How many live accounts (of these owners, or all) hold each star level."""
    stmt = select(Account.intent_stars, func.count()).where(
        Account.status != repository.CLOSED, Account.intent_stars.is_not(None)
    )
    if owner_ids is not None:
        stmt = stmt.where(Account.owner_id.in_(sorted(owner_ids)))
    found = dict(session.execute(stmt.group_by(Account.intent_stars)).all())
    return {level: int(found.get(level, 0)) for level in (3, 2, 1)}


def stars_of(session: Session, account_ids: set[int]) -> dict[int, int]:
    """The purchase-intent stars of these accounts, by id (accounts without stars left out)."""
    if not account_ids:
        return {}
    stmt = select(Account.id, Account.intent_stars).where(
        Account.id.in_(sorted(account_ids)), Account.intent_stars.is_not(None)
    )
    return {int(i): int(s or 0) for i, s in session.execute(stmt)}


LEAD_COLUMNS = (
    Account.id,
    Account.name,
    Account.owner_id,
    Account.tier,
    Account.arr,
    Account.currency,
    Account.renewal_date,
    Account.intent_score,
    Account.intent_scored_on,
)


def three_star_leads(
    session: Session,
    owner_ids: frozenset[int] | None,
    unless: Callable[[ColumnElement[int]], ColumnElement[bool]],
    offset: int,
    limit: int,
) -> tuple[list[Any], int]:
    """One page of live 3-star accounts (of these owners, or all) for which `unless(account id)` does not
    hold, highest score first, and the total."""
    conds = [Account.intent_stars == 3, Account.status != repository.CLOSED, ~unless(Account.id.expression)]
    if owner_ids is not None:
        conds.append(Account.owner_id.in_(sorted(owner_ids)))
    total = session.scalar(select(func.count()).select_from(Account).where(*conds)) or 0
    stmt = (
        select(*LEAD_COLUMNS)
        .where(*conds)
        .order_by(Account.intent_score.desc(), Account.id)
        .offset(offset)
        .limit(limit)
    )
    return list(session.execute(stmt)), total
