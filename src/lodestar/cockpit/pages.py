"""HTML route: the cockpit, home after sign-in (a CSM's own accounts, a manager's team, the company)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from lodestar.auth import service as auth_service
from lodestar.auth.deps import PageUser
from lodestar.cockpit.figures import build
from lodestar.kit.errors import NotFound
from lodestar.lifecycle import config_kind as lifecycle_kind
from lodestar.web.deps import Db, Today
from lodestar.web.forms import validate
from lodestar.web.templating import locale_of, render

router = APIRouter(include_in_schema=False)
WINDOWS = (30, 60, 90, 180)


class CockpitQuery(BaseModel):
    """Whose accounts (one owner in the viewer's scope, or all of them) and the renewal window in days."""

    model_config = ConfigDict(extra="forbid")

    owner_id: int | None = Field(None, description="One account owner the viewer may see.")
    window: int = Field(90, ge=1, le=366, description="Renewals ending within this many days.")


@router.get("/cockpit")
def cockpit(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Today's work, health movers, renewals, quiet at-risk accounts and the summary figures."""
    params = {k: v for k, v in request.query_params.items() if v.strip()}
    query = validate(CockpitQuery, params)
    scope = auth_service.scope_for(db, user)
    owner_ids = scope.owner_ids
    if query.owner_id is not None:
        if not scope.allows_owner(query.owner_id):
            raise NotFound(f"user {query.owner_id} not found")
        owner_ids = frozenset({query.owner_id})
    data = build(db, user, owner_ids, today, request.app.state.settings.zone, query.window, query.owner_id)
    context = {
        "cockpit": data,
        "query": query,
        "windows": sorted({*WINDOWS, query.window}),
        "stage_labels": dict(lifecycle_kind.stage_labels(db, locale_of(request) == "zh_CN")),
    }
    return render(request, "cockpit/page.html", context)
