"""Contracts: validation, the renewal chain, and the account's current commercials."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from pydantic import ValidationError
from sqlalchemy import Select, Table
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.accounts.models import Account
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.contracts import repository
from lodestar.contracts.commercials import refresh_accounts
from lodestar.contracts.metric_columns import analytics_columns as analytics_columns
from lodestar.contracts.metric_columns import analytics_rows as analytics_rows
from lodestar.contracts.models import Contract
from lodestar.contracts.repository import ACCOUNT_SEGMENTS
from lodestar.contracts.schemas import ContractCreate, ContractUpdate
from lodestar.db.base import table_of
from lodestar.db.upsert import UpsertCounts, rows_by_key, upsert_by_key
from lodestar.kit.errors import FieldProblem, InvalidInput, NotFound, in_row
from lodestar.kit.fields import apply_changes, plain_values


def list_for_account(session: Session, viewer: User, account_id: int) -> list[Contract]:
    """Contracts of an account the viewer may see, newest first."""
    accounts_service.get_account(session, viewer, account_id)
    return repository.for_account(session, account_id)


def get_contract(session: Session, viewer: User, contract_id: int) -> Contract:
    """A contract whose account the viewer may see."""
    contract = repository.get(session, contract_id)
    if contract is None:
        raise NotFound(f"contract {contract_id} not found")
    try:
        accounts_service.get_account(session, viewer, contract.account_id)
    except NotFound:
        raise NotFound(f"contract {contract_id} not found") from None
    return contract


def _check_chain(session: Session, account_id: int, renews_id: int | None) -> None:
    if renews_id is None:
        return
    previous = repository.get(session, renews_id)
    if previous is None:
        raise InvalidInput.one("renews_contract_id", f"no contract with id {renews_id}")
    if previous.account_id != account_id:
        raise InvalidInput.one("renews_contract_id", f"contract {renews_id} belongs to another account")


def create_contract(session: Session, viewer: User, data: ContractCreate, today: date) -> Contract:
    """Adds a contract to a visible account and refreshes the account's ARR and renewal date."""
    auth_service.require_editor(viewer)
    try:
        accounts_service.get_account(session, viewer, data.account_id)
    except NotFound:
        raise InvalidInput.one("account_id", f"no account with id {data.account_id}") from None
    if data.external_id and repository.external_id_taken(session, data.external_id):
        raise InvalidInput.one("external_id", f"{data.external_id!r} is already used by another contract")
    _check_chain(session, data.account_id, data.renews_contract_id)
    fields = plain_values(data.model_dump())
    contract = Contract(**fields)
    session.add(contract)
    session.flush()
    auth_service.record(session, viewer, "create", "contract", contract.id, fields)
    refresh_accounts(session, {data.account_id}, today)
    return contract


def update_contract(
    session: Session, viewer: User, contract_id: int, data: ContractUpdate, today: date
) -> Contract:
    """Changes a contract, keeping end after start, and refreshes the account."""
    auth_service.require_editor(viewer)
    contract = get_contract(session, viewer, contract_id)
    fields = plain_values(data.model_dump(exclude_unset=True))
    for required in ("start_date", "end_date", "arr", "seats", "currency", "product", "status"):
        if required in fields and fields[required] is None:
            raise InvalidInput.one(required, "cannot be empty")
    start = fields.get("start_date", contract.start_date)
    end = fields.get("end_date", contract.end_date)
    if end <= start:
        raise InvalidInput.one("end_date", "must be after start_date")
    changes = apply_changes(contract, fields)
    session.flush()
    if changes:
        auth_service.record(session, viewer, "update", "contract", contract.id, changes)
        refresh_accounts(session, {contract.account_id}, today)
    return contract


def _unknown_accounts(session: Session, ids: set[int]) -> list[FieldProblem]:
    """The problem naming the accounts that do not exist, if any."""
    missing = ids - accounts_service.accounts_exist(session, ids)
    return [FieldProblem("account_id", f"unknown accounts: {sorted(missing)[:10]}")] if missing else []


