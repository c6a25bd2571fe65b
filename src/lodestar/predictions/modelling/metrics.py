"""How far a model's probabilities can be trusted: AUC, PR-AUC, top-decile lift, Brier score and a
reliability curve, each with a percentile-bootstrap 95% interval (the resamples of `kit.stats`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lodestar.kit.stats import LEVEL, Estimate, auc, bootstrap_means, lift, percentile_interval, resamples

ROUNDS = 1000
SEED = 20240607
BINS = 10


@dataclass(frozen=True)
class ReliabilityBin:
    """One tenth of the rows by predicted probability: mean prediction against the observed rate."""

    rows: int
    predicted: float
    observed: Estimate


@dataclass(frozen=True)
class Figures:
    """The evaluation of one set of predictions against what happened."""

    rows: int
    positives: int
    auc: Estimate
    pr_auc: Estimate
    top_decile_lift: Estimate
    brier: Estimate
    reliability: list[ReliabilityBin]


def average_precision(risk: np.ndarray, positive: np.ndarray) -> float | None:
    """Area under the precision-recall curve as average precision (scikit-learn's definition, ties as one
    threshold: the sum over thresholds of the recall gained times the precision there); None without a
    positive. Computed here because scikit-learn's checks of its input took most of a bootstrap's time."""
    if not positive.any():
        return None
    order = np.argsort(risk, kind="mergesort")[::-1]  # riskiest first, as scikit-learn orders them
    hits = np.cumsum(positive[order])
    last = np.r_[np.flatnonzero(np.diff(risk[order])), len(risk) - 1]  # each threshold's last row
    found = hits[last]
    return float(np.sum(np.diff(found, prepend=0) / found[-1] * (found / (last + 1))))


def _brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p - y) ** 2))


def reliability(p: np.ndarray, y: np.ndarray, rounds: int = ROUNDS, seed: int = SEED) -> list[ReliabilityBin]:
    """Deciles of the predicted probability, each with its mean prediction and observed rate (with CI)."""
    rng = np.random.default_rng(seed)
    order = np.argsort(p, kind="mergesort")
    bins = []
    for part in np.array_split(order, BINS):
        if not len(part):
            continue
        observed = y[part].astype(float)
        draws = bootstrap_means(observed, rounds, rng)
        tail = (1 - LEVEL) / 2 * 100
        low, high = np.percentile(draws, [tail, 100 - tail])
        rate = Estimate(float(observed.mean()), float(low), float(high))
        bins.append(ReliabilityBin(len(part), float(p[part].mean()), rate))
    return bins


def figures(p: np.ndarray, y: np.ndarray, rounds: int = ROUNDS, seed: int = SEED) -> Figures:
    """Every figure of predictions `p` (probabilities) against outcomes `y`, with bootstrap intervals."""
    y = y.astype(bool)
    samples: dict[str, list[float | None]] = {"auc": [], "pr": [], "lift": [], "brier": []}
    for pick in resamples(len(p), rounds, seed):
        pp, yy = p[pick], y[pick]
        samples["auc"].append(auc(pp, yy))
        samples["pr"].append(average_precision(pp, yy))
        samples["lift"].append(lift(pp, yy))
        samples["brier"].append(_brier(pp, yy))

    def estimate(point: float | None, key: str) -> Estimate:
        return Estimate(point, *percentile_interval(samples[key]))

    return Figures(
        rows=len(p),
        positives=int(y.sum()),
        auc=estimate(auc(p, y), "auc"),
        pr_auc=estimate(average_precision(p, y), "pr"),
        top_decile_lift=estimate(lift(p, y), "lift"),
        brier=estimate(_brier(p, y), "brier"),
        reliability=reliability(p, y, rounds, seed),
    )
