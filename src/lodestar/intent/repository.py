"""The sales list's rows: 3-star accounts in scope with no expansion already in hand."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.renewals.records.models import Renewal

CLOSED = "churned"
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


def expansion_in_hand() -> ColumnElement[bool]:
    """The account has an open renewal whose proposal, after discount, is above the ARR at stake."""
    discounted = Renewal.proposal_price * (100 - func.coalesce(Renewal.proposal_discount, 0)) / 100
    return exists().where(
        and_(Renewal.account_id == Account.id, Renewal.outcome.is_(None), discounted > Renewal.arr)
    )


def leads(
    session: Session, owner_ids: frozenset[int] | None, offset: int, limit: int
) -> tuple[list[Any], int]:
    """One page of live 3-star accounts without an expansion in hand, highest score first, and the total."""
    conds = [Account.intent_stars == 3, Account.status != CLOSED, ~expansion_in_hand()]
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
