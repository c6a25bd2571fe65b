"""A small CS team and portfolio for the SOP core tests (imported by the test_core_* modules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role, User
from lodestar.sop.models import PlaybookRun, Task
from tests.factories import make_account, make_user

DAY = date(2026, 3, 2)


@dataclass
class Crew:
    """An admin, a manager with two CSMs, a CSM outside the team, and their accounts."""

    admin: User
    manager: User
    csm: User
    mate: User
    outsider: User
    mine: Account  # owned by csm
    theirs: Account  # owned by outsider
    unowned: Account


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id with the lightest parameters: these tests seed users and never log in."""
    monkeypatch.setattr(auth_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def crew(db: Session) -> Crew:
    """The team and three accounts, committed."""
    admin = make_user(db, Role.ADMIN, name="Ada Admin")
    manager = make_user(db, Role.MANAGER, name="Max Manager")
    csm = make_user(db, Role.CSM, manager=manager, name="Cora Csm")
    mate = make_user(db, Role.CSM, manager=manager, name="Mia Mate")
    outsider = make_user(db, Role.CSM, name="Otto Other")
    mine = make_account(db, csm, admin, name="Mine Ltd", tier="gold")
    theirs = make_account(db, outsider, admin, name="Theirs Ltd")
    unowned = make_account(db, admin, admin, name="Nobody's Ltd")
    unowned.owner_id = None
    db.commit()
    return Crew(admin, manager, csm, mate, outsider, mine, theirs, unowned)


def entry(account: Account | int, to: str, on: date = DAY, frm: str | None = "handover") -> dict[str, Any]:
    """One stage transition as the snapshot job writes it."""
    account_id = account if isinstance(account, int) else account.id
    return {"account_id": account_id, "on": on, "from_stage": frm, "to_stage": to, "reason": "test"}


def tasks_of(db: Session, account: Account, playbook: str | None = None) -> list[Task]:
    """The account's tasks in step order."""
    stmt = select(Task).where(Task.account_id == account.id).order_by(Task.run_id, Task.position)
    if playbook:
        stmt = stmt.where(Task.playbook_key == playbook)
    return list(db.scalars(stmt))


def runs_of(db: Session, account: Account) -> list[PlaybookRun]:
    """The account's playbook runs."""
    return list(db.scalars(select(PlaybookRun).where(PlaybookRun.account_id == account.id)))


def at(day: date, hour: int = 12) -> datetime:
    """An instant on a day (UTC)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
