"""The churn model evaluated on the company's history, the way the team can check it: time-split backtests at
several cut-off dates, and k-fold cross-validation grouped by account — each with both candidates' figures
(AUC, PR-AUC, top-decile lift, Brier score, reliability curve, bootstrap intervals) and the health score's
AUC on the same accounts and dates.

- A **backtest** at cut-off T learns from the rows whose label window closed by T (as_of + horizon <= T) and
  tests on the rows of the dates in [T, T + horizon): what the model would have said then, against what
  happened next. The cut-offs are spread from the first date with four weeks of closed windows behind it to
  training's split (the last one).
- **k-fold** pools out-of-fold predictions over every row; the folds group the rows by account, so no
  account is learnt from and tested on in the same fold. It ignores time (a fold learns from later dates),
  which is why the backtests come first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold

from lodestar.kit.stats import auc, percentile_interval, resamples
from lodestar.kit.text import Text
from lodestar.predictions.modelling.candidates import CANDIDATES, calibration_method, make_candidate
from lodestar.predictions.modelling.evaluation import CandidateResult, choose
from lodestar.predictions.modelling.metrics import figures
from lodestar.predictions.modelling.refusals import MIN_PER_CLASS
from lodestar.predictions.training import (
    HEALTH,
    MOST_BOOTSTRAP_ROWS,
    MOST_FIT_ROWS,
    MOST_TEST_ROWS,
    ROUNDS,
    TEST_SHARE,
    FeatureSpec,
    at_most,
    prepare,
)

BACKTESTS = 3
LEARN_DAYS = 28  # a backtest's cut-off has at least four weeks of closed label windows to learn from
FOLDS = 5


@dataclass
class Check:
    """One out-of-sample check: a backtest at a cut-off (split_at, test_until) or the k-fold (folds)."""

    split_at: str | None
    test_until: str | None
    folds: int | None
    train_rows: int
    test_rows: int
    candidates: list[CandidateResult]
    chosen: str
    health: dict[str, object]  # rows, auc and model_auc (the chosen candidate's) with intervals


@dataclass
class Skipped:
    """A cut-off left out, and why."""

    split_at: str
    reason: str


@dataclass
class HistoryChecks:
    """The backtests, the cut-offs skipped, and the k-fold."""

    backtests: list[Check]
    skipped: list[Skipped]
    k_fold: Check


def auc_interval(p: np.ndarray, y: np.ndarray, seed: int = 0) -> dict[str, float | None]:
    """The AUC with its bootstrap interval (on at most MOST_BOOTSTRAP_ROWS rows, ROUNDS resamples)."""
    pick = at_most(np.ones(len(p), dtype=bool), MOST_BOOTSTRAP_ROWS, seed)
    p, y = p[pick], y[pick].astype(bool)
    low, high = percentile_interval([auc(p[r], y[r]) for r in resamples(len(p), ROUNDS, seed)])
    return {"value": auc(p, y), "low": low, "high": high}


def _results(predictions: dict[str, np.ndarray], y: np.ndarray, train_rows: int) -> list[CandidateResult]:
    pick = at_most(np.ones(len(y), dtype=bool), MOST_BOOTSTRAP_ROWS)
    return [
        CandidateResult(name, calibration_method(train_rows), figures(p[pick], y[pick], rounds=ROUNDS))
        for name, p in predictions.items()
    ]


def _check(
    rows: pd.DataFrame, y: np.ndarray, predictions: dict[str, np.ndarray], train_rows: int, **where: object
) -> Check:
    """Both candidates' figures and the chosen one against the health score on the rows it scores."""
    results = _results(predictions, y, min(train_rows, MOST_FIT_ROWS))
    chosen, _why = choose(results)
    health = rows[HEALTH].to_numpy(dtype=float) if HEALTH in rows else np.full(len(y), np.nan)
    scored = ~np.isnan(health)
    compared = {
        "rows": int(scored.sum()),
        "auc": auc_interval(-health[scored], y[scored]),
        "model_auc": auc_interval(predictions[chosen][scored], y[scored]),
    }
    return Check(where.get("split_at"), where.get("test_until"), where.get("folds"), train_rows, len(y),  # type: ignore[arg-type]
                 results, chosen, compared)  # fmt: skip