def import_contracts(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Validates every contract, then inserts them all (all or nothing); returns ids in order."""
    problems: list[FieldProblem] = []
    clean: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        try:
            model = ContractCreate.model_validate(row)
            clean.append(plain_values(model.model_dump()))
        except ValidationError as exc:
            problems.extend(in_row(index + 1, exc))
    ids = {r["account_id"] for r in clean}
    problems.extend(_unknown_accounts(session, ids))
    if problems:
        raise InvalidInput(problems)
    return repository.insert_many(session, clean)


CHURN_FIELDS = ("churned_on", "churn_reason", "churn_reason_raw", "churn_feedback")


def _check_churn(row: dict[str, Any], number: int, reasons: Sequence[str]) -> list[FieldProblem]:
    # The taxonomy is configuration of the renewals domain (above this one): the caller passes its keys.
    reason = row.get("churn_reason")
    if reason is not None and reason not in reasons:
        allowed = ", ".join(reasons)
        return [FieldProblem(f"row {number}: churn_reason", f"{reason!r} is not one of {allowed}")]
    return []


def upsert_contracts(
    session: Session,
    rows: Sequence[dict[str, Any]],
    today: date,
    row_numbers: Sequence[int] | None = None,
    *,
    reasons: Sequence[str],
) -> UpsertCounts:
    """Validates every contract (a churn reason must be one of `reasons`, the configured taxonomy's keys),
    then creates or updates each by external_id and refreshes accounts."""
    problems: list[FieldProblem] = []
    clean: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        number = row_numbers[index] if row_numbers else index + 1
        base = {k: v for k, v in row.items() if k not in CHURN_FIELDS}
        churn = {k: v for k, v in row.items() if k in CHURN_FIELDS}
        try:
            model = ContractCreate.model_validate(base)
        except ValidationError as exc:
            problems.extend(in_row(number, exc))
            continue
        problems.extend(_check_churn(churn, number, reasons))
        if not model.external_id:
            problems.append(FieldProblem(f"row {number}: external_id", "is required to match contracts"))
        fields = plain_values(model.model_dump(exclude_unset=True))
        clean.append({**fields, **churn})
    ids = {r["account_id"] for r in clean}
    problems.extend(_unknown_accounts(session, ids))
    if problems:
        raise InvalidInput(problems)
    counts = upsert_by_key(session, Contract, "external_id", clean)
    refresh_accounts(session, ids, today)
    return counts


def group_ids_by_contract(session: Session, external_ids: Sequence[str]) -> dict[str, str | None]:
    """The Segment groupId of each found contract's account (None when it has none), by external id."""
    return repository.group_ids_by_external_id(session, external_ids)


def contract_refs(session: Session, external_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """(contract id, account id) by contract external id, for the ids found."""
    found = rows_by_key(session, Contract, "external_id", external_ids, ("account_id",))
    return {str(k): (c.id, c.account_id) for k, c in found.items()}


def _contract_at(contracts: Sequence[Contract], day: date) -> Contract:
    # In force that day; else the latest begun before it; else (a source quirk) the first one after.
    begun = sorted((c for c in contracts if c.start_date <= day), key=lambda c: (c.start_date, c.id))
    live = [c for c in begun if day < c.end_date]
    if live:
        return live[-1]
    if begun:
        return begun[-1]
    return min(contracts, key=lambda c: (c.start_date, c.id))


def record_churn(
    session: Session,
    rows: Sequence[dict[str, Any]],
    today: date,
    row_numbers: Sequence[int] | None = None,
    *,
    reasons: Sequence[str],
) -> UpsertCounts:
    """Records churn outcomes (date, reason, the source's reason, feedback) on the contract concerned; a
    reason must be one of `reasons` (the keys of the configured churn-reason taxonomy).

    Each row names an account (and optionally a contract by id); the contract in force on the churn date
    gets the outcome. When several rows land on one contract the latest churn date wins.
    """
    problems: list[FieldProblem] = []
    counts = UpsertCounts(ids=[0] * len(rows))
    accounts = {r["account_id"] for r in rows}
    by_account: dict[int, list[Contract]] = {a: [] for a in accounts}
    for contract in repository.for_accounts(session, accounts):
        by_account[contract.account_id].append(contract)
    chosen: dict[int, tuple[dict[str, Any], int]] = {}
    for index, row in enumerate(rows):
        number = row_numbers[index] if row_numbers else index + 1
        problems.extend(_check_churn(row, number, reasons))
        if row.get("churned_on") is None:
            problems.append(FieldProblem(f"row {number}: churned_on", "is required"))
            continue
        contracts = by_account.get(row["account_id"], [])
        if row.get("contract_id"):
            contracts = [c for c in contracts if c.id == row["contract_id"]]
        if not contracts:
            problems.append(FieldProblem(f"row {number}: account_id", "the account has no contracts"))
            continue
        contract = _contract_at(contracts, row["churned_on"])
        counts.ids[index] = contract.id
        held = chosen.get(contract.id)
        if held is None or held[0]["churned_on"] <= row["churned_on"]:
            chosen[contract.id] = (row, index)
    if problems:
        raise InvalidInput(problems)
    by_id = {c.id: c for cs in by_account.values() for c in cs}
    for contract_id, (row, _) in chosen.items():
        contract = by_id[contract_id]
        changed = False
        for name in CHURN_FIELDS:
            if getattr(contract, name) != row.get(name):
                setattr(contract, name, row.get(name))
                changed = True
        counts.updated += changed
        counts.unchanged += not changed
    counts.unchanged += len(rows) - len(chosen)
    session.flush()
    refresh_accounts(session, accounts, today)
    return counts


def churn_dates(session: Session) -> dict[int, list[date]]:
    """Per account, the dates its contracts ended without renewal (the churn date when recorded)."""
    out: dict[int, list[date]] = {}
    for account_id, end, churned_on in repository.ended_without_renewal(session):
        out.setdefault(account_id, []).append(churned_on or end)
    return out


def churns(session: Session) -> list[tuple[int, date, date]]:
    """(account_id, churn date, contract end) of every contract that ended without renewal (the churn date
    is churned_on when recorded, else the end)."""
    return [(a, churned_on or end, end) for a, end, churned_on in repository.ended_without_renewal(session)]


def customers_since(
    session: Session, as_of: date, account_ids: Collection[int] | None = None
) -> list[tuple[int, date]]:
    """(account_id, start of its first contract) of every account (or these) with a contract in force on
    as_of: begun, not ended, not churned before it, not cancelled."""
    return repository.first_starts(session, as_of, account_ids)


def ending_without_renewal(
    session: Session, as_of: date, days: int, gap_days: int, account_ids: Collection[int] | None = None
) -> list[tuple[int, int, date]]:
    """(account_id, contract id, end date) of the contracts in force on as_of that end within `days` days
    with nothing after them: no contract renews them, and no other contract of the account that starts
    within `days` + `gap_days` days of as_of ends after them (a renewal, an extension, a longer contract).

    The table keeps no signing date, so a renewal counts from whenever it is stored."""
    last = as_of + timedelta(days=days)
    horizon = last + timedelta(days=gap_days)
    return repository.ending_unfollowed(session, as_of, last, horizon, account_ids)


def renewals_due(
    session: Session, account_ids: Select[Any], first: date, last: date, limit: int = 20
) -> tuple[list[tuple[Any, ...]], list[Any]]:
    """Live contracts of these accounts (a subquery of ids) ending in [first, last]: (currency, contracts,
    ARR) per currency, and the soonest `limit` as light rows (id, account_id, end_date, arr, currency)."""
    return (
        repository.ending_totals(session, account_ids, first, last),
        repository.ending_first(session, account_ids, first, last, limit),
    )


def retention_tables() -> tuple[Table, ...]:
    """The tables retention_columns reads, contracts first (a cache of what is computed from them watches
    these; a delete of an account deletes its contracts)."""
    return (table_of(Contract), table_of(Account))


def retention_columns(
    session: Session, owner_ids: Collection[int] | None = None, segments: Sequence[str] = ACCOUNT_SEGMENTS
) -> dict[str, np.ndarray]:
    """Every non-cancelled contract (of the accounts owner_ids own, or all) with its account's owner and
    these segments (tier, industry, plan, region), as numpy columns by name (see the repository)."""
    return repository.retention_columns(session, owner_ids, segments)


def account_segments(session: Session, owners: Collection[int] | None, names: Sequence[str]) -> dict:
    """The accounts (of owners, or all) as numpy columns: account, owner_id (-1: none), these segments."""
    return repository.account_segments(session, owners, names)


def churned_by(session: Session, day: date) -> list[tuple[int, int, date, Decimal, str, str | None]]:
    """(contract id, account_id, last day, ARR, currency, churn reason) of every account churned by the day:
    its latest-ending contract begun by then ended before the day and was not marked renewed, the rule the
    lifecycle's churned and lead-pool stages follow (a later contract that has begun reactivates it)."""
    return [
        (i, a, last, arr, cur, reason) for i, a, last, arr, cur, reason in repository.churned_by(session, day)
    ]


def chain_columns(session: Session) -> dict[str, np.ndarray]:
    """Non-cancelled contracts' id, account_id, renews, start, end, churned, status (see the repository)."""
    return repository.chain_columns(session)


def store_renewed_by(session: Session, links: dict[int, int]) -> int:
    """Keeps renewed_by_id equal to `links` (contract id -> the contract renewing it by the renewals'
    successor rule; absent: none), writing only changed rows; how many changed."""
    return repository.store_renewed_by(session, links)


def renewal_candidate_columns(session: Session, skip: Select[Any]) -> dict[str, np.ndarray]:
    """id, start, end and renewed (1: another live contract renews it) as arrays, of the contracts (not
    cancelled, not among the `skip` subquery of ids) a renewal may open for."""
    return repository.renewal_candidate_columns(session, skip)


def renewal_rows(session: Session, ids: Collection[int]) -> list[Any]:
    """These contracts as light rows (id, account_id, owner_id, end_date, arr, currency), in id order."""
    return repository.renewal_rows(session, ids)


def account_chain_rows(session: Session, contract_ids: Select[Any]) -> list[Any]:
    """Every contract of the accounts holding these contracts (a subquery of ids), as light rows (id,
    account_id, start_date, end_date, arr, currency, status, churned_on, churn_reason, renews_contract_id)
    in id order: the renewals domain reads the chain, stored or implied by dates, from them."""
    return repository.account_chain_rows(session, contract_ids)
