"""JSON routes: the portfolio's maturity levels and one account's level, over the caller's accounts."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from lodestar.accounts import service as accounts_service
from lodestar.analytics import snapshot_store
from lodestar.auth.deps import ApiUser
from lodestar.levels import service
from lodestar.levels.schemas import AccountLevel, LevelPortfolio
from lodestar.web.deps import Db
from lodestar.web.i18n import gettext_for
from lodestar.web.templating import locale_of

router = APIRouter(tags=["levels"])
Day = Annotated[date | None, Query(description="A stored snapshot date (YYYY-MM-DD).")]


@router.get("/levels", response_model=LevelPortfolio, summary="Maturity levels of the portfolio")
def portfolio(
    request: Request, caller: ApiUser, db: Db, as_of: Day = None, since: Day = None
) -> LevelPortfolio:
    """The caller's accounts by maturity level (0-4) on a snapshot date (default: the newest), per tier
    and per CSM, and the moves between levels since an earlier date (default: about 90 days before)."""
    root = snapshot_store.root_of(request.app.state.settings)
    chinese = locale_of(request) == "zh_CN"
    result = service.portfolio(db, caller, root, as_of, since, chinese)
    tr = gettext_for(locale_of(request))
    for group in [*result.by_tier, *result.by_csm]:
        group.label = tr(group.label)
    return result


@router.get(
    "/accounts/{account_id}/level",
    response_model=AccountLevel | None,
    summary="An account's maturity level",
)
def account_level(request: Request, account_id: int, caller: ApiUser, db: Db) -> AccountLevel | None:
    """The account's level on its newest snapshot, each dimension's score, and what the next level takes:
    the dimensions that fall short, by how much, and each metric's value now and the value that would
    close the gap; null before any snapshot holds the account (404: no such account for the caller)."""
    account = accounts_service.get_account(db, caller, account_id)
    chinese = locale_of(request) == "zh_CN"
    level = service.account_level(db, snapshot_store.root_of(request.app.state.settings), account, chinese)
    if level is None:
        return None
    tr = gettext_for(locale_of(request))
    for gap in level.gaps:
        for lever in gap.metrics:
            lever.label = tr(lever.label)
    return level
