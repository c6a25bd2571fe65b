"""HTML route: the portfolio's maturity levels (/levels): distribution per tier and CSM, moves between two
snapshot dates, over the viewer's accounts."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from lodestar.analytics import snapshot_store
from lodestar.auth.deps import PageUser
from lodestar.levels import service
from lodestar.web.deps import Db
from lodestar.web.forms import validate
from lodestar.web.templating import locale_of, render

router = APIRouter(include_in_schema=False)


class LevelsQuery(BaseModel):
    """The page's two dates, from the query string (empty: the defaults)."""

    model_config = ConfigDict(extra="ignore")

    as_of: date | None = None
    since: date | None = None


@router.get("/levels")
def levels_page(request: Request, user: PageUser, db: Db) -> Response:
    """Accounts by level on a date per tier and per CSM, and how many moved from each level to each other
    level since an earlier date."""
    query = validate(LevelsQuery, {k: v for k, v in request.query_params.items() if v.strip()})
    chinese = locale_of(request) == "zh_CN"
    root = snapshot_store.root_of(request.app.state.settings)
    result = service.portfolio(db, user, root, query.as_of, query.since, chinese)
    config, _ = service.current(db)
    context = {"result": result, "dimensions": [d.shown(chinese) for d in config.dimensions]}
    return render(request, "levels/portfolio.html", context)
