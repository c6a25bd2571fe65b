"""HTML routes: the feature-request list (sorted by what stands behind each, CSV export), one request
(accounts, status history, link, status, merge), recording one, and the untold report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from lodestar.accounts import service as accounts_service
from lodestar.auth import service as auth_service
from lodestar.auth.deps import PageUser
from lodestar.feature_requests import labels, service
from lodestar.feature_requests.export import requests_csv
from lodestar.feature_requests.schemas import (
    LinkCreate,
    MergeRequest,
    RequestCreate,
    Sort,
    Status,
    StatusUpdate,
)
from lodestar.kit.errors import InvalidInput
from lodestar.web.deps import Db, Today
from lodestar.web.forms import blank_to_none, field_errors, read_form, validate
from lodestar.web.i18n import gettext_for
from lodestar.web.templating import locale_of, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
ALL = 100_000


def _common() -> dict[str, Any]:
    return {"statuses": labels.STATUSES, "sorts": labels.SORTS, "sources": labels.SOURCES}


@router.get("/feature-requests")
def list_page(
    request: Request, user: PageUser, db: Db, today: Today,
    sort: Annotated[Sort, Query()] = "arr", status: Annotated[Status | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200)] = None, page: Annotated[int, Query(ge=1)] = 1,
    account: Annotated[int | None, Query()] = None,
) -> Response:  # fmt: skip
    """The requests with their accounts and ARR among the viewer's accounts; `account` offers to link
    each request to that account (the account page's "Link a request")."""
    linking = accounts_service.get_account(db, user, account) if account is not None else None
    found = service.list_requests(db, user, today, sort=sort, status=status, q=q or None,
                                  limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)  # fmt: skip
    context = {**_common(), "found": found, "sort": sort, "status": status, "q": q or "", "page": page,
               "pages": max(1, -(-found.total // PAGE_SIZE)), "linking": linking}  # fmt: skip
    return render(request, "feature_requests/list.html", context)


@router.get("/feature-requests/export.csv")
def export(
    request: Request, user: PageUser, db: Db, today: Today,
    sort: Annotated[Sort, Query()] = "arr", status: Annotated[Status | None, Query()] = None,
) -> Response:  # fmt: skip
    """Every live request with its figures among the viewer's accounts, as CSV."""
    found = service.list_requests(db, user, today, sort=sort, status=status, limit=ALL)
    _ = gettext_for(locale_of(request))
    body = requests_csv(found, lambda s: _(labels.STATUSES[s]))
    headers = {"Content-Disposition": 'attachment; filename="feature-requests.csv"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/feature-requests/untold")
def untold_page(request: Request, user: PageUser, db: Db) -> Response:
    """Status changes the viewer's accounts were never told of (their task is not done)."""
    return render(request, "feature_requests/untold.html", {**_common(), "rows": service.untold(db, user)})


@router.get("/feature-requests/new")
def new_page(request: Request, user: PageUser, account: Annotated[int | None, Query()] = None) -> Response:
    """The form to record a request (linked at once to `account` when given)."""
    return render(
        request, "feature_requests/new.html", {"values": {"account_id": account or ""}, "errors": {}}
    )


@router.post("/feature-requests/new")
async def create(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Records the request (and links the account given), or shows the form naming each bad field."""
    form = blank_to_none(await read_form(request), ("title", "description", "external_id", "account_id"))
    try:
        data = validate(RequestCreate, {k: form.get(k) for k in ("title", "description", "external_id")})
        created = service.create_request(db, user, data)
        if form.get("account_id"):
            service.link_account(
                db, user, created.id, validate(LinkCreate, {"account_id": form["account_id"]}), today
            )
    except InvalidInput as exc:
        db.rollback()
        errors = field_errors(exc, ("title", "description", "external_id", "account_id"))
        return render(
            request, "feature_requests/new.html", {"values": form, "errors": errors}, status_code=422
        )
    return RedirectResponse(f"/feature-requests/{created.id}", status_code=303)


def _detail(request: Request, db: Db, user: Any, request_id: int, today: Any, errors: dict[str, str],
            status: int = 200) -> Response:  # fmt: skip
    found = service.get_request(db, user, request_id, today)
    context = {**_common(), "fr": found, "errors": errors, "can_edit": auth_service.can_edit(user),
               "can_decide": user.role in ("admin", "manager")}  # fmt: skip
    return render(request, "feature_requests/detail.html", context, status_code=status)


@router.get("/feature-requests/{request_id}")
def detail(request_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """One request: what stands behind it among the viewer's accounts, its accounts, its history."""
    return _detail(request, db, user, request_id, today, {})


async def _act(
    request: Request, db: Db, user: Any, request_id: int, today: Any, act: Any, back: str
) -> Response:
    """Runs a form's change; on bad input shows the request again naming the field (nothing written)."""
    form = blank_to_none(
        await read_form(request), ("account_id", "contact_id", "status", "public_note", "into_id", "next")
    )
    try:
        act(form)
    except InvalidInput as exc:
        db.rollback()
        errors = field_errors(exc, ("account_id", "contact_id", "status", "public_note", "into_id", "id"))
        return _detail(request, db, user, request_id, today, errors, 422)
    given = str(form.get("next") or "")
    target = given if given.startswith("/accounts/") else back
    return RedirectResponse(target, status_code=303)


@router.post("/feature-requests/{request_id}/links")
async def link(request_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Links an account of the viewer's (and its contact) to the request."""

    def act(form: dict[str, Any]) -> None:
        data = validate(LinkCreate, {k: form.get(k) for k in ("account_id", "contact_id")})
        service.link_account(db, user, request_id, data, today)

    return await _act(request, db, user, request_id, today, act, f"/feature-requests/{request_id}")


@router.post("/feature-requests/{request_id}/links/{account_id}/remove")
async def unlink(
    request_id: int, account_id: int, request: Request, user: PageUser, db: Db, today: Today
) -> Response:
    """Removes an account of the viewer's from the request."""
    return await _act(request, db, user, request_id, today,
                      lambda _: service.unlink_account(db, user, request_id, account_id),
                      f"/feature-requests/{request_id}")  # fmt: skip


@router.post("/feature-requests/{request_id}/status")
async def set_status(request_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Managers and admins: a new status and its public note (one task per linked account's CSM)."""
    service.require_product_role(user)

    def act(form: dict[str, Any]) -> None:
        data = validate(StatusUpdate, {"status": form.get("status"), "public_note": form.get("public_note")})
        service.change_status(db, user, request_id, data, today)

    return await _act(request, db, user, request_id, today, act, f"/feature-requests/{request_id}")


@router.post("/feature-requests/{request_id}/merge")
async def merge(request_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Managers and admins: merges this request into another (its accounts move there)."""
    service.require_product_role(user)
    into: list[int] = []

    def act(form: dict[str, Any]) -> None:
        into.append(
            service.merge(db, user, request_id, validate(MergeRequest, {"into_id": form.get("into_id")})).id
        )

    answer = await _act(request, db, user, request_id, today, act, f"/feature-requests/{request_id}")
    return RedirectResponse(f"/feature-requests/{into[0]}", status_code=303) if into else answer
