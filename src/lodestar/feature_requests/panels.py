"""What feature requests show on the account page: the requests it asked for, and their status changes as
entries of its activity feed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.feature_requests import labels, service
from lodestar.sop.tasks.activity_feed import FeedEntry


def account_section(db: Session, user: User, account_id: int) -> dict[str, Any]:
    """The account page's feature-request panel (the caller has checked the account is visible)."""
    return {
        "account_id": account_id,
        "requests": service.account_requests(db, user, account_id),
        "statuses": labels.STATUSES,
        "can_edit": auth_service.can_edit(user),
    }


def feed_entries(db: Session, account_id: int) -> list[FeedEntry]:
    """One entry per status change of a request the account asked for."""
    return [
        FeedEntry(
            "feature_request",
            change.changed_on,
            change.changed_at,
            {
                "request_id": change.request_id,
                "title": title,
                "status_label": labels.STATUSES[change.to_status],
                "public_note": change.public_note,
            },
        )
        for change, title in service.account_changes(db, account_id)
    ]
