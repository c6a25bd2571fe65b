"""JSON routes: the win-backs (list with filters, one by id) and the sales lead pool, each over the accounts
the caller may see (a CSM their own, a manager their team's, admins and viewers all)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lodestar.auth.deps import ApiUser
from lodestar.renewals.winback import service
from lodestar.renewals.winback.schemas import (
    LeadPage,
    LeadRead,
    WinBackPage,
    WinBackQuery,
    WinBackRead,
    WinBackState,
)
from lodestar.web.deps import Db

router = APIRouter(tags=["win-back"])


@router.get("/winbacks", response_model=WinBackPage, summary="List win-backs")
def list_win_backs(
    caller: ApiUser,
    db: Db,
    state: WinBackState | None = None,
    reason: Annotated[str | None, Query(max_length=40)] = None,
    owner_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> WinBackPage:
    """Lists the win-backs of the accounts the caller may see, latest churn first: by state (open,
    reactivated, lost: the account went to the lead pool), churn reason (a key of the taxonomy; 422 naming
    `reason` for an unknown one) or the account's owner."""
    query = WinBackQuery(state=state, reason=reason, owner_id=owner_id)
    items, total = service.list_win_backs(db, caller, query, limit, offset)
    return WinBackPage(items=[WinBackRead.model_validate(w) for w in items], total=total)


@router.get("/winbacks/{winback_id}", response_model=WinBackRead, summary="Get a win-back")
def get_win_back(winback_id: int, caller: ApiUser, db: Db) -> WinBackRead:
    """One win-back the caller may see (404 otherwise)."""
    return WinBackRead.model_validate(service.get_win_back(db, caller, winback_id))


@router.get("/lead-pool", response_model=LeadPage, summary="The sales lead pool")
def lead_pool(
    caller: ApiUser,
    db: Db,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> LeadPage:
    """The accounts whose win-back window ended without a win, newest leads first, that the caller may see:
    churn reason, last ARR and health, owner and key contacts (what the /lead-pool page shows)."""
    leads, total = service.lead_pool(db, caller, limit, offset)
    return LeadPage(items=[LeadRead.model_validate(lead) for lead in leads], total=total)
