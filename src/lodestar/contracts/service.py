"""Contracts: validation, the renewal chain, and the account's current commercials."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.contracts import repository
from lodestar.contracts.models import Contract, ContractStatus
from lodestar.contracts.schemas import ContractCreate, ContractUpdate
from lodestar.kit.errors import FieldProblem, InvalidInput, NotFound, problems_from_pydantic

LIVE = (ContractStatus.ACTIVE.value,)


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
    fields = {k: getattr(v, "value", v) for k, v in data.model_dump().items()}
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
    fields = {k: getattr(v, "value", v) for k, v in data.model_dump(exclude_unset=True).items()}
    for required in ("start_date", "end_date", "arr", "seats", "currency", "product", "status"):
        if required in fields and fields[required] is None:
            raise InvalidInput.one(required, "cannot be empty")
    start = fields.get("start_date", contract.start_date)
    end = fields.get("end_date", contract.end_date)
    if end <= start:
        raise InvalidInput.one("end_date", "must be after start_date")
    changes = {}
    for name, value in fields.items():
        if getattr(contract, name) != value:
            changes[name] = value
            setattr(contract, name, value)
    session.flush()
    if changes:
        auth_service.record(session, viewer, "update", "contract", contract.id, changes)
        refresh_accounts(session, {contract.account_id}, today)
    return contract


def import_contracts(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Validates every contract, then inserts them all (all or nothing); returns ids in order."""
    problems: list[FieldProblem] = []
    clean: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        try:
            model = ContractCreate.model_validate(row)
            clean.append({k: getattr(v, "value", v) for k, v in model.model_dump().items()})
        except ValidationError as exc:
            for p in problems_from_pydantic(exc.errors()).problems:  # type: ignore[arg-type]
                problems.append(FieldProblem(f"row {index + 1}: {p.field}", p.message))
    ids = {r["account_id"] for r in clean}
    missing = ids - accounts_service.accounts_exist(session, ids)
    if missing:
        problems.append(FieldProblem("account_id", f"unknown accounts: {sorted(missing)[:10]}"))
    if problems:
        raise InvalidInput(problems)
    return repository.insert_many(session, clean)


def commercials(contracts: Sequence[Contract], today: date) -> dict[str, Any]:
    """An account's current ARR, currency, next renewal date and status from its contracts."""
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


def refresh_accounts(session: Session, account_ids: set[int], today: date) -> None:
    """Recomputes the denormalised commercials of these accounts from their contracts."""
    by_account: dict[int, list[Contract]] = {a: [] for a in account_ids}
    for contract in repository.for_accounts(session, account_ids):
        by_account[contract.account_id].append(contract)
    values = [{"id": a, **commercials(cs, today)} for a, cs in by_account.items()]
    accounts_service.set_commercials(session, values)
