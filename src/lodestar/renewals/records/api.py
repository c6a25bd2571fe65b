"""JSON routes for renewal records: the list with its filters, one renewal, edit the forecast and proposal,
close with an outcome and reasons."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from lodestar.auth.deps import ApiUser
from lodestar.renewals.records import service
from lodestar.renewals.records.schemas import (
    ForecastChangeRead,
    ForecastFilter,
    RenewalClose,
    RenewalDetail,
    RenewalPage,
    RenewalQuery,
    RenewalRead,
    RenewalUpdate,
    StatusFilter,
)
from lodestar.web.deps import Db, Today

router = APIRouter(tags=["renewals"])


@router.get("/renewals", response_model=RenewalPage, summary="List renewals")
def list_renewals(
    caller: ApiUser,
    db: Db,
    status: StatusFilter = "open",
    forecast: ForecastFilter | None = None,
    tier: Annotated[str | None, Query(max_length=32)] = None,
    industry: Annotated[str | None, Query(max_length=80)] = None,
    owner_id: int | None = None,
    grade: Literal["green", "yellow", "red", "none"] | None = None,
    account_id: int | None = None,
    end_from: date | None = None,
    end_to: date | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> RenewalPage:
    """Lists the renewals of the accounts the caller may see: open unless asked otherwise; by forecast
    category (`none`: not called yet), the account's tier, industry, owner or health grade, one account,
    or a range of contract ends; soonest contract end first."""
    query = RenewalQuery(
        status=status, forecast=forecast, tier=tier, industry=industry, owner_id=owner_id, grade=grade,
        account_id=account_id, end_from=end_from, end_to=end_to,
    )  # fmt: skip
    items, total = service.list_renewals(db, caller, query, limit, offset)
    return RenewalPage(items=[RenewalRead.model_validate(r) for r in items], total=total)


@router.get("/renewals/{renewal_id}", response_model=RenewalDetail, summary="Get a renewal")
def get_renewal(renewal_id: int, caller: ApiUser, db: Db) -> RenewalDetail:
    """One renewal the caller may see, with the history of its forecast."""
    renewal = service.get_renewal(db, caller, renewal_id)
    detail = RenewalDetail.model_validate(renewal)
    history = service.forecast_history(db, caller, renewal_id)
    detail.forecast_history = [ForecastChangeRead.model_validate(h) for h in history]
    return detail


@router.patch("/renewals/{renewal_id}", response_model=RenewalRead, summary="Edit a renewal")
def update_renewal(renewal_id: int, data: RenewalUpdate, caller: ApiUser, db: Db) -> RenewalRead:
    """Changes the forecast category (history kept), next step, proposal or documents (422 naming the field:
    a discount outside 0-100, a forecast change on a closed renewal)."""
    return RenewalRead.model_validate(service.update_renewal(db, caller, renewal_id, data))


@router.post("/renewals/{renewal_id}/close", response_model=RenewalRead, summary="Close a renewal")
def close_renewal(renewal_id: int, data: RenewalClose, caller: ApiUser, today: Today, db: Db) -> RenewalRead:
    """Closes a renewal with its outcome, reasons and note (422 naming `reasons` when churned or contracted
    without one or with an unknown key, `outcome` when the contracts contradict it; nothing written)."""
    return RenewalRead.model_validate(service.close_renewal(db, caller, renewal_id, data, today))
