"""JSON routes: an account's success plan, and milestones (list, add, change, history)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from lodestar.auth.deps import ApiUser
from lodestar.success_plans import service
from lodestar.success_plans.schemas import (
    MilestoneCreate,
    MilestoneRead,
    MilestoneUpdate,
    Status,
    SuccessPlanRead,
    SuccessPlanUpdate,
)
from lodestar.web.deps import Db, Today

router = APIRouter(tags=["success plans"])


@router.get(
    "/accounts/{account_id}/success-plan", response_model=SuccessPlanRead, summary="An account's success plan"
)
def get_plan(account_id: int, caller: ApiUser, db: Db, today: Today) -> SuccessPlanRead:
    """The portrait's expectations, the objectives, every milestone and the attainment today."""
    return service.get_plan(db, caller, account_id, today)


@router.put(
    "/accounts/{account_id}/success-plan", response_model=SuccessPlanRead, summary="Write a success plan"
)
def put_plan(
    account_id: int, data: SuccessPlanUpdate, caller: ApiUser, db: Db, today: Today
) -> SuccessPlanRead:
    """Writes the objectives and the milestones given (with `id`: changed; without: added); milestones left
    out are kept. Any bad milestone refuses the whole plan, each problem named."""
    return service.put_plan(db, caller, account_id, data, today)


@router.post(
    "/accounts/{account_id}/milestones",
    response_model=MilestoneRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add a milestone",
)
def add_milestone(account_id: int, data: MilestoneCreate, caller: ApiUser, db: Db, today: Today) -> Any:
    """Adds a milestone to the account's plan (due on or after its contract start; a known metric)."""
    return service.create_milestone(db, caller, account_id, data, today)


@router.get("/milestones", response_model=list[MilestoneRead], summary="Milestones")
def list_milestones(
    caller: ApiUser,
    db: Db,
    account_id: Annotated[int | None, Query(description="Only this account's.")] = None,
    status: Annotated[Status | None, Query(description="Only milestones in this status.")] = None,
) -> Any:
    """The milestones of the caller's accounts by target date."""
    return service.list_milestones(db, caller, account_id, status)


@router.get("/milestones/{milestone_id}", response_model=MilestoneRead, summary="A milestone")
def get_milestone(milestone_id: int, caller: ApiUser, db: Db) -> Any:
    """One milestone of the caller's accounts."""
    return service.get_milestone(db, caller, milestone_id)


@router.put("/milestones/{milestone_id}", response_model=MilestoneRead, summary="Change a milestone")
def update_milestone(milestone_id: int, data: MilestoneUpdate, caller: ApiUser, db: Db, today: Today) -> Any:
    """Replaces the milestone's fields (the change is kept in its history)."""
    return service.update_milestone(db, caller, milestone_id, data, today)
