"""HTML routes: the SOP dashboard (attainment, effectiveness, top performers, lifecycle shape) and drill-down.

Attainment is drawn with the page; the heavier analyses load as HTMX fragments, so the page shows at once
on a large portfolio. Every figure is scoped to the viewer: a CSM sees their own work, a manager their team.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from lodestar.analytics import snapshot_store
from lodestar.auth.deps import PageUser
from lodestar.auth.models import Role, User
from lodestar.sop.measurement import compliance, effectiveness, lifecycle_shape, top_performers
from lodestar.sop.playbooks import labels
from lodestar.sop.playbooks import service as playbooks_service
from lodestar.web.deps import Db, Today
from lodestar.web.forms import validate
from lodestar.web.templating import render

router = APIRouter(include_in_schema=False)
TREND_PERIODS = 12


class DashboardFilter(BaseModel):
    """The dashboard's options from the query string."""

    model_config = ConfigDict(extra="ignore")

    period: Literal["week", "month"] = "week"
    playbook: str | None = None
    shape_by: Literal["csm", "team", "tier"] = "csm"
    trend_by: Literal["csm", "team"] | None = None  # a CSM sees their own line; leaders their teams'


class MissedFilter(BaseModel):
    """Which group's missed tasks to list."""

    model_config = ConfigDict(extra="ignore")

    by: compliance.Dimension
    key: str
    playbook: str | None = None
    period: Literal["week", "month"] = "month"


def _filter(request: Request, model: type[Any]) -> Any:
    return validate(model, {k: v for k, v in request.query_params.items() if v.strip()})


def _root(request: Request) -> Path:
    return snapshot_store.root_of(request.app.state.settings)


def _trend_chart(points: list[compliance.TrendPoint]) -> dict[str, Any]:
    """ECharts data: one line per CSM (or team) over the period starts, rates in percent; `partial` is the
    start of the period still running (drawn apart, dashed), or None."""
    starts = sorted({p.period_start.isoformat() for p in points})
    series: dict[str, dict[str, Any]] = {}
    for p in points:
        line = series.setdefault(p.key, {"name": p.label, "data": {}})
        line["data"][p.period_start.isoformat()] = None if p.rate is None else round(p.rate * 100, 1)
    partial = next((p.period_start.isoformat() for p in points if p.partial), None)
    return {
        "periods": starts,
        "partial": partial,
        "series": [{"name": s["name"], "data": [s["data"].get(d) for d in starts]} for s in series.values()],
    }


@router.get("/sop")
def dashboard(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Attainment by CSM, team and step with a trend; effectiveness, performers and shape load after."""
    flt: DashboardFilter = _filter(request, DashboardFilter)
    config, _ = playbooks_service.current_config(db)
    common: dict[str, Any] = {"as_of": today, "viewer": user, "playbook_key": flt.playbook}
    trend_by = flt.trend_by or ("csm" if user.role == Role.CSM else "team")
    trend = compliance.attainment_trend(db, by=trend_by, period=flt.period, periods=TREND_PERIODS, **common)
    context = {
        "flt": flt,
        "as_of": today,
        "playbooks": config.playbooks,
        "playbook_labels": labels.playbook_labels(config, request),
        "by_csm": compliance.attainment(db, by="csm", **common),
        "by_team": compliance.attainment(db, by="team", **common),
        "by_step": compliance.attainment(db, by="step", **common),
        "trend": _trend_chart(trend),
        "trend_by": trend_by,
        "href": lambda **kw: "/sop?" + urlencode({k: v for k, v in {**flt.model_dump(), **kw}.items() if v}),
    }
    return render(request, "sop/dashboard.html", context)


@router.get("/sop/effectiveness")
def effectiveness_section(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """The effectiveness table: each step's effect on its outcome with its interval and verdict."""
    report = effectiveness.effectiveness(db, _root(request), as_of=today, viewer=user)
    config, _ = playbooks_service.current_config(db)
    context = {"report": report, "playbook_labels": labels.playbook_labels(config, request)}
    return render(request, "sop/_effectiveness.html", context)


@router.get("/sop/performers")
def performers_section(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """What the CSMs whose accounts do best do differently."""
    flt: DashboardFilter = _filter(request, DashboardFilter)
    report = top_performers.top_performers(
        db, _root(request), as_of=today, playbook_key=flt.playbook, viewer=user
    )
    config, _ = playbooks_service.current_config(db)
    context = {"report": report, "playbook_labels": labels.playbook_labels(config, request)}
    return render(request, "sop/_performers.html", context)


@router.get("/sop/shape")
def shape_section(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Where the work goes in the lifecycle, per CSM, team or tier, with the shape's name and rule."""
    flt: DashboardFilter = _filter(request, DashboardFilter)
    rows = lifecycle_shape.lifecycle_shape(db, by=flt.shape_by, as_of=today, viewer=user)
    names = labels.stage_labels(db, request)
    stages = [s for s in names if any(r.shares.get(s) for r in rows)]
    chart = {
        "labels": [r.label for r in rows],
        "series": [
            {"name": names[s], "data": [round(r.shares.get(s, 0.0) * 100, 1) for r in rows]} for s in stages
        ],
    }
    context = {"rows": rows, "chart": chart, "flt": flt, "rule": lifecycle_shape.SHAPE_RULE}
    return render(request, "sop/_shape.html", context)


@router.get("/sop/missed")
def missed(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """The tasks behind a group's attainment that were not done on time (late, skipped or missed)."""
    flt: MissedFilter = _filter(request, MissedFilter)
    rows = compliance.missed_tasks(
        db,
        user,
        as_of=today,
        by=flt.by,
        key=flt.key,
        period=flt.period,
        playbook_key=flt.playbook,
        limit=500,
    )
    config, _ = playbooks_service.current_config(db)
    context = {
        "rows": rows,
        "flt": flt,
        "group": _group_label(db, user, flt, today),
        "playbook_labels": labels.playbook_labels(config, request),
    }
    return render(request, "sop/missed.html", context)


def _group_label(db: Db, user: User, flt: MissedFilter, today: date) -> str:
    """The drilled-into group's readable name (a CSM's or team's name, a step's title)."""
    rows = compliance.attainment(
        db,
        by=flt.by,
        as_of=today,
        viewer=user,
        playbook_key=flt.playbook,
        period=flt.period,
    )
    return next((r.label for r in rows if r.key == flt.key), flt.key)
