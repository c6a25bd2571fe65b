"""HTML routes: the alert inbox with its filters and bulk acknowledge, one alert, the actions on an alert
(acknowledge, snooze, resolve), and the backtest of every rule."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from lodestar.alerts import service
from lodestar.alerts.evidence_text import evidence_texts
from lodestar.alerts.flash import FLASH, refusal
from lodestar.alerts.inbox_schemas import AlertRead, StateFilter
from lodestar.alerts.reasons import reason_shown
from lodestar.alerts.schemas import SEVERITIES, Severity
from lodestar.analytics import snapshot_store
from lodestar.auth import service as auth_service
from lodestar.auth.deps import PageUser
from lodestar.auth.models import Role, User
from lodestar.kit.errors import InvalidInput, PermissionDenied
from lodestar.kit.text import Text
from lodestar.web.deps import Db, Today
from lodestar.web.forms import local_path, read_form, validate
from lodestar.web.templating import locale_of, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
STATES: tuple[str, ...] = ("live", "open", "acknowledged", "snoozed", "resolved", "all")


class InboxFilter(BaseModel):
    """The inbox's filters and page, from the query string."""

    model_config = ConfigDict(extra="ignore")

    state: StateFilter = "live"
    severity: Severity | None = None
    rule: str | None = Field(None, max_length=60)
    owner: int | None = None
    page: int = Field(1, ge=1, le=100_000)


def _href(flt: InboxFilter, **changes: Any) -> str:
    values = {**flt.model_dump(), **changes}
    defaults = {"page": 1, "state": "live"}
    query = {k: v for k, v in values.items() if v not in (None, "") and defaults.get(k) != v}
    return "/alerts" + (f"?{urlencode(query)}" if query else "")


def _common(request: Request, user: User, today: date) -> dict[str, Any]:
    """What every alert page needs: the reader's language, who may act, today and the flash."""
    return {
        "zh": locale_of(request) == "zh_CN",
        "can_act": user.role != Role.VIEWER,
        "today": today,
        "tomorrow": today + timedelta(days=1),
        "evidence": evidence_texts,
        "reason": reason_shown,
        "flash": request.session.pop(FLASH, None),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }


@router.get("/alerts")
def inbox(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """The alerts the viewer may see, filtered by state, severity, rule and the account's owner."""
    params = {k: v for k, v in request.query_params.items() if v.strip()}
    flt = validate(InboxFilter, params)
    owner = user.id if user.role == Role.CSM else flt.owner
    alerts, total = service.list_alerts(
        db, user, state=flt.state, severity=flt.severity, rule=flt.rule, owner_id=owner,
        limit=PAGE_SIZE, offset=(flt.page - 1) * PAGE_SIZE,
    )  # fmt: skip
    owners = auth_service.visible_owners(db, user) if user.role != Role.CSM else []
    context = {
        **_common(request, user, today),
        "flt": flt,
        "alerts": alerts,
        "total": total,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "href": lambda **kw: _href(flt, **kw),
        "states": STATES,
        "severities": SEVERITIES,
        "rules": service.rules_now(db).rules,
        "owners": [(u.id, u.name) for u in owners if u.role in (Role.CSM, Role.MANAGER)],
        "may_backtest": user.role in (Role.ADMIN, Role.MANAGER),
    }
    return render(request, "alerts/inbox.html", context)


@router.post("/alerts/bulk-acknowledge")
async def bulk_acknowledge(request: Request, user: PageUser, db: Db) -> Response:
    """Acknowledges the ticked alerts, all or none; back to the inbox saying which."""
    form = await read_form(request)
    values = (await request.form()).getlist("alert_id")
    ids = [int(v) for v in values if isinstance(v, str) and v.isdigit() and len(v) < 10]
    try:
        done = service.bulk_acknowledge(db, user, ids)
    except InvalidInput as exc:
        db.rollback()  # a refused batch changes nothing
        request.session[FLASH] = refusal(exc)
    else:
        request.session[FLASH] = {"action": "bulk_acknowledged", "count": len(done)}
    return RedirectResponse(local_path(form.get("next"), "/alerts"), status_code=303)


@router.get("/alerts/backtest")
def backtest(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Every enabled rule's recall, precision, lead time and noise over the history (admins, managers)."""
    if user.role not in (Role.ADMIN, Role.MANAGER):
        raise PermissionDenied(Text("only admins and managers can see the alert backtest"))
    params = {k: v for k, v in request.query_params.items() if v.strip()}
    query = validate(BacktestQuery, params)
    rules = service.rules_now(db)
    root = snapshot_store.root_of(request.app.state.settings)
    figures = service.backtest(
        db, root, rules, today=today, horizon=query.horizon, start=query.start, end=query.end
    )
    context = {
        **_common(request, user, today),
        "query": query,
        "figures": figures,
        "rules": {r.key: r for r in rules.rules},
    }
    return render(request, "alerts/backtest.html", context)


class BacktestQuery(BaseModel):
    """The backtest's date range (default: every date with a whole horizon after it) and horizon."""

    model_config = ConfigDict(extra="ignore")

    start: date | None = None
    end: date | None = None
    horizon: int = Field(180, ge=1, le=730)


@router.get("/alerts/{alert_id}")
def alert_page(alert_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """One alert with its evidence, its account and what was done with it (404 unless the viewer may see
    its account)."""
    alert = service.get_alert(db, user, alert_id)
    people = service.user_names(db, {alert.acknowledged_by, alert.resolved_by})
    context = {**_common(request, user, today), "alert": alert, "people": people}
    return render(request, "alerts/detail.html", context)


def _done(request: Request, form: dict[str, str], action: str, alert: AlertRead) -> Response:
    request.session[FLASH] = {"action": action, "alert_id": alert.id, "account": alert.account_name}
    return RedirectResponse(local_path(form.get("next"), "/alerts"), status_code=303)


def _refused(request: Request, db: Db, form: dict[str, str], exc: InvalidInput) -> Response:
    db.rollback()
    request.session[FLASH] = refusal(exc)
    return RedirectResponse(local_path(form.get("next"), "/alerts"), status_code=303)


@router.post("/alerts/{alert_id}/acknowledge")
async def acknowledge(alert_id: int, request: Request, user: PageUser, db: Db) -> Response:
    """Acknowledges an open alert."""
    form = await read_form(request)
    try:
        alert = service.acknowledge(db, user, alert_id)
    except InvalidInput as exc:
        return _refused(request, db, form, exc)
    return _done(request, form, "acknowledged", alert)


@router.post("/alerts/{alert_id}/snooze")
async def snooze(alert_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Snoozes a live alert until the day given."""
    form = await read_form(request)
    try:
        until = validate(SnoozeForm, {"until": form.get("until") or None}).until
        alert = service.snooze(db, user, alert_id, until, today)
    except InvalidInput as exc:
        service.get_alert(db, user, alert_id)  # an alert the viewer may not see stays a 404
        return _refused(request, db, form, exc)
    return _done(request, form, "snoozed", alert)


class SnoozeForm(BaseModel):
    """The snooze form's day."""

    until: date


@router.post("/alerts/{alert_id}/resolve")
async def resolve(alert_id: int, request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Resolves a live alert with the reason given."""
    form = await read_form(request)
    try:
        alert = service.resolve(db, user, alert_id, form.get("reason", ""), today)
    except InvalidInput as exc:
        return _refused(request, db, form, exc)
    return _done(request, form, "resolved", alert)
