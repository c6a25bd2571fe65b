"""HTML routes: the health model editor with its preview, and the stored backtests."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from lodestar.analytics import snapshot_store
from lodestar.auth.deps import PageUser
from lodestar.auth.models import User
from lodestar.config import service as config_service
from lodestar.health import config_kind as health_kind
from lodestar.health import service
from lodestar.kit.errors import InvalidInput
from lodestar.web.deps import Db, Today
from lodestar.web.forms import read_form
from lodestar.web.templating import render

router = APIRouter(include_in_schema=False)
HORIZON = 180


def _horizon(text: str | None) -> int:
    """The backtest horizon in days from the form (1 to 730)."""
    try:
        days = int(text or HORIZON)
    except ValueError:
        raise InvalidInput.one("horizon", "must be a whole number of days") from None
    if not 1 <= days <= 730:
        raise InvalidInput.one("horizon", "must be between 1 and 730 days")
    return days


def _editor(
    request: Request,
    db: Db,
    text: str,
    horizon: int | str,
    preview: service.Preview | None = None,
    problems: list[Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The editor page with the YAML, and the preview or the problems if any."""
    _, version = health_kind.current(db)
    context = {
        "text": text,
        "horizon": horizon,
        "version": version,
        "versions": config_service.history(db, "health")[:10],
        "preview": preview,
        "problems": problems or [],
        "saved": request.query_params.get("saved"),
    }
    return render(request, "settings/health.html", context, status_code=status_code)


@router.get("/settings/health")
def health_editor(request: Request, user: PageUser, db: Db) -> Response:
    """The active health configuration as YAML, ready to edit (admins and managers)."""
    service.require_model_editor(user)
    return _editor(request, db, service.health_yaml(db), HORIZON)


def _preview(request: Request, db: Db, text: str, horizon: int, today: date) -> service.Preview:
    proposed = service.parse_health(db, text)
    root = snapshot_store.root_of(request.app.state.settings)
    return service.preview(db, root, proposed, today, horizon)


@router.post("/settings/health")
async def health_editor_post(request: Request, user: PageUser, db: Db, today: Today) -> Response:
    """Previews the proposed model against the active one, or saves it as a new version."""
    form = await read_form(request)
    service.require_model_editor(user)
    text, raw_horizon = form.get("health_yaml", ""), form.get("horizon", str(HORIZON))
    try:
        horizon = _horizon(raw_horizon)
        if form.get("action") == "save":
            version = _save(db, user, text)
            return RedirectResponse(f"/settings/health?saved={version or 'unchanged'}", status_code=303)
        found = _preview(request, db, text, horizon, today)
    except InvalidInput as exc:
        db.rollback()
        return _editor(request, db, text, raw_horizon, problems=exc.problems, status_code=422)
    return _editor(request, db, text, horizon, preview=found)


def _save(db: Db, user: User, text: str) -> int | None:
    return service.save_health(db, user, text)


@router.get("/health/backtest")
def backtests(request: Request, user: PageUser, db: Db) -> Response:
    """Stored backtests per model version with a chart of AUC over time (admins and managers)."""
    rows = service.backtests_by_date(db, user)
    versions = sorted({b.model_version for b in rows})
    chart = {
        "dates": sorted({b.as_of.isoformat() for b in rows}),
        "series": [
            {
                "name": f"v{v}",
                "data": [
                    [b.as_of.isoformat(), None if b.auc is None else round(b.auc, 3)]
                    for b in rows
                    if b.model_version == v
                ],
            }
            for v in versions
        ],
    }
    return render(request, "health/backtest.html", {"rows": rows, "chart": chart})
