"""What health shows on the account page: the health card, its measures' thresholds and units, and the
trend chart's series with the grade bands of the model that judged the account."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lodestar.accounts.models import Account
from lodestar.analytics import snapshot_store
from lodestar.health import config_kind as health_kind
from lodestar.health import service
from lodestar.health.measure_units import unit_of
from lodestar.settings import Settings


def _scales(session: Session, model_name: str | None, stage: str | None, tier: str | None) -> dict[str, Any]:
    """The judging model's grade boundaries, and per measure (by its shown name): metric, unit, scoring."""
    config, _ = health_kind.current(session)
    model = next((m for m in config.models if m.name == model_name), None) or config.model_for(stage, tier)
    measures = {
        m.name: {
            "metric": m.metric,
            "unit": unit_of(m.metric),
            "method": m.scoring.method,
            "direction": m.scoring.direction,
            "anchors": m.scoring.anchors() if m.scoring.method == "thresholds" else None,
        }
        for m in model.measures
    }
    return {"green": model.grades.green, "yellow": model.grades.yellow, "measures": measures}


def health_panel(session: Session, settings: Settings, account: Account) -> dict[str, Any]:
    """The health part of the account page: `health` (card or None), `series` (trend) and `scales` (the
    model's grade bands and each measure's unit and thresholds)."""
    card = service.health_card(session, snapshot_store.root_of(settings), account)
    return {
        "health": card,
        "series": service.history_series(session, account.id),
        "scales": _scales(session, card.model if card else None, account.stage, account.tier),
    }
