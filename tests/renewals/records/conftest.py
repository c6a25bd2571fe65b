"""Hand-made contract chains for the renewal-record tests: a team, accounts, contracts through the service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.auth.models import Role, User
from lodestar.contracts.models import Contract
from lodestar.renewals.records.models import Renewal
from tests.factories import make_account, make_contract, make_user


@dataclass
class Team:
    """An admin, a CSM and a way to build accounts and contracts for them."""

    db: Session
    admin: User
    csm: User

    def account(self, **fields: Any) -> Account:
        """An account owned by the CSM."""
        return make_account(self.db, self.csm, self.admin, **fields)

    def contract(self, account: Account, start: date, end: date, arr: str = "120000", **kw: Any) -> Contract:
        """A contract of the account (CNY unless `currency` says otherwise)."""
        return make_contract(
            self.db, account, self.admin, start_date=start, end_date=end, arr=Decimal(arr), **kw
        )

    def renewal_of(self, contract: Contract) -> Renewal:
        """The one renewal of a contract."""
        return self.db.scalars(select(Renewal).where(Renewal.contract_id == contract.id)).one()


@pytest.fixture
def team(db: Session) -> Team:
    admin = make_user(db, Role.ADMIN, name="Ada Admin")
    csm = make_user(db, Role.CSM, name="Cora Csm")
    return Team(db, admin, csm)
