"""An account's commercials follow today: a contract that began or ended since the last refresh moves its
account's ARR, renewal date and status, with no write of the contract."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.auth.models import Role
from lodestar.contracts.commercials import refresh_crossed
from lodestar.contracts.models import Contract
from tests.factories import make_account, make_contract, make_user

WRITTEN = date(2026, 11, 20)  # the day the contracts were written (their commercials as of that day)
LATER = date(2026, 12, 2)


def _book(db: Session) -> dict[str, Account]:
    """Ending ends on 1 Dec, Starting begins on 25 Nov, Running runs on, Gone ended long ago."""
    admin = make_user(db, Role.ADMIN)
    terms = {
        "Ending": (date(2025, 12, 1), date(2026, 12, 1), "90000"),
        "Starting": (date(2026, 11, 25), date(2027, 11, 25), "48000.50"),
        "Running": (date(2026, 1, 1), date(2027, 1, 1), "120000"),
        "Gone": (date(2024, 1, 1), date(2025, 1, 1), "30000"),
    }
    book = {}
    for name, (start, end, arr) in terms.items():
        book[name] = make_account(db, admin, name=name)
        make_contract(db, book[name], admin, start_date=start, end_date=end, arr=Decimal(arr), today=WRITTEN)
    db.flush()
    return book


def _figures(db: Session, account: Account) -> tuple[Any, ...]:
    db.refresh(account)
    return (account.status, account.arr, account.renewal_date)


def test_contracts_that_began_or_ended_since_move_their_accounts_and_no_other(db: Session) -> None:
    book = _book(db)
    assert _figures(db, book["Ending"]) == ("active", Decimal("90000.00"), date(2026, 12, 1))
    assert _figures(db, book["Starting"]) == ("onboarding", Decimal("0.00"), date(2027, 11, 25))
    before = {name: _figures(db, a) for name, a in book.items()}

    assert refresh_crossed(db, datetime(2026, 11, 20, 9, 30, tzinfo=UTC), LATER) == 2
    assert _figures(db, book["Ending"]) == ("churned", Decimal("0.00"), None)
    assert _figures(db, book["Starting"]) == ("active", Decimal("48000.50"), date(2027, 11, 25))
    for name in ("Running", "Gone"):
        assert _figures(db, book[name]) == before[name]

    same_day = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    assert refresh_crossed(db, same_day, LATER) == 0  # refreshed on that day already: nothing moves


def test_before_any_run_the_window_opens_at_the_first_contract_write(db: Session) -> None:
    book = _book(db)
    db.execute(update(Contract).values(updated_at=datetime(2026, 11, 20, 8, 0, tzinfo=UTC)))
    running = Contract.account_id == book["Running"].id
    db.execute(update(Contract).where(running).values(updated_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC)))
    assert refresh_crossed(db, None, LATER) == 2  # from 20 Nov, the oldest write, not 1 Dec, the newest
    assert _figures(db, book["Ending"])[0] == "churned"
    assert _figures(db, book["Starting"])[0] == "active"


def test_without_contracts_nothing_is_read_or_written(db: Session) -> None:
    assert refresh_crossed(db, None, LATER) == 0
