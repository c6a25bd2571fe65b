"""The configuration kind `success_plans`: milestone templates, checked against stages, tiers and metrics."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from lodestar.analytics.metric_columns import known_metrics
from lodestar.config import service as config_service
from lodestar.config.kinds import ConfigDocument, ConfigKind, register
from lodestar.kit.errors import FieldProblem
from lodestar.kit.text import N_, Text
from lodestar.success_plans.schemas import SuccessPlanSettings

DEFAULTS = Path(__file__).parent / "defaults"


def template_problems(doc: ConfigDocument) -> list[FieldProblem]:
    """Stages, tiers and metrics the templates name that the rest of the document does not define."""
    config = doc.get("success_plans")
    if not isinstance(config, SuccessPlanSettings):  # left out of an older document: nothing to check
        return []
    metrics = known_metrics(doc)
    # Read by attribute: lifecycle sits above this domain, so its model is not imported here.
    lifecycle, tiers = getattr(doc, "lifecycle", None), getattr(doc, "tiers", None)
    stages = {s.key for s in lifecycle.stages} if lifecycle is not None else None
    tier_keys = {t.key for t in tiers.tiers} if tiers is not None else None
    problems = []
    for i, template in enumerate(config.templates):
        at = f"success_plans.templates[{i}]"
        if stages is not None and template.stage not in stages:
            problems.append(
                FieldProblem(f"{at}.stage", Text(N_("unknown stage %(key)s"), key=template.stage))
            )
        for j, tier in enumerate(template.tiers):
            if tier_keys is not None and tier not in tier_keys:
                problems.append(FieldProblem(f"{at}.tiers[{j}]", Text(N_("unknown tier %(key)s"), key=tier)))
        for j, milestone in enumerate(template.milestones):
            if milestone.metric is not None and milestone.metric not in metrics:
                problems.append(
                    FieldProblem(
                        f"{at}.milestones[{j}].metric",
                        Text(N_("unknown metric %(key)s"), key=milestone.metric),
                    )
                )
    return problems


# Documents exported before success plans existed have none; applying one leaves the templates as they are.
KIND = register(
    ConfigKind(
        "success_plans",
        SuccessPlanSettings,
        DEFAULTS / "success_plans.yaml",
        order=90,
        check=template_problems,
        optional=True,
    )
)


def current(session: Session) -> tuple[SuccessPlanSettings, int]:
    """The active templates and their version (0 for the package defaults)."""
    return config_service.current(session, KIND.name, SuccessPlanSettings)
