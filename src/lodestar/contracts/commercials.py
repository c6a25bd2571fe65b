"""An account's current commercials (ARR, currency, next renewal date, status), kept from its contracts.

They are facts of today, not of a snapshot's date: every contract write recomputes its account's as of that
day, and every run recomputes those of the accounts whose contracts began or ended since (time alone moves
an account from onboarding to active, or from active to churned, with no write at all).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.contracts.models import Contract, ContractStatus
from lodestar.db.batches import rows_among

LIVE = (ContractStatus.ACTIVE.value,)


def commercials(contracts: Sequence[Any], today: date) -> dict[str, Any]:
    """An account's current ARR, currency, next renewal date and status from its contracts (objects or
    rows with status, start_date, end_date, arr and currency, in id order)."""
    live = [c for c in contracts if c.status in LIVE and c.start_date <= today < c.end_date]
    if live:
        return {
            "arr": sum((c.arr for c in live), Decimal("0")),
            "currency": live[0].currency,
            "renewal_date": min(c.end_date for c in live),
            "status": "active",
        }
    future = [c for c in contracts if c.status in LIVE and c.start_date > today]
    if future:
        return {
            "arr": Decimal("0"),
            "currency": future[0].currency,
            "renewal_date": min(c.end_date for c in future),
            "status": "onboarding",
        }
    ended = bool(contracts)
    return {"arr": Decimal("0"), "renewal_date": None, "status": "churned" if ended else "prospect"}


def refresh_accounts(session: Session, account_ids: set[int], today: date) -> int:
    """Recomputes the denormalised commercials of these accounts from their contracts; only accounts
    whose figures change are written (read and written as plain rows, in bulk). Returns how many were."""
    session.flush()  # contracts changed through the ORM must be in the rows read below
    by_account: dict[int, list[Any]] = {a: [] for a in account_ids}
    for contract in sorted(_commercial_rows(session, account_ids), key=lambda c: c.id):
        by_account[contract.account_id].append(contract)
    stored = accounts_service.commercials_of(session, account_ids)
    values = []
    for account_id, contracts in by_account.items():
        fresh = commercials(contracts, today)
        if any(stored.get(account_id, {}).get(k) != v for k, v in fresh.items()):
            values.append({"id": account_id, **fresh})
    accounts_service.set_commercials(session, values)
    return len(values)


def refresh_crossed(session: Session, last_refreshed: datetime | None, today: date) -> int:
    """Recomputes, as of today, the commercials of the accounts with a contract that began or ended after
    `last_refreshed` (when commercials were last brought to the day: the last run; None: the first contract
    write), on or before today. Returns how many accounts changed.

    The window opens a day early: a timestamp is UTC, the day it was brought to is the company's, and an
    account looked at twice is simply found unchanged."""
    since = last_refreshed or session.scalar(select(func.min(Contract.updated_at)))
    if since is None:
        return 0
    after = since.date() - timedelta(days=1)
    crossed = or_(
        and_(Contract.start_date > after, Contract.start_date <= today),
        and_(Contract.end_date > after, Contract.end_date <= today),
    )
    ids = set(session.scalars(select(Contract.account_id).where(crossed).distinct()))
    return refresh_accounts(session, ids, today) if ids else 0


def _commercial_rows(session: Session, account_ids: Collection[int]) -> list[Any]:
    """The contracts of these accounts as plain rows of what an account's commercials are made from."""
    columns = (
        Contract.id,
        Contract.account_id,
        Contract.status,
        Contract.start_date,
        Contract.end_date,
        Contract.arr,
        Contract.currency,
    )
    return rows_among(session, select(*columns), Contract.account_id, account_ids)
