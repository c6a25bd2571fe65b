"""JSON routes for touches: a person logs a call, visit, e-mail, meeting, training or QBR."""

from __future__ import annotations

from fastapi import APIRouter, status

from lodestar.auth.deps import ApiUser
from lodestar.engagement import service
from lodestar.engagement.schemas import TouchIn, TouchRead
from lodestar.web.deps import Db

router = APIRouter(tags=["touches"])


@router.post(
    "/accounts/{account_id}/touches",
    response_model=TouchRead,
    status_code=status.HTTP_201_CREATED,
    summary="Log a touch",
)
def log_touch(account_id: int, data: TouchIn, caller: ApiUser, db: Db) -> TouchRead:
    """Logs a call, visit, e-mail, meeting, training or QBR; matching open tasks are completed."""
    return service.log_touch(db, caller, account_id, data)
