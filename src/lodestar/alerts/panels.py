"""What alerts show on the account page: its live and past alerts with their evidence, and the activity
feed's "alert raised" / "alert resolved" entries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from lodestar.alerts import service
from lodestar.alerts.evidence_text import evidence_texts
from lodestar.alerts.flash import FLASH
from lodestar.alerts.inbox_schemas import AlertRead
from lodestar.alerts.reasons import reason_shown
from lodestar.auth.models import Role, User
from lodestar.sop.tasks.activity_feed import FeedEntry
from lodestar.web.templating import locale_of

PANEL_ALERTS = 100  # an account's alerts the page and its feed read (live ones always first)


def account_section(request: Request, db: Session, user: User, account_id: int) -> dict[str, Any]:
    """The account page's alerts panel: live alerts with their actions, then the past ones."""
    alerts = service.account_alerts(db, user, account_id, PANEL_ALERTS)
    today = service.company_today()
    return {
        "live": [a for a in alerts if a.state != "resolved"],
        "past": [a for a in alerts if a.state == "resolved"],
        "zh": locale_of(request) == "zh_CN",
        "can_act": user.role != Role.VIEWER,
        "tomorrow": today + timedelta(days=1),
        "evidence": evidence_texts,
        "reason": reason_shown,
        "flash": request.session.pop(FLASH, None),
    }


def feed_entries(db: Session, alerts: list[AlertRead]) -> list[FeedEntry]:
    """One entry per alert raised and one per alert resolved (by hand, with who and why, or by itself)."""
    names = service.user_names(db, {a.resolved_by for a in alerts})
    entries = []
    for alert in alerts:
        entries.append(FeedEntry("alert_raised", alert.raised_on, alert.raised_at, {"alert": alert}))
        if alert.resolved_on is not None:
            by = names.get(alert.resolved_by) if alert.resolved_by is not None else None
            entry = FeedEntry(
                "alert_resolved", alert.resolved_on, alert.resolved_at, {"alert": alert, "by": by}
            )
            entries.append(entry)
    return entries
