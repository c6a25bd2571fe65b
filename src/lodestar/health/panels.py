"""What health shows on the account page: the health card and the trend chart's series."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.analytics import snapshot_store
from lodestar.health import service
from lodestar.settings import Settings


def health_panel(session: Session, settings: Settings, account: Account) -> dict[str, Any]:
    """The health part of the account page: `health` (card or None) and `series` (trend)."""
    return {
        "health": service.health_card(session, snapshot_store.root_of(settings), account),
        "series": service.history_series(session, account.id),
    }
