"""JSON routes: feature requests (list with figures, record, link accounts, status, merge), the untold
report, an account's requests, and the tracker's signed status webhook."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from lodestar.auth.deps import ApiUser
from lodestar.feature_requests import service
from lodestar.feature_requests.schemas import (
    AccountRequest,
    LinkCreate,
    MergeRequest,
    RequestCreate,
    RequestPage,
    RequestRead,
    Sort,
    Status,
    StatusUpdate,
    UntoldRow,
    WebhookChange,
)
from lodestar.web.deps import Db, Today

router = APIRouter(tags=["feature requests"])


@router.get("/feature-requests", response_model=RequestPage, summary="Feature requests")
def list_requests(
    caller: ApiUser,
    db: Db,
    today: Today,
    sort: Annotated[
        Sort, Query(description="arr, accounts, at_stake (ARR at risk or renewing) or newest.")
    ] = "arr",
    status: Annotated[Status | None, Query(description="Only requests in this status.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the title.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> RequestPage:
    """Live requests (merged ones left out) with the accounts, ARR (company currency), tier mix and ARR at
    risk or renewing behind each, counted over the caller's accounts only."""
    return service.list_requests(db, caller, today, sort=sort, status=status, q=q, limit=limit, offset=offset)


@router.post("/feature-requests", response_model=RequestRead, status_code=status.HTTP_201_CREATED,
             summary="Record a feature request")  # fmt: skip
def create_request(data: RequestCreate, caller: ApiUser, db: Db, today: Today) -> RequestRead:
    """Records a request (status new); link the accounts that asked with the links route."""
    request = service.create_request(db, caller, data)
    return service.get_request(db, caller, request.id, today)


@router.get("/feature-requests/untold", response_model=list[UntoldRow], summary="Customers never told")
def untold(caller: ApiUser, db: Db) -> Any:
    """Status changes whose task to tell an account (of the caller's) is not done."""
    return service.untold(db, caller)


@router.post(
    "/feature-requests/webhook",
    summary="A tracker's status change (signed)",
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": WebhookChange.model_json_schema()}}}
    },
)
async def webhook(request: Request, db: Db, today: Today) -> Response:
    """Sets a request's status from the issue tracker. Headers: `X-Lodestar-Timestamp` (Unix seconds) and
    `X-Lodestar-Signature: sha256=<HMAC-SHA256 of "<timestamp>.<body>" with the shared secret>`; 401 when
    missing, older than 5 minutes or wrong; 404 when no secret is configured. The same status again
    changes nothing (a retried delivery makes no second task)."""
    body = await request.body()
    headers = {
        "timestamp": request.headers.get("x-lodestar-timestamp"),
        "signature": request.headers.get("x-lodestar-signature"),
    }
    secret = request.app.state.settings.feature_request_webhook_secret
    change = service.apply_webhook(db, body, headers, time.time(), today, secret)
    return Response(status_code=status.HTTP_201_CREATED if change else status.HTTP_200_OK)


@router.get("/feature-requests/{request_id}", response_model=RequestRead, summary="A feature request")
def get_request(request_id: int, caller: ApiUser, db: Db, today: Today) -> RequestRead:
    """The request, the caller's accounts that asked for it, and its status history."""
    return service.get_request(db, caller, request_id, today)


@router.post("/feature-requests/{request_id}/status", response_model=RequestRead, summary="Change the status")
def change_status(request_id: int, data: StatusUpdate, caller: ApiUser, db: Db, today: Today) -> RequestRead:
    """Managers and admins: a new status (with its public note) makes one task per linked account's CSM."""
    service.change_status(db, caller, request_id, data, today)
    return service.get_request(db, caller, request_id, today)


@router.post("/feature-requests/{request_id}/links", response_model=RequestRead,
             status_code=status.HTTP_201_CREATED, summary="Link an account that asked")  # fmt: skip
def link_account(request_id: int, data: LinkCreate, caller: ApiUser, db: Db, today: Today) -> RequestRead:
    """Links one of the caller's accounts (and its contact who asked) to the request."""
    service.link_account(db, caller, request_id, data, today)
    return service.get_request(db, caller, request_id, today)


@router.delete("/feature-requests/{request_id}/links/{account_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Unlink an account")  # fmt: skip
def unlink_account(request_id: int, account_id: int, caller: ApiUser, db: Db) -> Response:
    """Removes one of the caller's accounts from the request."""
    service.unlink_account(db, caller, request_id, account_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/feature-requests/{request_id}/merge", response_model=RequestRead, summary="Merge a duplicate")
def merge(request_id: int, data: MergeRequest, caller: ApiUser, db: Db, today: Today) -> RequestRead:
    """Managers and admins: the request's accounts move to `into_id`, and it points there; the survivor."""
    survivor = service.merge(db, caller, request_id, data)
    return service.get_request(db, caller, survivor.id, today)


@router.get("/accounts/{account_id}/feature-requests", response_model=list[AccountRequest],
            summary="An account's feature requests")  # fmt: skip
def account_requests(account_id: int, caller: ApiUser, db: Db) -> Any:
    """The live requests the account asked for."""
    return service.account_requests(db, caller, account_id)
