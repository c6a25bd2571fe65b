"""The contracts behind the retention figures are cached per table generation: after a contract or an
account changes, is added or is deleted, the report equals the one computed from scratch (the cache
emptied) and shows the change; each viewer's scope is cached apart."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.auth.models import User
from lodestar.contracts.models import Contract
from lodestar.renewals.retention import service
from lodestar.renewals.retention.schemas import RetentionQuery, RetentionReport
from tests.renewals.retention.chains import TODAY, World, build

Q1 = RetentionQuery(period="quarter", by=["tier"], first=date(2025, 1, 1), last=date(2025, 3, 31))


def _checked(db: Session, viewer: User) -> RetentionReport:
    """The report as the cache gives it, asserted equal to one computed with nothing cached."""
    cached = service.retention(db, viewer, Q1, TODAY)
    service._ARRAYS.clear()
    assert service.retention(db, viewer, Q1, TODAY) == cached
    return cached


def _start(report: RetentionReport, tier: str | None = None) -> Decimal:
    if tier is None:
        return report.totals[0].figures.start_arr
    return next(
        r.figures.start_arr for r in report.groups if r.period == "2025-Q1" and r.group["tier"] == tier
    )


def test_the_cached_report_follows_every_change_and_equals_a_fresh_computation(db: Session) -> None:
    world: World = build(db)
    before = _checked(db, world.admin)
    assert _start(before) == Decimal("407000.00")  # the hand figures of test_formulas

    flat = world.accounts["flat"]
    db.execute(update(Contract).where(Contract.account_id == flat).values(arr=Decimal("110000")))
    db.commit()
    assert _start(_checked(db, world.admin)) == Decimal("417000.00")  # a contract's ARR changed

    db.execute(update(Account).where(Account.id == flat).values(tier="KA"))
    db.commit()
    assert _start(_checked(db, world.admin), "KA") == Decimal("180000.00")  # 70,000 + flat's 110,000

    db.add(
        Contract(account_id=flat, start_date=date(2024, 6, 1), end_date=date(2025, 6, 1), arr=Decimal(1000))
    )
    db.commit()
    assert _start(_checked(db, world.admin)) == Decimal("418000.00")  # a contract added

    db.execute(delete(Contract).where(Contract.account_id == world.accounts["multi_year"]))
    db.commit()
    assert _start(_checked(db, world.admin)) == Decimal("398000.00")  # a contract deleted

    mine = _checked(db, world.csm)  # the CSM's accounts only: "others" is not theirs
    assert _start(mine) == Decimal("391000.00")
    assert _start(_checked(db, world.admin)) == Decimal("398000.00")
