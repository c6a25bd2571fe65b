"""Queries for contracts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased

from lodestar.accounts.models import Account
from lodestar.contracts.models import Contract
from lodestar.db.batches import rows_among
from lodestar.db.bulk import insert_returning_ids
from lodestar.db.columns import Column, read_columns

ACCOUNT_SEGMENTS = ("tier", "industry", "plan", "region")


def get(session: Session, contract_id: int) -> Contract | None:
    """Gets a contract by id."""
    return session.get(Contract, contract_id)


def for_account(session: Session, account_id: int) -> list[Contract]:
    """An account's contracts, newest first."""
    stmt = (
        select(Contract)
        .where(Contract.account_id == account_id)
        .order_by(Contract.start_date.desc(), Contract.id.desc())
    )
    return list(session.scalars(stmt))


def for_accounts(session: Session, account_ids: set[int]) -> list[Contract]:
    """Contracts of several accounts."""
    return list(session.scalars(select(Contract).where(Contract.account_id.in_(account_ids))))


def external_id_taken(session: Session, external_id: str) -> bool:
    """Whether a contract already has this external id."""
    return session.scalar(select(Contract.id).where(Contract.external_id == external_id)) is not None


def insert_many(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk-inserts contracts, returning ids in input order."""
    return insert_returning_ids(session, Contract, rows)


def ended_without_renewal(session: Session) -> list[tuple[int, Any, Any]]:
    """(account_id, end_date, churned_on) of every expired contract or one with a churn date."""
    stmt = select(Contract.account_id, Contract.end_date, Contract.churned_on).where(
        (Contract.status == "expired") | Contract.churned_on.is_not(None)
    )
    return [(a, e, c) for a, e, c in session.execute(stmt)]


def analytics_contracts(
    session: Session, account_ids: Collection[int] | None = None
) -> list[tuple[Any, ...]]:
    """(account_id, id, start, end, churned_on, arr, seats, status) of every contract (or these accounts');
    the status reads `renewed` for a contract the renewal rule says another renews (renewed_by_id)."""
    status = case(
        (and_(Contract.renewed_by_id.is_not(None), Contract.status != "cancelled"), literal("renewed")),
        else_=Contract.status,
    )
    cols = (
        Contract.account_id,
        Contract.id,
        Contract.start_date,
        Contract.end_date,
        Contract.churned_on,
        Contract.arr,
        Contract.seats,
        status,
    )
    stmt = select(*cols)
    if account_ids is not None:
        stmt = stmt.where(Contract.account_id.in_(sorted(account_ids)))
    return [tuple(r) for r in session.execute(stmt)]


def analytics_contract_columns(
    session: Session, account_ids: Collection[int] | None = None
) -> dict[str, np.ndarray]:
    """analytics_contracts as arrays (ARR in cents; churned NaT when not recorded), one text per column."""
    status = case(
        (and_(Contract.renewed_by_id.is_not(None), Contract.status != "cancelled"), literal("renewed")),
        else_=Contract.status,
    )
    columns = [
        Column("account_id", Contract.account_id, "int"),
        Column("id", Contract.id, "int"),
        Column("start", Contract.start_date, "day"),
        Column("end", Contract.end_date, "day"),
        Column("churned", Contract.churned_on, "day"),
        Column(
            "cents", cast(func.round(Contract.arr * literal(100, literal_execute=True)), BigInteger), "int"
        ),
        Column("seats", Contract.seats, "int"),
        Column("status", status, "text"),
    ]
    among = None if account_ids is None else (Contract.account_id, account_ids)
    return read_columns(session, columns, lambda stmt: stmt.select_from(Contract), among)


def _ending(account_ids: Select[Any], first: date, last: date) -> list[ColumnElement[bool]]:
    return [
        Contract.account_id.in_(account_ids),
        Contract.status == "active",
        Contract.end_date >= first,
        Contract.end_date <= last,
    ]


def ending_totals(
    session: Session, account_ids: Select[Any], first: date, last: date
) -> list[tuple[Any, ...]]:
    """(currency, contracts, ARR) of the live contracts of these accounts ending in [first, last]."""
    stmt = (
        select(Contract.currency, func.count(), func.sum(Contract.arr))
        .where(*_ending(account_ids, first, last))
        .group_by(Contract.currency)
    )
    return [tuple(r) for r in session.execute(stmt)]


def ending_first(
    session: Session, account_ids: Select[Any], first: date, last: date, limit: int
) -> list[Any]:
    """The live contracts of these accounts ending in [first, last], soonest first, as light rows."""
    cols = (Contract.id, Contract.account_id, Contract.end_date, Contract.arr, Contract.currency)
    stmt = select(*cols).where(*_ending(account_ids, first, last))
    return list(
        session.execute(stmt.order_by(Contract.end_date, Contract.arr.desc(), Contract.id).limit(limit))
    )


def group_ids_by_external_id(session: Session, external_ids: Collection[str]) -> dict[str, str | None]:
    """The segment_group_id of each contract's account, by contract external id (plain rows)."""
    wanted = sorted(set(external_ids))
    found: dict[str, str | None] = {}
    for i in range(0, len(wanted), 5_000):  # under SQLite's bound-parameter limit
        query = (
            select(Contract.external_id, Account.segment_group_id)
            .join(Account, Account.id == Contract.account_id)
            .where(Contract.external_id.in_(wanted[i : i + 5_000]))
        )
        found.update((str(k), g) for k, g in session.execute(query))
    return found


def _batched(session: Session, stmt: Any, column: Any, account_ids: Collection[int] | None) -> list[Any]:
    """The statement's rows over every account (None) or these, 5,000 ids at a time."""
    if account_ids is None:
        return list(session.execute(stmt))
    wanted = sorted(account_ids)
    out: list[Any] = []
    for i in range(0, len(wanted), 5_000):  # under SQLite's bound-parameter limit
        out.extend(session.execute(stmt.where(column.in_(wanted[i : i + 5_000]))))
    return out


def _in_force(contract: Any, day: date) -> ColumnElement[bool]:
    """The contract runs on the day: begun, not ended, not churned before it, not cancelled."""
    return and_(
        contract.status != "cancelled",
        contract.start_date <= day,
        contract.end_date >= day,
        or_(contract.churned_on.is_(None), contract.churned_on > day),
    )


def first_starts(session: Session, day: date, account_ids: Collection[int] | None) -> list[tuple[int, Any]]:
    """(account_id, start of its first contract) of the accounts with a contract in force on the day."""
    c, live = aliased(Contract), aliased(Contract)
    stmt = (
        select(c.account_id, func.min(c.start_date))
        .where(c.status != "cancelled", c.start_date <= day)
        .where(exists().where(live.account_id == c.account_id, _in_force(live, day)))
        .group_by(c.account_id)
    )
    return [(a, s) for a, s in _batched(session, stmt, c.account_id, account_ids)]


def ending_unfollowed(
    session: Session, day: date, last: date, horizon: date, account_ids: Collection[int] | None
) -> list[tuple[int, int, Any]]:
    """(account_id, contract id, end date) of contracts in force on the day that end by `last`, where no
    contract renews them and no other contract of the account starting by `horizon` ends after them."""
    c, d = aliased(Contract), aliased(Contract)
    follower = exists().where(
        d.account_id == c.account_id,
        d.id != c.id,
        d.status != "cancelled",
        or_(d.renews_contract_id == c.id, and_(d.start_date <= horizon, d.end_date > c.end_date)),
    )
    stmt = select(c.account_id, c.id, c.end_date).where(_in_force(c, day), c.end_date <= last, ~follower)
    return [(a, i, e) for a, i, e in _batched(session, stmt, c.account_id, account_ids)]


def account_segments(
    session: Session, owner_ids: Collection[int] | None, segments: Sequence[str]
) -> dict[str, np.ndarray]:
    """The accounts (owned by owner_ids, or all) as arrays: account (id), owner_id (-1: none) and each of
    these segments (tier, industry, plan, region; "" when unset)."""
    text_of = lambda column: func.coalesce(column, literal("", literal_execute=True))  # noqa: E731
    columns = [
        Column("account", Account.id, "int"),
        Column("owner_id", func.coalesce(Account.owner_id, literal(-1, literal_execute=True)), "int"),
        *(Column(k, text_of(getattr(Account, k)), "text") for k in segments),
    ]
    among = None if owner_ids is None else (Account.owner_id, owner_ids)
    return read_columns(session, columns, lambda stmt: stmt.select_from(Account), among)


def retention_columns(
    session: Session, owner_ids: Collection[int] | None, segments: Sequence[str] = ACCOUNT_SEGMENTS
) -> dict[str, np.ndarray]:
    """Every non-cancelled contract (of accounts owned by owner_ids, or all) as arrays for the retention
    figures, row by row alike: id, account_id, renews (the renewed contract, -1: none), start, end and
    churned (datetime64 days; churned NaT when not recorded), cents (ARR in cents), currency, status,
    churn_reason ("" when none), and the account's owner_id (-1: none) and these segments of tier,
    industry, plan and region ("" when unset)."""
    text_of = lambda column: func.coalesce(column, literal("", literal_execute=True))  # noqa: E731
    none = literal(-1, literal_execute=True)
    per_contract = [
        Column("id", Contract.id, "int"),
        Column("account_id", Contract.account_id, "int"),
        Column("renews", func.coalesce(Contract.renews_contract_id, none), "int"),
        Column("start", Contract.start_date, "day"),
        Column("end", Contract.end_date, "day"),
        Column("churned", Contract.churned_on, "day"),
        Column(
            "cents", cast(func.round(Contract.arr * literal(100, literal_execute=True)), BigInteger), "int"
        ),
        Column("currency", Contract.currency, "text"),
        Column("status", Contract.status, "text"),
        Column("churn_reason", text_of(Contract.churn_reason), "text"),
    ]
    # The account columns are read once per account, not repeated per contract through a join (half the
    # time at 100,000 accounts), then spread over the contracts by account id.
    accounts = account_segments(session, owner_ids, segments)
    mine = None if owner_ids is None else (Contract.account_id, accounts["account"].tolist())
    contracts = read_columns(
        session,
        per_contract,
        lambda stmt: stmt.select_from(Contract).where(
            Contract.status != literal("cancelled", literal_execute=True)
        ),
        mine,
    )
    order = np.argsort(accounts["account"])
    at = order[np.searchsorted(accounts["account"], contracts["account_id"], sorter=order)]
    return contracts | {name: values[at] for name, values in accounts.items() if name != "account"}


def _last_day(contract: Any) -> ColumnElement[Any]:
    """The contract's last day: its churn date when recorded earlier than its end."""
    return case(
        (
            and_(contract.churned_on.is_not(None), contract.churned_on < contract.end_date),
            contract.churned_on,
        ),
        else_=contract.end_date,
    )


def churned_by(session: Session, day: date) -> list[tuple[Any, ...]]:
    """(contract id, account_id, last day, ARR, currency, churn_reason) of each account whose latest-ending
    contract begun by the day has ended before it without being marked renewed (the lifecycle's churn)."""
    c, d = aliased(Contract), aliased(Contract)
    last_c, last_d = _last_day(c), _last_day(d)
    later = exists().where(
        d.account_id == c.account_id,
        d.id != c.id,
        d.start_date <= day,
        or_(last_d > last_c, and_(last_d == last_c, d.id < c.id)),
    )
    stmt = select(c.id, c.account_id, last_c, c.arr, c.currency, c.churn_reason).where(
        c.start_date <= day, last_c < day, c.status != "renewed", c.renewed_by_id.is_(None), ~later
    )
    return [tuple(r) for r in session.execute(stmt)]


def chain_columns(session: Session) -> dict[str, np.ndarray]:
    """Every non-cancelled contract's id, account_id, renews (-1: none), start, end, churned (NaT: none) and
    status as arrays: what the renewal chain is read from."""
    none = literal(-1, literal_execute=True)
    columns = [
        Column("id", Contract.id, "int"),
        Column("account_id", Contract.account_id, "int"),
        Column("renews", func.coalesce(Contract.renews_contract_id, none), "int"),
        Column("start", Contract.start_date, "day"),
        Column("end", Contract.end_date, "day"),
        Column("churned", Contract.churned_on, "day"),
        Column("status", Contract.status, "text"),
    ]
    live = Contract.status != literal("cancelled", literal_execute=True)
    return read_columns(session, columns, lambda stmt: stmt.select_from(Contract).where(live))


def store_renewed_by(session: Session, links: dict[int, int]) -> int:
    """Sets renewed_by_id to `links` (contract id -> renewing contract id; absent: none) in bulk, only on
    the contracts where it differs; how many."""
    stmt = select(Contract.id, Contract.renewed_by_id).where(Contract.renewed_by_id.is_not(None))
    stored = {int(i): int(by) for i, by in session.execute(stmt) if by is not None}
    values: list[dict[str, int | None]] = [
        {"id": i, "renewed_by_id": by} for i, by in links.items() if stored.get(i) != by
    ]
    values += [{"id": i, "renewed_by_id": None} for i in stored if i not in links]
    if values:
        session.execute(update(Contract), values)
    return len(values)


def renewal_candidate_columns(session: Session, skip: Select[Any]) -> dict[str, np.ndarray]:
    """id, start, end and renewed (1 when another live contract renews it) as arrays, of the contracts that
    are not cancelled and not among `skip` (a subquery of contract ids): enough to tell whose renewal is
    due without reading every candidate's row."""
    follower = aliased(Contract)
    renewed = exists().where(follower.renews_contract_id == Contract.id, follower.status != "cancelled")
    columns = [
        Column("id", Contract.id, "int"),
        Column("start", Contract.start_date, "day"),
        Column("end", Contract.end_date, "day"),
        Column("renewed", case((renewed, 1), else_=0), "int"),
    ]
    live = and_(Contract.status != literal("cancelled", literal_execute=True), Contract.id.not_in(skip))
    return read_columns(session, columns, lambda stmt: stmt.select_from(Contract).where(live))


def renewal_rows(session: Session, ids: Collection[int]) -> list[Any]:
    """Light rows (id, account_id, owner_id, end_date, arr, currency) of these contracts, in id order: what
    a renewal opened for each copies."""
    stmt = (
        select(
            Contract.id, Contract.account_id, Account.owner_id, Contract.end_date, Contract.arr,
            Contract.currency,
        )
        .join(Account, Account.id == Contract.account_id)
        .order_by(Contract.id)
    )  # fmt: skip
    return rows_among(session, stmt, Contract.id, ids)


def account_chain_rows(session: Session, contract_ids: Select[Any]) -> list[Any]:
    """Every contract of the accounts that hold these contracts (a subquery of ids), as light rows (id,
    account_id, start_date, end_date, arr, currency, status, churned_on, churn_reason, renews_contract_id):
    what the renewal chain is read from when the source named no renewed contract."""
    holders = select(Contract.account_id).where(Contract.id.in_(contract_ids))
    stmt = select(
        Contract.id, Contract.account_id, Contract.start_date, Contract.end_date, Contract.arr,
        Contract.currency, Contract.status, Contract.churned_on, Contract.churn_reason,
        Contract.renews_contract_id,
    ).where(Contract.account_id.in_(holders))  # fmt: skip
    return list(session.execute(stmt.order_by(Contract.id)))
