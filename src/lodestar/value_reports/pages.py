"""HTML routes: an account's report (preview in the report's language, narrative, publish, PDF, share links)
and the public share page (no sign-in: the signed link is the credential and shows only its report)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from lodestar.auth import service as auth_service
from lodestar.auth.deps import PageUser
from lodestar.kit.errors import InvalidInput
from lodestar.value_reports import periods, rendering, service
from lodestar.value_reports.schemas import NarrativeUpdate
from lodestar.web.deps import Db, Today
from lodestar.web.forms import field_errors, read_form, validate
from lodestar.web.templating import render

router = APIRouter(include_in_schema=False)
# The share page is read by people outside the company: nothing cached, not indexed (the app's security
# headers, CSP and a same-origin referrer policy among them, come on top).
PUBLIC_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


def _place(request: Request) -> service.Place:
    return service.place_of(request.app.state.settings)


def _page(
    request: Request,
    db: Db,
    user: Any,
    account_id: int,
    period: str | None,
    today: Any,
    locale: str | None = None,
    **extra: Any,
) -> Response:
    key = period or periods.last_quarter(today)
    draft = service.preview(db, user, account_id, key, today, _place(request), locale)
    narrative = extra.pop("narrative", None) or draft.narrative
    context = {
        "account": draft.account,
        "draft": draft,
        "period": draft.figures.period,
        "report_body": rendering.body(draft.figures, draft.locale, narrative),
        "narrative": narrative,
        "links": service.links(db, user, draft.stored.id) if draft.stored else [],
        "can_edit": auth_service.can_edit(user),
        "offers": [periods.last_quarter(today), periods.annual_offer(today)],
        **extra,
    }
    return render(
        request, "value_reports/preview.html", context, status_code=422 if extra.get("errors") else 200
    )


@router.get("/accounts/{account_id}/value-report")
def preview(
    account_id: int,
    request: Request,
    user: PageUser,
    db: Db,
    today: Today,
    period: str | None = None,
    locale: str | None = None,
) -> Response:
    """The report of a period (default: the last quarter ended) as the customer will read it, with the
    narrative form, publishing and the share links."""
    try:
        return _page(request, db, user, account_id, period, today, locale)
    except InvalidInput as exc:
        if not any(p.field == "period" for p in exc.problems):
            raise
        return _page(
            request,
            db,
            user,
            account_id,
            None,
            today,
            None,
            errors=field_errors(exc, ["period"]),
            asked=period,
        )


@router.post("/accounts/{account_id}/value-report")
async def save(account_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Saves the narrative (action=save) or publishes the report (action=publish); a bad field shows the page
    again naming it, nothing written."""
    form = await read_form(request)
    period = form.get("period") or periods.last_quarter(today)
    raw = {k: form.get(k) or None for k in ("locale", "highlights", "next_plan")}
    try:
        data = validate(NarrativeUpdate, {k: v for k, v in raw.items() if v is not None})
        if form.get("action") == "publish":
            service.publish(db, user, account_id, period, data, today, _place(request))
        else:
            service.save_narrative(db, user, account_id, period, data, today)
    except InvalidInput as exc:
        db.rollback()
        errors = field_errors(exc, ["locale", "highlights", "next_plan", "period"])
        return _page(request, db, user, account_id, None, today, None, errors=errors, narrative=raw)
    return RedirectResponse(f"/accounts/{account_id}/value-report?period={period}", status_code=303)


@router.get("/value-reports/{report_id}/pdf")
def pdf(report_id: int, user: PageUser, db: Db) -> Response:
    """The published report's PDF."""
    path = service.published_pdf(db, user, report_id)
    return FileResponse(path, media_type="application/pdf", filename=path.name)


@router.post("/value-reports/{report_id}/links")
async def share(report_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Makes a share link and shows it once (its token is not stored)."""
    form = await read_form(request)
    days = form.get("days") or ""
    link, token = service.create_link(
        db, user, report_id, int(days) if days.isdigit() else None, today, _place(request)
    )
    report = service.get_report(db, user, report_id)
    fresh = str(request.base_url).rstrip("/") + f"/r/{token}"
    return _page(
        request,
        db,
        user,
        report.account_id,
        report.period,
        today,
        None,
        fresh_link=fresh,
        fresh_expires=link.expires_on,
    )


@router.post("/value-report-links/{link_id}/revoke")
async def revoke(link_id: int, request: Request, user: PageUser, db: Db) -> Response:
    """Revokes a share link: it answers 404 from now on."""
    await read_form(request)
    link = service.revoke_link(db, user, link_id)
    report = service.get_report(db, user, link.report_id)
    return RedirectResponse(
        f"/accounts/{report.account_id}/value-report?period={report.period}", status_code=303
    )


@router.get("/r/{token}")
def shared(token: str, request: Request, db: Db, today: Today) -> Response:
    """The published report a share link opens (no sign-in); any bad link is a plain 404."""
    report = service.open_link(db, token, today, _place(request), request.headers.get("user-agent"))
    return HTMLResponse(service.shared_document(report, f"/r/{token}/pdf"), headers=PUBLIC_HEADERS)


@router.get("/r/{token}/pdf")
def shared_pdf(token: str, request: Request, db: Db, today: Today) -> Response:
    """The PDF of the report a share link opens, as published (no sign-in; the same checks as the page,
    the download logged)."""
    agent = request.headers.get("user-agent")
    report = service.open_link(db, token, today, _place(request), agent, kind="download")
    disposition = f'attachment; filename="value-report-{report.period}.pdf"'
    headers = {**PUBLIC_HEADERS, "Content-Disposition": disposition}
    return Response(service.shared_pdf(report), media_type="application/pdf", headers=headers)
