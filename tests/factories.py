"""Tiny factories for tests: users, accounts, contracts, contacts, tickets and answers with defaults."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from lodestar.accounts import service as accounts_service
from lodestar.accounts.models import Account, Contact
from lodestar.accounts.schemas import AccountCreate, ContactCreate
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role, User
from lodestar.auth.schemas import UserCreate
from lodestar.contracts import service as contracts_service
from lodestar.contracts.models import Contract
from lodestar.contracts.schemas import ContractCreate
from lodestar.engagement import service as engagement_service

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def make_user(db: Session, role: Role = Role.CSM, manager: User | None = None, **kw: Any) -> User:
    """A user with a unique e-mail and the test password."""
    n = next(_seq)
    data = UserCreate(
        email=kw.pop("email", f"{role.value}{n}@example.com"),
        name=kw.pop("name", f"{role.value.title()} {n}"),
        role=role,
        manager_id=manager.id if manager else None,
        password=PASSWORD,
        **kw,
    )
    return auth_service.create_user(db, data)


def make_account(db: Session, owner: User, admin: User | None = None, **kw: Any) -> Account:
    """An account owned by `owner`, created by an admin (or the owner)."""
    data = AccountCreate(name=kw.pop("name", f"Account {next(_seq)}"), owner_id=owner.id, **kw)
    return accounts_service.create_account(db, admin or owner, data)


def make_contract(db: Session, account: Account, actor: User, **kw: Any) -> Contract:
    """A one-year contract for an account."""
    today = kw.pop("today", date(2026, 6, 1))
    data = ContractCreate(
        account_id=account.id,
        start_date=kw.pop("start_date", date(2026, 1, 1)),
        end_date=kw.pop("end_date", date(2027, 1, 1)),
        arr=kw.pop("arr", Decimal("120000")),
        seats=kw.pop("seats", 20),
        **kw,
    )
    return contracts_service.create_contract(db, actor, data, today=today)


def make_contact(db: Session, account: Account, actor: User, **kw: Any) -> Contact:
    """A stakeholder at an account (a user by default; `left_on` marks them left)."""
    data = ContactCreate(account_id=account.id, name=kw.pop("name", f"Contact {next(_seq)}"), **kw)
    return accounts_service.create_contact(db, actor, data)


def make_tickets(db: Session, account: Account, opened: list[datetime], **kw: Any) -> list[int]:
    """Tickets of an account opened at these instants."""
    rows = [{"account_id": account.id, "opened_at": at, **kw} for at in opened]
    return engagement_service.import_tickets(db, rows)


def make_answer(db: Session, account: Account, score: int, answered_at: datetime, kind: str = "nps") -> int:
    """One NPS (or CSAT) answer of an account."""
    rows = [{"account_id": account.id, "kind": kind, "score": score, "answered_at": answered_at}]
    return engagement_service.import_survey_responses(db, rows)[0]
