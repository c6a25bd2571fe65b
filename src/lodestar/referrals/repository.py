"""Every query on referrals."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.referrals.models import Referral


def get(session: Session, referral_id: int) -> Referral | None:
    """One referral by id."""
    return session.get(Referral, referral_id)


def of_account(session: Session, account_id: int) -> list[Referral]:
    """An account's referrals, newest first."""
    query = select(Referral).where(Referral.account_id == account_id)
    return list(session.scalars(query.order_by(Referral.referred_on.desc(), Referral.id.desc())))


def with_accounts(
    session: Session, owner_ids: frozenset[int] | None
) -> list[tuple[Referral, str, int | None]]:
    """Every referral of the accounts these people own (None: all), with the account's name and owner."""
    query = select(Referral, Account.name, Account.owner_id).join(Account, Account.id == Referral.account_id)
    if owner_ids is not None:
        query = query.where(Account.owner_id.in_(owner_ids) if owner_ids else false())
    return [(r, n, o) for r, n, o in session.execute(query.order_by(Referral.id))]


def referral_rows(session: Session, account_ids: Collection[int] | None) -> list[dict[str, Any]]:
    """(account_id, referred_on, status) of every referral, or of these accounts'."""
    query = select(Referral.account_id, Referral.referred_on, Referral.status)
    if account_ids is not None:
        query = query.where(Referral.account_id.in_(list(account_ids)))
    keys = ("account_id", "referred_on", "status")
    return [dict(zip(keys, row, strict=True)) for row in session.execute(query.order_by(Referral.id))]
