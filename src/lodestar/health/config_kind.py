"""The configuration kind `health`: health models, checked against the metrics, tiers and stages named."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from lodestar.analytics.metric_columns import known_metrics
from lodestar.config import service as config_service
from lodestar.config.kinds import ConfigDocument, ConfigKind, register
from lodestar.health.schemas import HealthConfig
from lodestar.kit.errors import FieldProblem

DEFAULTS = Path(__file__).parent / "defaults"


def health_problems(doc: ConfigDocument) -> list[FieldProblem]:
    """Unknown metric columns, tiers or stages named in the health models."""
    metrics = known_metrics(doc)
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
    return problems


KIND = register(ConfigKind("health", HealthConfig, DEFAULTS / "health.yaml", order=10, check=health_problems))


def current(session: Session) -> tuple[HealthConfig, int]:
    """The active health models and their version."""
    return config_service.current(session, KIND.name, HealthConfig)
