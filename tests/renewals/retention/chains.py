"""Hand-made contract chains: one account per case, each with the ARR it starts and ends 2025-Q1 with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from lodestar.auth.models import Role, User
from lodestar.config import service as config_service
from lodestar.contracts.models import Contract
from lodestar.renewals import config_kind
from tests.factories import make_account, make_user

D = date
TODAY = D(2025, 6, 30)


@dataclass
class World:
    """Who is who, and each case's account id."""

    admin: User
    csm: User
    other: User
    accounts: dict[str, int] = field(default_factory=dict)


def _contract(db: Session, account_id: int, start: date, end: date, arr: int, **kw: object) -> Contract:
    contract = Contract(account_id=account_id, start_date=start, end_date=end, arr=Decimal(arr), **kw)
    db.add(contract)
    db.flush()
    return contract


def use_rates(db: Session) -> None:
    """USD at 7.00 CNY, then 7.50 from 2025-02-15 (inside Q1)."""
    settings, _ = config_kind.current(db)
    data = settings.model_dump(mode="json")
    data["exchange_rates"] = [
        {"currency": "USD", "rate": "7.00", "valid_from": "2020-01-01"},
        {"currency": "USD", "rate": "7.50", "valid_from": "2025-02-15"},
    ]
    config_service.save(db, "renewals", data, "tests")


def build(db: Session) -> World:
    """Thirteen accounts; every one but `others` owned by the CSM; tier KA for `currency`, SMB otherwise."""
    admin = make_user(db, Role.ADMIN, name="Ada Admin")
    csm = make_user(db, Role.CSM, name="Cora Csm")
    other = make_user(db, Role.CSM, name="Otto Other")
    world = World(admin, csm, other)

    def account(name: str, owner: User = csm, tier: str = "SMB") -> int:
        made = make_account(
            db, owner, admin, name=name, tier=tier, industry="Retail", plan="Pro", region="East"
        )
        world.accounts[name] = made.id
        return made.id

    flat = _contract(db, account("flat"), D(2024, 2, 1), D(2025, 2, 1), 100_000, status="renewed")
    _contract(db, flat.account_id, D(2025, 2, 1), D(2026, 2, 1), 100_000, renews_contract_id=flat.id)
    grown = _contract(db, account("expansion"), D(2024, 3, 1), D(2025, 3, 1), 50_000, status="renewed")
    _contract(db, grown.account_id, D(2025, 3, 1), D(2026, 3, 1), 80_000, renews_contract_id=grown.id)
    shrunk = _contract(db, account("contraction"), D(2024, 1, 15), D(2025, 1, 15), 60_000, status="renewed")
    _contract(db, shrunk.account_id, D(2025, 1, 15), D(2026, 1, 15), 45_000, renews_contract_id=shrunk.id)
    _contract(
        db, account("churn"), D(2024, 3, 15), D(2025, 3, 15), 40_000, status="expired",
        churn_reason="price_budget",
    )  # fmt: skip
    early = _contract(db, account("early"), D(2024, 6, 1), D(2025, 6, 1), 30_000, status="renewed")
    _contract(db, early.account_id, D(2025, 2, 1), D(2026, 6, 1), 36_000, renews_contract_id=early.id)
    _contract(db, account("multi_year"), D(2023, 7, 1), D(2026, 7, 1), 20_000)
    upgraded = _contract(db, account("upgrade"), D(2024, 10, 1), D(2025, 10, 1), 10_000, status="renewed")
    _contract(db, upgraded.account_id, D(2025, 3, 1), D(2026, 3, 1), 25_000, renews_contract_id=upgraded.id)
    _contract(db, account("currency", tier="KA"), D(2024, 5, 1), D(2026, 5, 1), 10_000, currency="USD")
    _contract(db, account("new"), D(2025, 2, 1), D(2026, 2, 1), 99_000)
    late = _contract(db, account("late"), D(2024, 1, 1), D(2025, 1, 1), 12_000, status="renewed")
    _contract(db, late.account_id, D(2025, 1, 20), D(2026, 1, 20), 12_000, renews_contract_id=late.id)
    _contract(
        db, account("left_midterm"), D(2024, 9, 1), D(2025, 9, 1), 8_000, status="expired",
        churned_on=D(2025, 2, 10), churn_reason="competitor",
    )  # fmt: skip
    _contract(db, account("void"), D(2024, 6, 1), D(2025, 6, 1), 5_000, status="cancelled")
    _contract(db, account("others", owner=other), D(2024, 1, 1), D(2026, 1, 1), 7_000)
    use_rates(db)
    db.commit()
    return world
