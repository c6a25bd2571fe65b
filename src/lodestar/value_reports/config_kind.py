"""The configuration kind `value_reports`: value metrics and ranking, checked against the known metrics."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from lodestar.analytics.metric_columns import known_metrics
from lodestar.config import service as config_service
from lodestar.config.kinds import ConfigDocument, ConfigKind, register
from lodestar.kit.errors import FieldProblem
from lodestar.kit.text import N_, Text
from lodestar.value_reports.schemas import FEATURE_PREFIX, REPORT_METRICS, ValueReportSettings

DEFAULTS = Path(__file__).parent / "defaults"


def metric_known(metric: str, metrics: frozenset[str]) -> bool:
    """Whether a value metric's input is a report figure, a feature's events or a snapshot metric."""
    if metric.startswith(FEATURE_PREFIX):
        return bool(metric[len(FEATURE_PREFIX) :].strip())
    return metric in REPORT_METRICS or metric in metrics


def metric_problems(doc: ConfigDocument) -> list[FieldProblem]:
    """The value metrics' inputs and the ranking metric that no figure or metric of the document defines."""
    config = doc.get("value_reports")
    if not isinstance(config, ValueReportSettings):  # left out of an older document: nothing to check
        return []
    metrics = known_metrics(doc)
    problems = []
    for i, item in enumerate(config.value_metrics):
        if not metric_known(item.metric, metrics):
            message = Text(N_("unknown metric %(key)s"), key=item.metric)
            problems.append(FieldProblem(f"value_reports.value_metrics[{i}].metric", message))
    keys = [m.key for m in config.value_metrics]
    for i, key in enumerate(keys):
        if key in keys[:i]:
            problems.append(FieldProblem(f"value_reports.value_metrics[{i}].key", Text(N_("is used twice"))))
    if config.ranking_metric not in metrics:
        message = Text(N_("unknown metric %(key)s"), key=config.ranking_metric)
        problems.append(FieldProblem("value_reports.ranking_metric", message))
    if config.size_bands != sorted(set(config.size_bands)) or any(b <= 0 for b in config.size_bands):
        problems.append(FieldProblem("value_reports.size_bands", Text(N_("must be positive and increasing"))))
    return problems


# Documents exported before value reports existed have none; applying one leaves the settings as they are.
KIND = register(
    ConfigKind(
        "value_reports",
        ValueReportSettings,
        DEFAULTS / "value_reports.yaml",
        order=110,
        check=metric_problems,
        optional=True,
    )
)


def current(session: Session) -> tuple[ValueReportSettings, int]:
    """The active settings and their version (0 for the package defaults)."""
    return config_service.current(session, KIND.name, ValueReportSettings)
