"""JSON route: the sales list of 3-star accounts with no expansion in hand, over the caller's accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lodestar.auth.deps import ApiUser
from lodestar.intent import service
from lodestar.intent.schemas import SalesLeadPage
from lodestar.web.deps import Db

router = APIRouter(tags=["intent"])


@router.get("/intent/leads", response_model=SalesLeadPage, summary="3-star accounts for sales")
def leads(
    caller: ApiUser,
    db: Db,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SalesLeadPage:
    """The caller's live accounts with 3 purchase-intent stars and no open renewal whose proposal (after
    discount) is above its ARR, highest score first."""
    return service.sales_leads(db, caller, page, size)
