"""HTML route: the sales list (/intent) of 3-star accounts with no expansion in hand."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from lodestar.auth.deps import PageUser
from lodestar.intent import config_kind, service
from lodestar.intent.text import TARGETS
from lodestar.web.deps import Db
from lodestar.web.forms import validate
from lodestar.web.templating import render

router = APIRouter(include_in_schema=False)


class LeadsQuery(BaseModel):
    """The page asked for, from the query string."""

    model_config = ConfigDict(extra="ignore")

    page: int = Field(1, ge=1)


@router.get("/intent")
def intent_page(request: Request, user: PageUser, db: Db) -> Response:
    """The viewer's 3-star accounts without an expansion in hand, highest score first."""
    query = validate(LeadsQuery, {k: v for k, v in request.query_params.items() if v.strip()})
    found = service.sales_leads(db, user, query.page, 50)
    settings, _ = config_kind.current(db)
    context = {"found": found, "settings": settings, "target_label": TARGETS[settings.target.kind]}
    return render(request, "intent/leads.html", context)
