"""What value reports show on the account page: the stored reports, and the reports to build (the annual one
offered first while the renewal window is open)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.value_reports import periods, service


def account_section(db: Session, account: Account, today: date) -> dict[str, Any]:
    """The account page's value-report panel (the caller has checked the account is visible)."""
    return {
        "reports": service.account_reports(db, [account.id]),
        "quarter": periods.last_quarter(today),
        "year": periods.annual_offer(today),
        "renewal_open": bool(account.in_renewal_window),
    }
