"""A churned account: a CSM's account whose one contract ended on 2026-01-01 without renewal, with a
decision maker and a champion who left, and settings that can send e-mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.auth.models import Role, User
from lodestar.contracts.models import Contract
from lodestar.renewals.winback.models import WinBack
from lodestar.settings import Settings, load_settings
from tests.factories import make_account, make_contact, make_contract, make_user

LAST_DAY = date(2026, 1, 1)  # the contract's end: live that day, churned from the next
WINDOW = 90  # the default lifecycle's win-back window


def day(n: int) -> date:
    """The n-th day after the contract's last day."""
    return LAST_DAY + timedelta(days=n)


@dataclass
class Churned:
    """The team and the churned account."""

    admin: User
    csm: User
    account: Account
    contract: Contract


def churned_account(
    db: Session, admin: User, csm: User, name: str, reason: str | None = "price_budget"
) -> Churned:
    """An account of the CSM whose contract (CNY 120,000) ended on LAST_DAY, expired, with a reason."""
    account = make_account(db, csm, admin, name=name)
    contract = make_contract(
        db, account, admin, start_date=date(2025, 1, 1), end_date=LAST_DAY, status="expired",
        arr=Decimal("120000"), today=LAST_DAY,
    )  # fmt: skip
    contract.churn_reason = reason
    make_contact(db, account, admin, name="Wang Fang", role="decision_maker", email="wang@example.cn")
    make_contact(db, account, admin, name="Li Na", role="champion", email="li@example.cn", active=False)
    db.flush()
    return Churned(admin, csm, account, contract)


@pytest.fixture
def churned(db: Session) -> Churned:
    """One churned account of an English-reading CSM."""
    admin = make_user(db, Role.ADMIN, name="Ada Admin")
    csm = make_user(db, Role.CSM, name="Cora Csm")
    made = churned_account(db, admin, csm, "Aurora Retail")
    db.commit()
    return made


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Settings with an SMTP host (the outbox takes e-mail) and a base URL for links."""
    return load_settings(
        database_url=db_url, data_dir=tmp_path, base_url="http://cs.example.com", smtp_host="127.0.0.1"
    )


def win_backs(db: Session) -> list[WinBack]:
    """Every win-back, by id, as stored."""
    db.expire_all()
    return list(db.scalars(select(WinBack).order_by(WinBack.id)))


def count(db: Session, model: type) -> int:
    """Rows of a table."""
    return db.scalar(select(func.count()).select_from(model)) or 0