def _fit_predict(
    features: pd.DataFrame, y: np.ndarray, train: np.ndarray, test: np.ndarray
) -> dict[str, np.ndarray]:
    fit = at_most(train, MOST_FIT_ROWS)
    out = {}
    for name in CANDIDATES:
        model = make_candidate(name, features, int(fit.sum()), 0)
        model.fit(features[fit], y[fit])
        out[name] = np.asarray(model.predict_proba(features[test])[:, 1])
    return out


def _few(y: np.ndarray) -> bool:
    positives = int(y.sum())
    return min(positives, len(y) - positives) < MIN_PER_CLASS


def backtest(
    rows: pd.DataFrame, y: np.ndarray, spec: FeatureSpec, cut: pd.Timestamp, horizon: int
) -> Check | Skipped:
    """Learn from the rows whose window closed by the cut, test on the dates in [cut, cut + horizon)."""
    until = cut + pd.Timedelta(days=horizon)
    train = (rows["as_of"] + pd.Timedelta(days=horizon) <= cut).to_numpy()
    test = at_most(((rows["as_of"] >= cut) & (rows["as_of"] < until)).to_numpy(), MOST_TEST_ROWS)
    if _few(y[train]) or _few(y[test]):
        why = Text("fewer than %(min)s churned or renewed rows on one side of the cut-off", min=MIN_PER_CLASS)
        return Skipped(cut.date().isoformat(), why)
    features = prepare(rows, spec)
    found = _fit_predict(features, y, train, test)
    return _check(rows[test], y[test], found, int(train.sum()), split_at=cut.date().isoformat(),
                  test_until=(until - pd.Timedelta(days=1)).date().isoformat())  # fmt: skip


def folds(account_ids: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(training, test) row positions of each fold; an account's rows are all on one side."""
    return list(GroupKFold(FOLDS).split(account_ids, groups=account_ids))


def k_fold(rows: pd.DataFrame, y: np.ndarray, spec: FeatureSpec) -> Check:
    """Out-of-fold predictions over (a sample of) every row, the folds grouped by account."""
    keep = at_most(np.ones(len(y), dtype=bool), MOST_TEST_ROWS)
    rows, y = rows[keep], y[keep]
    features = prepare(rows, spec)
    pooled = {name: np.empty(len(y)) for name in CANDIDATES}
    train_rows = 0
    for train_at, test_at in folds(rows["account_id"].to_numpy()):
        train = np.zeros(len(y), dtype=bool)
        train[train_at] = True
        for name, p in _fit_predict(features, y, train, ~train).items():
            pooled[name][test_at] = p
        train_rows = max(train_rows, len(train_at))
    return _check(rows, y, pooled, train_rows, folds=FOLDS)


def cut_offs(days: pd.Series, horizon: int) -> list[pd.Timestamp]:
    """The backtests' cut-off dates: BACKTESTS dates evenly spread from the first that has LEARN_DAYS of
    closed label windows behind it to training's split (the first date of the latest quarter)."""
    unique = np.sort(days.unique())
    last = int(len(unique) * (1 - TEST_SHARE))
    enough = pd.Timestamp(unique[0]) + pd.Timedelta(days=horizon + LEARN_DAYS)
    first = min(int(np.searchsorted(unique, enough.to_datetime64())), last)
    return sorted({pd.Timestamp(unique[i]) for i in np.linspace(first, last, BACKTESTS).round().astype(int)})


def evaluate_history(rows: pd.DataFrame, y: np.ndarray, spec: FeatureSpec, horizon: int) -> HistoryChecks:
    """Backtests at every cut-off (those with too few of a class skipped, saying so) and the k-fold."""
    done: list[Check] = []
    skipped: list[Skipped] = []
    for cut in cut_offs(rows["as_of"], horizon):
        found = backtest(rows, y, spec, cut, horizon)
        (done if isinstance(found, Check) else skipped).append(found)  # type: ignore[arg-type]
    return HistoryChecks(done, skipped, k_fold(rows, y, spec))
