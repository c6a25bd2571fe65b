"""The configuration kind `lifecycle`: the stage model, checked against the metric its go-live rule names."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from lodestar.analytics.metric_columns import known_metrics
from lodestar.config import service as config_service
from lodestar.config.kinds import ConfigDocument, ConfigKind, register
from lodestar.kit.errors import FieldProblem
from lodestar.lifecycle.schemas import LifecycleModel

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


def stage_labels(session: Session, chinese: bool) -> list[tuple[str, str]]:
    """The active model's stages as (key, label in the viewer's language), in lifecycle order."""
    model, _ = current(session)
    return [(s.key, (s.label_zh if chinese and s.label_zh else s.label)) for s in model.stages]
