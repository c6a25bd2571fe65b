"""What the predictions domain answers with: evaluations of a model against what happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, SkipValidation

# A sentence for people: a kit.text.Text kept as is (validation would turn it into a plain str and lose
# its catalogue id), so the CLI and pages can show it in the reader's language.
Sentence = Annotated[str, SkipValidation]


class IntervalRead(BaseModel):
    """A figure and its bootstrap 95% interval (None where it cannot be computed)."""

    model_config = ConfigDict(from_attributes=True)

    value: float | None
    low: float | None
    high: float | None


class ReliabilityBinRead(BaseModel):
    """One tenth of the rows by predicted probability."""

    model_config = ConfigDict(from_attributes=True)

    rows: int
    predicted: float
    observed: IntervalRead


class FiguresRead(BaseModel):
    """AUC, PR-AUC, top-decile lift, Brier score and the reliability curve of one set of predictions."""

    model_config = ConfigDict(from_attributes=True)

    rows: int
    positives: int
    auc: IntervalRead
    pr_auc: IntervalRead
    top_decile_lift: IntervalRead
    brier: IntervalRead
    reliability: list[ReliabilityBinRead]


class CandidateRead(BaseModel):
    """One candidate model's out-of-sample figures."""

    model_config = ConfigDict(from_attributes=True)

    model: str
    calibration: str
    figures: FiguresRead


class ValidationRead(BaseModel):
    """How predictions were kept out of sample: k-fold or a split in time."""

    model_config = ConfigDict(from_attributes=True)

    kind: str
    folds: int | None
    split_at: str | None
    train_rows: int
    test_rows: int


class FeatureRead(BaseModel):
    """A column used as a feature and the kind it was read as."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    kind: str


class DroppedRead(BaseModel):
    """A column left out, and why."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    reason: Sentence


class TableEvaluationRead(BaseModel):
    """`predict churn evaluate --table`: the table, its features and both candidates side by side."""

    rows: int
    positives: int
    features: list[FeatureRead]
    dropped: list[DroppedRead]
    validation: ValidationRead
    candidates: list[CandidateRead]
    chosen: str
    reason: Sentence


@dataclass(frozen=True)
class ContractOutcomes:
    """What the churn label is read from, handed down by the renewals domain: per contract, its account,
    the day it came due (datetime64[D]) and whether a contract renews it. `settle_days`: how long after the
    due day a renewing contract may still start (the successor rule's tolerance) — a label is final only
    then."""

    account_id: np.ndarray
    due: np.ndarray
    renewed: np.ndarray
    settle_days: int = 0


class HealthComparisonRead(BaseModel):
    """The chosen model against the health score on the same rows (those the health score scores)."""

    rows: int
    auc: IntervalRead
    model_auc: IntervalRead


class HistoryCheckRead(BaseModel):
    """One check on the history: a backtest at a cut-off (split_at .. test_until) or the k-fold (folds)."""

    model_config = ConfigDict(from_attributes=True)

    split_at: str | None
    test_until: str | None
    folds: int | None
    train_rows: int
    test_rows: int
    candidates: list[CandidateRead]
    chosen: str
    health: HealthComparisonRead


class SkippedCheckRead(BaseModel):
    """A backtest cut-off left out, and why."""

    model_config = ConfigDict(from_attributes=True)

    split_at: str
    reason: Sentence


class HistoryEvaluationRead(BaseModel):
    """`predict churn evaluate` on the history: backtests at several cut-offs, the grouped k-fold, health."""

    as_of: str
    horizon_days: int
    first_date: str
    last_date: str
    rows: int
    positives: int
    features: list[str]
    backtests: list[HistoryCheckRead]
    skipped: list[SkippedCheckRead]
    k_fold: HistoryCheckRead
