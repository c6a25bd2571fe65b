"""Evaluates both candidates out of sample (stratified k-fold, or a split in time) and chooses one.

Every prediction scored here comes from a model (and a calibration) fitted without the row it predicts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from lodestar.kit.errors import InvalidInput
from lodestar.kit.text import Text
from lodestar.predictions.modelling.candidates import (
    CANDIDATES,
    LOGISTIC,
    TREES,
    calibration_method,
    make_candidate,
    one_thread,
)
from lodestar.predictions.modelling.metrics import Figures, figures
from lodestar.predictions.modelling.refusals import MIN_PER_CLASS

FOLDS = 5
TEST_SHARE = 0.25  # a time split tests on the latest quarter of the rows
CLEARLY_BETTER = 0.005  # the trees must beat the logistic model's AUC by this much to be chosen


@dataclass(frozen=True)
class Validation:
    """How the predictions were kept out of sample."""

    kind: str  # k_fold | time_split
    folds: int | None
    split_at: str | None
    train_rows: int
    test_rows: int


@dataclass(frozen=True)
class CandidateResult:
    """One candidate's out-of-sample figures."""

    model: str
    calibration: str
    figures: Figures


@dataclass(frozen=True)
class ModelEvaluation:
    """Both candidates side by side and the one chosen, with why."""

    validation: Validation
    candidates: list[CandidateResult]
    chosen: str
    reason: str


@one_thread
def predict(name: str, features: pd.DataFrame, label: np.ndarray, train: np.ndarray, seed: int) -> np.ndarray:
    """Calibrated probabilities for the rows outside `train`, from a candidate fitted on the `train` rows."""
    model = make_candidate(name, features, int(train.sum()), seed)
    model.fit(features[train], label[train])
    return np.asarray(model.predict_proba(features[~train])[:, 1])


def _k_fold(name: str, features: pd.DataFrame, label: np.ndarray, seed: int) -> np.ndarray:
    found = np.empty(len(label))
    for train_at, _ in StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(features, label):
        train = np.zeros(len(label), dtype=bool)
        train[train_at] = True
        found[~train] = predict(name, features, label, train, seed)
    return found


def time_split(times: pd.Series, label: np.ndarray, column: str) -> tuple[np.ndarray, pd.Timestamp]:
    """The training rows (before the cut) and the cut: the latest quarter of the rows is the test."""
    stamps = pd.to_datetime(times, errors="coerce", format="mixed")
    if stamps.isna().any():
        row = int(np.flatnonzero(stamps.isna().to_numpy())[0]) + 1
        raise InvalidInput.one(column, Text("row %(row)s has no readable date", row=row))
    cut = stamps.sort_values().iloc[int(len(stamps) * (1 - TEST_SHARE))]
    train = (stamps < cut).to_numpy()
    for part in (label[train], label[~train]):
        if min(int(part.sum()), len(part) - int(part.sum())) < MIN_PER_CLASS:
            raise InvalidInput.one(
                column,
                Text(
                    "splitting at %(cut)s leaves fewer than %(min)s rows of a class on one side",
                    cut=cut.date().isoformat(),
                    min=MIN_PER_CLASS,
                ),
            )
    return train, cut


def choose(results: list[CandidateResult]) -> tuple[str, str]:
    by_name = {r.model: r.figures for r in results}
    trees, logistic = (by_name[TREES].auc.value or 0.0), (by_name[LOGISTIC].auc.value or 0.0)
    chosen = TREES if trees > logistic + CLEARLY_BETTER else LOGISTIC
    low = by_name[chosen].auc.low
    if low is None or low <= 0.5:
        return chosen, Text(
            "neither model ranks churners better than chance (the AUC interval reaches 0.5): "
            "do not act on these predictions"
        )
    if chosen == TREES:
        return TREES, Text("the trees rank churners better out of sample")
    return LOGISTIC, Text("the trees rank no better out of sample, so the transparent model is kept")


def evaluate_models(
    features: pd.DataFrame,
    label: np.ndarray,
    times: pd.Series | None = None,
    time_column: str = "time",
    seed: int = 0,
) -> ModelEvaluation:
    """Both candidates' out-of-sample figures (k-fold, or a time split when rows carry a time)."""
    if times is None:
        truth = label
        validation = Validation("k_fold", FOLDS, None, len(label) * (FOLDS - 1) // FOLDS, len(label))
        predictions = {name: _k_fold(name, features, label, seed) for name in CANDIDATES}
        rows = len(label) * (FOLDS - 1) // FOLDS
    else:
        train, cut = time_split(times, label, time_column)
        truth = label[~train]
        rows = int(train.sum())
        validation = Validation("time_split", None, cut.date().isoformat(), rows, int((~train).sum()))
        predictions = {name: predict(name, features, label, train, seed) for name in CANDIDATES}
    results = [
        CandidateResult(name, calibration_method(rows), figures(predictions[name], truth))
        for name in CANDIDATES
    ]
    chosen, reason = choose(results)
    return ModelEvaluation(validation, results, chosen, reason)
