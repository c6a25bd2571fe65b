"""HTML routes: the churn model versions (admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lodestar.auth.deps import PageUser
from lodestar.predictions import service
from lodestar.predictions.factor_text import feature_label
from lodestar.predictions.models import ChurnModel
from lodestar.web.deps import Db
from lodestar.web.templating import render

router = APIRouter(include_in_schema=False)


def _chosen(model: ChurnModel) -> dict[str, Any] | None:
    """The chosen candidate's stored figures (its time-split test), None for a model stored without them."""
    found = [c for c in model.metrics.get("candidates", []) if c.get("model") == model.kind]
    return found[0] if found else None


def _curve(model: ChurnModel) -> dict[str, Any]:
    """The reliability curve as the chart draws it: mean prediction against the observed rate per tenth."""
    chosen = _chosen(model)
    bins = chosen["figures"].get("reliability", []) if chosen else []
    return {
        "predicted": [round(b["predicted"], 4) for b in bins],
        "observed": [round(b["observed"]["value"], 4) for b in bins],
        "low": [round(b["observed"]["low"], 4) for b in bins],
        "high": [round(b["observed"]["high"], 4) for b in bins],
    }


@router.get("/settings/predictions")
def model_versions(request: Request, user: PageUser, db: Db) -> Response:
    """Every churn model version: window, features, figures with intervals, active or why not (admins)."""
    versions = service.model_versions(db, user)
    shown = [
        {
            "model": m,
            "chosen": _chosen(m),
            "curve": _curve(m),
            "features": [feature_label(f) for f in m.features],
        }
        for m in versions
    ]
    return render(request, "predictions/versions.html", {"versions": shown})
