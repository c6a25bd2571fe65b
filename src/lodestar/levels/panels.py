"""What maturity levels show on the account page: the level, each dimension's score, and what it takes to
reach the next level."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.analytics import snapshot_store
from lodestar.kit.labels import metric_value
from lodestar.levels import service
from lodestar.levels.schemas import TOP_LEVEL
from lodestar.web.templating import locale_of


def account_section(request: Request, db: Session, account: Account) -> dict[str, Any]:
    """The account page's levels panel: `level` (None before a snapshot holds the account), the top level,
    and how to show a metric's value with its unit."""
    chinese = locale_of(request) == "zh_CN"
    root = snapshot_store.root_of(request.app.state.settings)
    return {
        "level": service.account_level(db, root, account, chinese),
        "top": TOP_LEVEL,
        "shown": metric_value,
    }
