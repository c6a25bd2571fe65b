"""The configuration kind `lifecycle`: the stage model, checked against the metric its go-live rule names."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from lodestar.analytics.metric_columns import known_metrics
from lodestar.config import service as config_service
from lodestar.config.kinds import ConfigDocument, ConfigKind, register
from lodestar.kit.errors import FieldProblem
from lodestar.lifecycle.schemas import LEAD_POOL, LifecycleModel

DEFAULTS = Path(__file__).parent / "defaults"


def lifecycle_problems(doc: ConfigDocument) -> list[FieldProblem]:
    """An unknown metric in the go-live rule."""
    go_live = doc.lifecycle.timeline.go_live
    if go_live and go_live.metric not in known_metrics(doc):
        return [FieldProblem("lifecycle.timeline.go_live.metric", f"unknown metric {go_live.metric!r}")]
    return []


KIND = register(
    ConfigKind("lifecycle", LifecycleModel, DEFAULTS / "lifecycle.yaml", order=20, check=lifecycle_problems)
)


def current(session: Session) -> tuple[LifecycleModel, int]:
    """The active lifecycle model and its version."""
    return config_service.current(session, KIND.name, LifecycleModel)


# Where churned accounts go after the win-back window: no stage of any model, so labelled here.
LEAD_POOL_LABELS = ("Lead pool", "线索公海池")


def stage_labels(session: Session, chinese: bool) -> list[tuple[str, str]]:
    """The active model's stages as (key, label in the viewer's language), in lifecycle order, then the
    sales lead pool (where churned accounts go after the win-back window)."""
    model, _ = current(session)
    stages = [(s.key, (s.label_zh if chinese and s.label_zh else s.label)) for s in model.stages]
    return [*stages, (LEAD_POOL, LEAD_POOL_LABELS[1] if chinese else LEAD_POOL_LABELS[0])]


def at_risk_stages(session: Session) -> list[str]:
    """The keys of the active model's stages that cover the at-risk phase (none in a coarse model)."""
    model, _ = current(session)
    return [s.key for s in model.stages if "at_risk" in s.covers]


def closed_stages(session: Session) -> list[str]:
    """The stages of accounts that are no longer customers: churned (win-back) and the lead pool."""
    model, _ = current(session)
    return [key for key in (model.stage_of("churned"), LEAD_POOL) if key]
