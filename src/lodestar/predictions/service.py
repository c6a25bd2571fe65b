"""Predictions' entry point: evaluate a labelled table; train, store and score the churn model."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lodestar.kit.errors import InvalidInput
from lodestar.kit.text import Text
from lodestar.predictions.modelling import feature_typing, label_values, refusals, table_files
from lodestar.predictions.modelling.evaluation import evaluate_models
from lodestar.predictions.schemas import (
    CandidateRead,
    DroppedRead,
    FeatureRead,
    TableEvaluationRead,
    ValidationRead,
)


def evaluate_table(
    path: Path, id_column: str, label_column: str, time_column: str | None = None, positive: str | None = None
) -> TableEvaluationRead:
    """Types a labelled table's columns, evaluates both candidate models out of sample and chooses one."""
    frame = table_files.read_table(path)
    refusals.known_columns(frame, {"--id": id_column, "--label": label_column, "--time": time_column})
    refusals.unique_ids(frame[id_column], id_column)
    label = label_values.parse_label(frame[label_column], label_column, positive)
    refusals.enough_rows(label, label_column)
    exclude = [c for c in (id_column, label_column, time_column) if c]
    plan = feature_typing.plan_features(frame, exclude)
    if not plan.columns:
        raise InvalidInput.one("table", Text("no column is left to learn from"))
    times = frame[time_column] if time_column else None
    # a date column is read as an age at the row's own time when rows carry one
    reference = None if times is None else pd.to_datetime(times, errors="coerce", format="mixed")
    features = feature_typing.apply_plan(plan, frame, reference)
    refusals.no_leaks(features, label)
    found = evaluate_models(features, label, times, time_column or "--time")
    return TableEvaluationRead(
        rows=len(label),
        positives=int(label.sum()),
        features=[FeatureRead.model_validate(c) for c in plan.columns],
        dropped=[DroppedRead.model_validate(d) for d in plan.dropped],
        validation=ValidationRead.model_validate(found.validation),
        candidates=[CandidateRead.model_validate(c) for c in found.candidates],
        chosen=found.chosen,
        reason=found.reason,
    )
