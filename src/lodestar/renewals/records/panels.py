"""What renewal records show on the account page: the open renewal and the past ones."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from lodestar.auth.models import User
from lodestar.renewals import config_kind
from lodestar.renewals.records import service
from lodestar.renewals.records.labels import FORECAST_LABELS, OUTCOME_LABELS
from lodestar.web.templating import locale_of

PANEL_PAST = 5  # past renewals the panel lists under the open one


def account_section(request: Request, db: Session, user: User, account_id: int) -> dict[str, Any]:
    """The account page's renewals panel: the open renewal(s) and the latest closed ones."""
    renewals = service.account_renewals(db, user, account_id)
    return {
        "open": [r for r in renewals if r.outcome is None],
        "past": [r for r in renewals if r.outcome is not None][:PANEL_PAST],
        "forecast_labels": FORECAST_LABELS,
        "outcome_labels": OUTCOME_LABELS,
        "reason_labels": dict(config_kind.reason_labels(db, locale_of(request) == "zh_CN")),
    }
