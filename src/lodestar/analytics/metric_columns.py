"""The metrics table's columns (the analytics contract) that health models, stages and playbooks may name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

METRIC_COLUMNS = frozenset(
    (
        "events_7d",
        "events_30d",
        "events_90d",
        "events_180d",
        "active_users_7d",
        "active_users_30d",
        "active_users_90d",
        "seats",
        "active_user_ratio_30d",
        "usage_trend_30d",
        "key_features_used_30d",
        "days_since_last_activity",
        "training_completion",
        "tickets_open",
        "tickets_critical_open",
        "sla_breaches_90d",
        "first_response_hours_90d",
        "resolution_hours_90d",
        "nps_latest",
        "csat_latest",
        "days_since_last_touch",
        "trainings_180d",
        "arr",
        "days_to_end",
        "term_elapsed_share",
        "champion_present",
        "decision_maker_left_90d",
    )
)


def known_metrics(document: Mapping[str, Any]) -> frozenset[str]:
    """The built-in columns plus the custom metrics the configuration document defines."""
    metrics = document.get("metrics")
    return METRIC_COLUMNS | {m.slug for m in (metrics.custom if metrics is not None else [])}
