"""The service section of a report from ticket, touch and survey rows (engagement's `*_rows`): tickets opened
in the period against the tier's SLA, touches, visits, trainings and the period's NPS."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from lodestar.value_reports.schemas import ServiceFigures

PROMOTER, DETRACTOR = 9, 6  # NPS: 9-10 promote, 0-6 detract


def _within(at: datetime | None, start: date, through: date, zone: ZoneInfo) -> bool:
    if at is None:
        return False
    aware = at if at.tzinfo else at.replace(tzinfo=ZoneInfo("UTC"))
    return start <= aware.astimezone(zone).date() <= through


def _hours(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def nps_of(scores: Iterable[int]) -> float | None:
    """Promoters' share minus detractors' share, in points (-100..100); None without answers."""
    values = list(scores)
    if not values:
        return None
    promoters = sum(s >= PROMOTER for s in values)
    detractors = sum(s <= DETRACTOR for s in values)
    return 100 * (promoters - detractors) / len(values)


def service_figures(
    tickets: list[dict[str, Any]],
    touches: list[dict[str, Any]],
    surveys: list[dict[str, Any]],
    sla: tuple[float, float] | None,
    start: date,
    through: date,
    zone: ZoneInfo,
) -> ServiceFigures:
    """One account's service figures: tickets opened in the period (resolved by its end, response and
    resolution medians, share within the SLA), touches and NPS answers in the period."""
    opened = [t for t in tickets if _within(t["opened_at"], start, through, zone)]
    responded = [_hours(t["first_response_at"], t["opened_at"]) for t in opened if t["first_response_at"]]
    resolved = [
        _hours(t["resolved_at"], t["opened_at"])
        for t in opened
        if t["resolved_at"] is not None and _within(t["resolved_at"], start, through, zone)
    ]
    in_period = [t for t in touches if _within(t["occurred_at"], start, through, zone)]
    nps = [
        s["score"] for s in surveys if s["kind"] == "nps" and _within(s["answered_at"], start, through, zone)
    ]
    first_sla, resolve_sla = sla if sla else (None, None)
    return ServiceFigures(
        tickets_opened=len(opened),
        tickets_resolved=len(resolved),
        resolution_rate=_share(len(resolved), len(opened)),
        first_response_hours=median(responded) if responded else None,
        resolution_hours=median(resolved) if resolved else None,
        sla_first_response_hours=first_sla,
        sla_resolution_hours=resolve_sla,
        first_response_in_sla=_share(sum(h <= first_sla for h in responded), len(responded))
        if first_sla
        else None,
        resolved_in_sla=_share(sum(h <= resolve_sla for h in resolved), len(resolved))
        if resolve_sla
        else None,
        touches=len(in_period),
        visits=sum(t["kind"] == "visit" for t in in_period),
        trainings=sum(t["kind"] == "training" for t in in_period),
        nps=nps_of(nps),
        nps_answers=len(nps),
    )
