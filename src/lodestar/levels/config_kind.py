"""The configuration kind `levels`: maturity dimensions and per-level minimums, checked against metrics."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from lodestar.analytics.metric_columns import known_metrics
from lodestar.config import service as config_service
from lodestar.config.kinds import ConfigDocument, ConfigKind, register
from lodestar.kit.errors import FieldProblem
from lodestar.levels.schemas import LevelsConfig

DEFAULTS = Path(__file__).parent / "defaults"


def level_problems(doc: ConfigDocument) -> list[FieldProblem]:
    """Metric columns the dimensions name that neither the registry nor the custom metrics define."""
    config = doc.get("levels")
    if not isinstance(config, LevelsConfig):  # left out of an older document: nothing to check
        return []
    metrics = known_metrics(doc)
    return [
        FieldProblem(f"levels.dimensions[{i}].metrics[{j}].metric", f"unknown metric {m.metric!r}")
        for i, dim in enumerate(config.dimensions)
        for j, m in enumerate(dim.metrics)
        if m.metric not in metrics
    ]


# Documents exported before levels existed have no `levels`; applying one leaves the levels as they are.
KIND = register(
    ConfigKind(
        "levels", LevelsConfig, DEFAULTS / "levels.yaml", order=80, check=level_problems, optional=True
    )
)


def current(session: Session) -> tuple[LevelsConfig, int]:
    """The active levels configuration and its version (0 for the package defaults)."""
    return config_service.current(session, KIND.name, LevelsConfig)
