"""JSON routes: an account's report figures of a period, its narrative, publishing, and share links."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from lodestar.auth.deps import ApiUser
from lodestar.value_reports import periods, service
from lodestar.value_reports.schemas import LinkCreate, LinkRead, NarrativeUpdate, ReportFigures, ReportRead
from lodestar.web.deps import Db, Today

router = APIRouter(tags=["value reports"])
PeriodQuery = Annotated[
    str | None, Query(description="A quarter (2026Q3) or a year (2026); default: the last quarter ended.")
]


def _place(request: Request) -> service.Place:
    return service.place_of(request.app.state.settings)


@router.get("/accounts/{account_id}/value-report", response_model=ReportFigures, summary="A report's figures")
def figures(
    account_id: int,
    request: Request,
    caller: ApiUser,
    db: Db,
    today: Today,
    period: PeriodQuery = None,
    locale: Annotated[str | None, Query(description="en or zh_CN")] = None,
) -> ReportFigures:
    """Every figure of the account's report of the period, as of today (a future period is refused)."""
    key = period or periods.last_quarter(today)
    return service.preview(db, caller, account_id, key, today, _place(request), locale).figures


@router.put(
    "/accounts/{account_id}/value-report", response_model=ReportRead, summary="Write a report's narrative"
)
def narrative(
    account_id: int, data: NarrativeUpdate, caller: ApiUser, db: Db, today: Today, period: PeriodQuery = None
) -> ReportRead:
    """The highlights, the next-period plan and the language of the account's report of the period."""
    report = service.save_narrative(
        db, caller, account_id, period or periods.last_quarter(today), data, today
    )
    return ReportRead.model_validate(report)


@router.post(
    "/accounts/{account_id}/value-report/publish", response_model=ReportRead, summary="Publish a report"
)
def publish(
    account_id: int,
    data: NarrativeUpdate,
    request: Request,
    caller: ApiUser,
    db: Db,
    today: Today,
    period: PeriodQuery = None,
) -> ReportRead:
    """Saves the narrative, freezes today's figures and writes the PDF."""
    key = period or periods.last_quarter(today)
    return ReportRead.model_validate(
        service.publish(db, caller, account_id, key, data, today, _place(request))
    )


@router.get(
    "/value-reports/{report_id}/links", response_model=list[LinkRead], summary="A report's share links"
)
def links(report_id: int, caller: ApiUser, db: Db) -> list[LinkRead]:
    """The report's links with expiry, revocation and views (their tokens are never shown again)."""
    return service.links(db, caller, report_id)


@router.post(
    "/value-reports/{report_id}/links",
    response_model=LinkRead,
    status_code=status.HTTP_201_CREATED,
    summary="Share a published report",
)
def share(
    report_id: int, data: LinkCreate, request: Request, caller: ApiUser, db: Db, today: Today
) -> LinkRead:
    """A new view-only link (its `path` is shown this once)."""
    link, token = service.create_link(db, caller, report_id, data.days, today, _place(request))
    return LinkRead(
        id=link.id,
        report_id=link.report_id,
        path=f"/r/{token}",
        expires_on=link.expires_on,
        revoked_at=None,
        views=0,
    )


@router.post("/value-report-links/{link_id}/revoke", response_model=LinkRead, summary="Revoke a share link")
def revoke(link_id: int, caller: ApiUser, db: Db) -> LinkRead:
    """Revokes the link at once."""
    link = service.revoke_link(db, caller, link_id)
    found = next(k for k in service.links(db, caller, link.report_id) if k.id == link.id)
    return found
