"""The two candidate models, each calibrated out of sample: gradient-boosted trees (LightGBM) and a
regularised logistic regression, the transparent alternative.

Calibration follows scikit-learn's `CalibratedClassifierCV(ensemble=False)`: the calibrator is fitted on
cross-validated predictions of the training rows, then the model is refitted on all of them, so one model
(whose SHAP contributions explain it) sits under one calibration map.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

TREES, LOGISTIC = "lightgbm", "logistic"
CANDIDATES = (TREES, LOGISTIC)
ISOTONIC_FROM = 1000  # isotonic regression overfits small samples; Platt scaling below this many rows
CALIBRATION_FOLDS = 3
_P = ParamSpec("_P")
_R = TypeVar("_R")


def one_thread(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Runs `fn` with BLAS and OpenMP held to one thread. The logistic model's products are small (tens of
    thousands of rows by a few dozen columns): a second BLAS thread saves nothing, and on a shared machine
    its spin-waits made each fit several times slower (measured: a calibrated fit 11 s against 1.6 s)."""

    @functools.wraps(fn)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with threadpool_limits(limits=1):
            return fn(*args, **kwargs)

    return run


def _trees(seed: int) -> Any:
    from lightgbm import LGBMClassifier  # loads OpenMP: only when a model is fitted

    # Shallow trees, fewer of them: the risk factors' SHAP values (TreeSHAP) cost trees x leaves x depth^2
    # per account. 200 trees of 15 leaves (depth 8 on average) took 40 s for 100,000 accounts; 100 trees
    # of depth 3 take a tenth of it, and ranked as well or better out of sample (the benchmark's history,
    # a planted table and one with three-way interactions; docs/predictions.md).
    return LGBMClassifier(
        n_estimators=100,
        learning_rate=0.1,
        max_depth=3,
        num_leaves=8,
        min_child_samples=20,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.8,
        reg_lambda=1.0,
        random_state=seed,
        n_jobs=1,  # small tables: threads cost more than they save, and the machine is shared
        force_col_wise=True,  # skips LightGBM's timing of both layouts on every fit; the trees are the same
        verbose=-1,
    )


def _logistic(numbers: Sequence[str], categories: Sequence[str]) -> Pipeline:
    parts: list[tuple[str, Any, list[str]]] = []
    if numbers:
        numeric = make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True), StandardScaler()
        )
        parts.append(("numbers", numeric, list(numbers)))
    if categories:
        parts.append(
            ("categories", OneHotEncoder(handle_unknown="ignore", min_frequency=5), list(categories))
        )
    encode = ColumnTransformer(parts, remainder="drop")
    return Pipeline([("encode", encode), ("model", LogisticRegression(C=1.0, max_iter=2000))])


def calibration_method(rows: int) -> str:
    """Isotonic with enough rows to fit a step function, Platt's sigmoid otherwise."""
    return "isotonic" if rows >= ISOTONIC_FROM else "sigmoid"


def make_candidate(name: str, features: pd.DataFrame, rows: int, seed: int = 0) -> CalibratedClassifierCV:
    """An unfitted, calibrated candidate for a feature frame (categoricals are pandas categories)."""
    categories = [c for c in features.columns if isinstance(features[c].dtype, pd.CategoricalDtype)]
    numbers = [c for c in features.columns if c not in categories]
    model = _trees(seed) if name == TREES else _logistic(numbers, categories)
    folds = StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=seed)
    return CalibratedClassifierCV(model, method=calibration_method(rows), cv=folds, ensemble=False)


def fitted_model(calibrated: CalibratedClassifierCV) -> Any:
    """The one model under a fitted calibration (refitted on all training rows)."""
    return calibrated.calibrated_classifiers_[0].estimator


def plain_logistic(features: pd.DataFrame) -> Pipeline:
    """The uncalibrated logistic pipeline for a feature frame: for scores that only rank (star cut-offs are
    set on the scores themselves, so a calibration's ties would only coarsen them)."""
    categories = [c for c in features.columns if isinstance(features[c].dtype, pd.CategoricalDtype)]
    return _logistic([c for c in features.columns if c not in categories], categories)
