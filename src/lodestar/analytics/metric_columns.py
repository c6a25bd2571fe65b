"""The metrics table's columns (the analytics contract) that health models, stages and playbooks may name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lodestar.analytics.metrics.registry import metrics_of

# Every built-in metric of the registry; custom metrics from configuration are added per document.
METRIC_COLUMNS = frozenset(m.key for m in metrics_of())


def known_metrics(document: Mapping[str, Any]) -> frozenset[str]:
    """The built-in columns plus the custom metrics the configuration document defines."""
    metrics = document.get("metrics")
    return METRIC_COLUMNS | {m.slug for m in (metrics.custom if metrics is not None else [])}
