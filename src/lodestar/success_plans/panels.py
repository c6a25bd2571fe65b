"""What success plans show on the account page: objectives, milestones, attainment today."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.kit.labels import label_of
from lodestar.success_plans import labels, service


def account_section(db: Session, user: User, account_id: int, today: date) -> dict[str, Any]:
    """The account page's success-plan panel: the plan (the caller has checked the account is visible),
    whether the viewer may edit it, and the labels of kinds, statuses and sides."""
    return {
        "plan": service.get_plan(db, user, account_id, today),
        "can_edit": auth_service.can_edit(user),
        "kinds": labels.KINDS,
        "statuses": labels.STATUSES,
        "sides": labels.SIDES,
        "metric_label": lambda key: label_of("metric", key, None),
        "today": today,
    }
