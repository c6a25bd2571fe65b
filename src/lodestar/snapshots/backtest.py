"""Backtest figures: AUC and worst-decile lift of health against churn, with bootstrap CIs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lodestar.kit.stats import auc, lift, percentile_interval, resamples

BOOTSTRAP = 1000
SEED = 20240607


@dataclass(frozen=True)
class Figures:
    """How well low health ranked the churners: AUC and worst-decile lift, each with a 95% interval."""

    accounts: int
    churned: int
    auc: float | None
    auc_low: float | None
    auc_high: float | None
    lift: float | None
    lift_low: float | None
    lift_high: float | None


def figures(score: np.ndarray, churned: np.ndarray, rounds: int = BOOTSTRAP, seed: int = SEED) -> Figures:
    """AUC and lift of a health score (low = risky) with percentile-bootstrap 95% intervals."""
    keep = ~np.isnan(score)
    risk, labels = -score[keep], churned[keep].astype(bool)
    aucs: list[float | None] = []
    lifts: list[float | None] = []
    for pick in resamples(len(risk), rounds, seed):
        aucs.append(auc(risk[pick], labels[pick]))
        lifts.append(lift(risk[pick], labels[pick]))
    return Figures(
        len(risk),
        int(labels.sum()),
        auc(risk, labels),
        *percentile_interval(aucs),
        lift(risk, labels),
        *percentile_interval(lifts),
    )
