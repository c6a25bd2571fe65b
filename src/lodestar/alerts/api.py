"""JSON routes for alerts: the inbox and its filters, one alert, acknowledge, snooze, resolve, bulk."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from lodestar.alerts import service
from lodestar.alerts.evidence_text import evidence_in
from lodestar.alerts.inbox_schemas import (
    AlertCounts,
    AlertPage,
    AlertRead,
    BulkAcknowledged,
    BulkAcknowledgeIn,
    ResolveIn,
    SnoozeIn,
    StateFilter,
)
from lodestar.alerts.reasons import reason_shown
from lodestar.alerts.schemas import Severity
from lodestar.auth.deps import ApiUser
from lodestar.kit.text import translate
from lodestar.web.deps import Db, Today
from lodestar.web.i18n import translations
from lodestar.web.templating import locale_of

router = APIRouter(tags=["alerts"])


def _worded(request: Request, alerts: list[AlertRead]) -> list[AlertRead]:
    """The alerts with their evidence in the caller's language."""
    gettext = translations(locale_of(request)).gettext
    return [
        a.model_copy(
            update={
                "evidence_text": evidence_in(gettext, a.evidence),
                "resolve_reason": (
                    translate(gettext, reason_shown(a.resolve_reason)) if a.resolve_reason else None
                ),
            }
        )
        for a in alerts
    ]


@router.get("/alerts", response_model=AlertPage, summary="List alerts")
def list_alerts(
    request: Request,
    caller: ApiUser,
    db: Db,
    state: StateFilter = "live",
    severity: Severity | None = None,
    rule: Annotated[str | None, Query(max_length=60)] = None,
    owner_id: int | None = None,
    account_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AlertPage:
    """Lists the alerts the caller may see: live (open, acknowledged, snoozed) unless another state is asked
    for; by severity, rule, the account's owner or one account; new and severe first."""
    items, total = service.list_alerts(
        db, caller, state=state, severity=severity, rule=rule, owner_id=owner_id, account_id=account_id,
        limit=limit, offset=offset,
    )  # fmt: skip
    return AlertPage(items=_worded(request, items), total=total)


@router.get("/alerts/counts", response_model=AlertCounts, summary="Count my alerts")
def alert_counts(request: Request, caller: ApiUser, db: Db) -> AlertCounts:
    """The caller's alerts that need attention (open or acknowledged) by severity, with the newest few."""
    found = service.counts(db, caller)
    return found.model_copy(update={"newest": _worded(request, found.newest)})


@router.post("/alerts/bulk-acknowledge", response_model=BulkAcknowledged, summary="Acknowledge many alerts")
def bulk_acknowledge(data: BulkAcknowledgeIn, caller: ApiUser, db: Db) -> BulkAcknowledged:
    """Acknowledges every listed open alert, or none: a 422 names each refused alert and nothing changes."""
    return BulkAcknowledged(alert_ids=service.bulk_acknowledge(db, caller, data.alert_ids))


@router.get("/alerts/{alert_id}", response_model=AlertRead, summary="Get an alert")
def get_alert(alert_id: int, request: Request, caller: ApiUser, db: Db) -> AlertRead:
    """Shows one alert the caller may see, with its evidence in the caller's language."""
    return _worded(request, [service.get_alert(db, caller, alert_id)])[0]


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertRead, summary="Acknowledge an alert")
def acknowledge(alert_id: int, request: Request, caller: ApiUser, db: Db) -> AlertRead:
    """Marks an open alert as seen (422 naming `state` when it is not open)."""
    return _worded(request, [service.acknowledge(db, caller, alert_id)])[0]


@router.post("/alerts/{alert_id}/snooze", response_model=AlertRead, summary="Snooze an alert")
def snooze(
    alert_id: int, data: SnoozeIn, request: Request, today: Today, caller: ApiUser, db: Db
) -> AlertRead:
    """Hides a live alert until a day after today (422 naming `until` or `state`)."""
    return _worded(request, [service.snooze(db, caller, alert_id, data.until, today)])[0]


@router.post("/alerts/{alert_id}/resolve", response_model=AlertRead, summary="Resolve an alert")
def resolve(
    alert_id: int, data: ResolveIn, request: Request, today: Today, caller: ApiUser, db: Db
) -> AlertRead:
    """Closes a live alert by hand with the reason (its rule's cool-down starts today)."""
    return _worded(request, [service.resolve(db, caller, alert_id, data.reason, today)])[0]
