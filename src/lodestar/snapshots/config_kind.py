"""The configuration kind `metrics`: key features and custom metrics that every snapshot run computes."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from lodestar.analytics.metric_columns import METRIC_COLUMNS
from lodestar.analytics.metrics.custom_spec import CustomMetric, custom_problems
from lodestar.config import service as config_service
from lodestar.config.kinds import ConfigDocument, ConfigKind, register
from lodestar.kit.errors import FieldProblem

DEFAULTS = Path(__file__).parent / "defaults"


class MetricsConfig(BaseModel):
    """Key features (for breadth of use) and custom metrics (analytics.metrics.custom_spec)."""

    model_config = ConfigDict(extra="forbid")

    key_features: list[str] = Field(default_factory=list)
    custom: list[CustomMetric] = Field(default_factory=list)


def metrics_problems(doc: ConfigDocument) -> list[FieldProblem]:
    """Custom metrics that could not be computed: bad fields, windows, filters, ratios, cycles."""
    found = custom_problems(doc.metrics.custom, METRIC_COLUMNS)
    return [FieldProblem(f"metrics.{p.field}", p.message) for p in found]


KIND = register(
    ConfigKind("metrics", MetricsConfig, DEFAULTS / "metrics.yaml", order=40, check=metrics_problems)
)


def current(session: Session) -> tuple[MetricsConfig, int]:
    """The active key features and custom metrics and their version."""
    return config_service.current(session, KIND.name, MetricsConfig)


def labels(config: MetricsConfig, chinese: bool = False) -> dict[str, str]:
    """Each custom metric's display name in the reader's language, by slug."""
    return {m.slug: m.shown(chinese) for m in config.custom}
