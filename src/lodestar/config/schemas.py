"""The configuration document: five kinds, each a validated model, checked against each other."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lodestar.accounts.tiers import TierRules
from lodestar.health.schemas import HealthConfig
from lodestar.kit.errors import FieldProblem
from lodestar.lifecycle.schemas import LifecycleModel
from lodestar.sop.playbooks.schemas import SopConfig
from lodestar.sop.playbooks.validation import sop_problems

Kind = Literal["health", "lifecycle", "tiers", "metrics", "sop"]
KINDS: tuple[Kind, ...] = ("health", "lifecycle", "tiers", "metrics", "sop")

# The metrics table's columns (the analytics contract) that a health model may measure.
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


class ConfigDocument(_Strict):
    """All configuration in one document, as `lodestar config export` writes it."""

    health: HealthConfig
    lifecycle: LifecycleModel
    tiers: TierRules
    metrics: MetricsConfig
    # Documents exported before playbooks existed have no `sop`; applying one leaves playbooks as they are.
    sop: SopConfig | None = None


KIND_MODELS: dict[str, type[BaseModel]] = {
    "health": HealthConfig,
    "lifecycle": LifecycleModel,
    "tiers": TierRules,
    "metrics": MetricsConfig,
    "sop": SopConfig,
}


def cross_problems(doc: ConfigDocument) -> list[FieldProblem]:
    """Problems between kinds: unknown metric columns, tiers or stages named in the health models."""
    metrics = METRIC_COLUMNS | {m.slug for m in doc.metrics.custom}
    tiers = {t.key for t in doc.tiers.tiers}
    stages = {s.key for s in doc.lifecycle.stages}
    problems = []
    for i, model in enumerate(doc.health.models):
        at = f"health.models[{i}]"
        for j, measure in enumerate(model.measures):
            if measure.metric not in metrics:
                problems.append(
                    FieldProblem(f"{at}.measures[{j}].metric", f"unknown metric {measure.metric!r}")
                )
        for tier in model.tier_group_weights:
            if tier not in tiers:
                problems.append(FieldProblem(f"{at}.tier_group_weights.{tier}", f"unknown tier {tier!r}"))
        for k, tier in enumerate(model.applies_to.tiers):
            if tier not in tiers:
                problems.append(FieldProblem(f"{at}.applies_to.tiers[{k}]", f"unknown tier {tier!r}"))
        for k, stage in enumerate(model.applies_to.stages):
            if stage not in stages:
                problems.append(FieldProblem(f"{at}.applies_to.stages[{k}]", f"unknown stage {stage!r}"))
    go_live = doc.lifecycle.timeline.go_live
    if go_live and go_live.metric not in metrics:
        problems.append(
            FieldProblem("lifecycle.timeline.go_live.metric", f"unknown metric {go_live.metric!r}")
        )
    if doc.sop is not None:
        problems += sop_problems(doc.sop, [s.key for s in doc.lifecycle.stages], metrics)
    return problems


class ConfigVersionRead(BaseModel):
    """One stored version of one kind."""

    model_config = ConfigDict(from_attributes=True)

    kind: str
    version: int
    body: dict[str, Any]
    author: str | None
    created_at: datetime | None
    active: bool


class ApplyReport(BaseModel):
    """What `apply` did (or would do): the kinds changed, with their new versions."""

    dry_run: bool
    changed: dict[str, int]
    unchanged: list[str]
