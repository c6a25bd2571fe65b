"""The win-back reads "ended without renewal" as renewal records and retention do (renewals/succession.py):
a renewal by chain id, or one the dates imply (same account, starting within `successor.days_before` /
`days_after` of the end, default 30), is no churn; a contract that may still be succeeded by date waits
`days_after` days after its end before its win-back opens, its window still counted from its last day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.config import service as config_service
from lodestar.contracts.models import Contract
from lodestar.renewals import config_kind
from lodestar.renewals.winback import service
from lodestar.settings import Settings
from lodestar.sop.tasks.models import PlaybookRun
from tests.factories import make_account, make_contract
from tests.renewals.winback.conftest import LAST_DAY, WINDOW, Churned, day, win_backs


@pytest.fixture
def ended(db: Session, churned: Churned) -> Contract:
    """An active contract (no churn date, not expired: a successor may still come) that ended on LAST_DAY,
    of an account of the fixture's CSM; the fixture's own expired contract churned the same day."""
    account = make_account(db, churned.csm, churned.admin, name="Delta Foods")
    contract = make_contract(
        db, account, churned.admin, start_date=date(2025, 1, 1), end_date=LAST_DAY, arr=Decimal("80000"),
        today=LAST_DAY,
    )  # fmt: skip
    db.commit()
    return contract


def _successor(
    db: Session, churned: Churned, ended: Contract, start: date, stored: date, **kw: object
) -> int:
    """A one-year contract of the ended contract's account beginning on `start`, stored on `stored`."""
    account = db.get(Account, ended.account_id)
    assert account is not None
    end = date(start.year + 1, start.month, start.day)
    made = make_contract(db, account, churned.admin, start_date=start, end_date=end, today=stored, **kw)
    db.commit()
    return made.id


def _opened(db: Session) -> dict[int, tuple[date, date, str]]:
    return {w.contract_id: (w.churned_on, w.window_ends_on, w.outcome) for w in win_backs(db)}


def test_a_late_renewal_without_chain_id_stored_ahead_opens_no_win_back(
    db: Session, churned: Churned, ended: Contract, settings: Settings
) -> None:
    _successor(db, churned, ended, day(20), stored=day(1))  # 20 days late, within the default 30
    for d in (1, 19, 21, 31, WINDOW + 5):
        service.after_snapshot(db, day(d), settings)
    assert set(_opened(db)) == {churned.contract.id}  # only the expired contract churned


def test_within_days_after_the_win_back_waits_and_a_renewal_stored_late_opens_none(
    db: Session, churned: Churned, ended: Contract, settings: Settings
) -> None:
    # The expired contract's source says it ended unrenewed: it opens at once, as before.
    assert service.after_snapshot(db, day(1), settings).opened == 1
    assert service.after_snapshot(db, day(30), settings).opened == 0  # the successor may still start
    _successor(db, churned, ended, day(25), stored=day(30))  # imported after it began, 25 days late
    for d in (31, 60, WINDOW + 1):
        assert service.after_snapshot(db, day(d), settings).opened == 0
    assert set(_opened(db)) == {churned.contract.id}


def test_with_no_successor_by_days_after_the_win_back_opens_once_counted_from_the_last_day(
    db: Session, churned: Churned, ended: Contract, settings: Settings
) -> None:
    for d in (1, 15, 30):
        service.after_snapshot(db, day(d), settings)
    assert ended.id not in _opened(db)
    opened = service.after_snapshot(db, day(31), settings)
    again = [service.after_snapshot(db, day(d), settings).opened for d in (31, 32, 40)]
    assert (opened.opened, again) == (1, [0, 0, 0])
    assert _opened(db)[ended.id] == (day(0), day(WINDOW), "open")
    [w] = [w for w in win_backs(db) if w.contract_id == ended.id]
    runs = db.scalars(select(PlaybookRun.triggered_on).where(PlaybookRun.trigger_ref == f"winback:{w.id}"))
    assert list(runs) == [day(31)]  # its reason's flow starts the day it opens


def test_a_contract_beyond_days_after_is_no_renewal_the_win_back_opens_then_reactivates(
    db: Session, churned: Churned, ended: Contract, settings: Settings
) -> None:
    back = _successor(db, churned, ended, day(45), stored=day(1))  # 45 days late: a new sale
    for d in (1, 30):
        service.after_snapshot(db, day(d), settings)
    assert ended.id not in _opened(db)
    assert service.after_snapshot(db, day(31), settings).opened == 1
    done = service.after_snapshot(db, day(46), settings)
    [w] = [w for w in win_backs(db) if w.contract_id == ended.id]
    assert (done.reactivated, w.outcome, w.closed_on, w.reactivated_contract_id) == (
        1, "reactivated", day(45), back,
    )  # fmt: skip
    assert len(win_backs(db)) == 2  # the expired contract's and this one, once each


def test_an_early_renewal_opens_no_win_back(
    db: Session, churned: Churned, ended: Contract, settings: Settings
) -> None:
    _successor(db, churned, ended, day(-60), stored=day(-60))  # 60 days early, beyond days_before
    for d in (1, 31, WINDOW + 1):
        service.after_snapshot(db, day(d), settings)
    assert set(_opened(db)) == {churned.contract.id}


def test_a_renewal_by_chain_id_opens_no_win_back_however_late_it_starts(
    db: Session, churned: Churned, ended: Contract, settings: Settings
) -> None:
    # 60 days late, beyond the dates' bound: the stored chain says it renews all the same.
    _successor(db, churned, ended, day(60), stored=day(1), renews_contract_id=ended.id)
    for d in (1, 31, 59, 61, WINDOW + 1):
        service.after_snapshot(db, day(d), settings)
    assert set(_opened(db)) == {churned.contract.id}


def test_days_after_is_the_renewals_configurations(
    db: Session, churned: Churned, ended: Contract, settings: Settings
) -> None:
    current, _ = config_kind.current(db)
    narrow = current.model_dump(mode="json") | {"successor": {"days_before": 0, "days_after": 5}}
    config_service.save(db, "renewals", narrow, "test")
    db.commit()
    _successor(db, churned, ended, day(9), stored=day(1))  # 9 days late: beyond the bound of 5 now
    assert service.after_snapshot(db, day(5), settings).opened == 1  # the expired contract's, at once
    assert ended.id not in _opened(db)
    assert service.after_snapshot(db, day(6), settings).opened == 1
    assert _opened(db)[ended.id] == (day(0), day(WINDOW), "open")
