"""The configuration kind `metrics`: key features and custom metrics that every snapshot run computes."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from lodestar.config import service as config_service
from lodestar.config.kinds import ConfigKind, register

DEFAULTS = Path(__file__).parent / "defaults"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomMetric(_Strict):
    """An extra metric column: events counted or distinct users over a window, for some event names."""

    slug: str = Field(pattern=r"^[a-z][a-z0-9_]{0,59}$")
    label: str | None = None
    aggregate: Literal["count_events", "distinct_users"]
    events: list[str] = Field(min_length=1)
    window_days: int = Field(gt=0, le=365)


class MetricsConfig(_Strict):
    """Key features (for breadth of use) and custom metrics."""

    key_features: list[str] = Field(default_factory=list)
    custom: list[CustomMetric] = Field(default_factory=list)


KIND = register(ConfigKind("metrics", MetricsConfig, DEFAULTS / "metrics.yaml", order=40))


def current(session: Session) -> tuple[MetricsConfig, int]:
    """The active key features and custom metrics and their version."""
    return config_service.current(session, KIND.name, MetricsConfig)
