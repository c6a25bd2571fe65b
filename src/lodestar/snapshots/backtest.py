"""Backtest figures: AUC and worst-decile lift of health against churn, with bootstrap CIs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

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


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks with ties sharing their average rank."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    start = np.r_[True, ordered[1:] != ordered[:-1]]
    group = np.cumsum(start) - 1
    first = np.flatnonzero(start)
    last = np.r_[first[1:], len(values)] - 1
    ranks = np.empty(len(values))
    ranks[order] = (first[group] + last[group]) / 2 + 1
    return ranks


def auc(risk: np.ndarray, churned: np.ndarray) -> float | None:
    """Probability that a random churner carries more risk than a random stayer (ties count half)."""
    positives = int(churned.sum())
    negatives = len(churned) - positives
    if positives == 0 or negatives == 0:
        return None
    ranks = _average_ranks(risk)
    return float((ranks[churned].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def lift(risk: np.ndarray, churned: np.ndarray, share: float = 0.1) -> float | None:
    """Churn rate among the riskiest `share` of accounts over the overall churn rate."""
    base = churned.mean() if len(churned) else 0.0
    if base == 0:
        return None
    k = max(1, math.ceil(len(risk) * share))
    worst = np.argsort(-risk, kind="mergesort")[:k]
    return float(churned[worst].mean() / base)


def _interval(samples: list[float | None]) -> tuple[float | None, float | None]:
    kept = np.array([s for s in samples if s is not None])
    if len(kept) < 10:
        return None, None
    low, high = np.percentile(kept, [2.5, 97.5])
    return float(low), float(high)


def figures(score: np.ndarray, churned: np.ndarray, rounds: int = BOOTSTRAP, seed: int = SEED) -> Figures:
    """AUC and lift of a health score (low = risky) with percentile-bootstrap 95% intervals."""
    keep = ~np.isnan(score)
    risk, labels = -score[keep], churned[keep].astype(bool)
    n = len(risk)
    rng = np.random.default_rng(seed)
    aucs: list[float | None] = []
    lifts: list[float | None] = []
    for _ in range(rounds if n else 0):
        pick = rng.integers(0, n, n)
        aucs.append(auc(risk[pick], labels[pick]))
        lifts.append(lift(risk[pick], labels[pick]))
    return Figures(
        n, int(labels.sum()), auc(risk, labels), *_interval(aucs), lift(risk, labels), *_interval(lifts)
    )
