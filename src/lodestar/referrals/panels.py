"""What referrals show on the account page: how many leads it referred, how many were won, their value (per
currency and in the company currency)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.kit.money import company_rates
from lodestar.referrals import labels, service


def account_section(db: Session, user: User, account_id: int, today: date) -> dict[str, Any]:
    """The account page's referral panel (the caller has checked the account is visible); the won value in
    the company currency at today's rates."""
    referrals = service.list_for_account(db, user, account_id)
    return {
        "account_id": account_id,
        "referrals": referrals,
        "totals": service.totals(referrals, company_rates(db), today),
        "statuses": labels.STATUSES,
        "can_edit": auth_service.can_edit(user),
    }
