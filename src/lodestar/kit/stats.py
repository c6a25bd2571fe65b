"""Statistics every backtest and effect estimate shares: ranks, AUC, lift, bootstrap intervals, a
cohort-stratified mean difference and Spearman's rho.

Resamples are drawn as index (or count) matrices, one row per resample, in blocks that keep memory bounded;
nothing loops over resamples times rows in Python.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

BLOCK_CELLS = 1_000_000  # resample rows x observations drawn at once (4 MB of int32: stays in cache)
RANK_BLOCK_CELLS = 250_000  # smaller: the rank arithmetic runs several passes, faster while in cache
LEVEL = 0.95


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its bootstrap interval (None where it cannot be computed)."""

    value: float | None
    low: float | None
    high: float | None


NOTHING = Estimate(None, None, None)


def _blocks(resamples: int, width: int, cells: int = BLOCK_CELLS) -> Iterator[int]:
    """Sizes of resample blocks so that block x width stays under `cells`."""
    step = max(1, cells // max(width, 1))
    done = 0
    while done < resamples:
        size = min(step, resamples - done)
        yield size
        done += size


def bootstrap_means(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """The mean of each of `resamples` resamples (with replacement) of values."""
    n = len(values)
    out = np.empty(resamples)
    at = 0
    for size in _blocks(resamples, n):
        idx = rng.integers(0, n, size=(size, n), dtype=np.int32)
        out[at : at + size] = values[idx].mean(axis=1)
        at += size
    return out


def _interval(samples: np.ndarray) -> tuple[float, float]:
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return float(low), float(high)


def percentile_interval(samples: list[float | None], minimum: int = 10) -> tuple[float | None, float | None]:
    """The 95% percentile interval of bootstrap samples, ignoring None; (None, None) below `minimum` kept."""
    kept = np.array([s for s in samples if s is not None])
    if len(kept) < minimum:
        return None, None
    return _interval(kept)


def resamples(n: int, rounds: int, seed: int) -> Iterator[np.ndarray]:
    """`rounds` index arrays, each n draws with replacement from range(n) (none when n is 0)."""
    rng = np.random.default_rng(seed)
    for _ in range(rounds if n else 0):
        yield rng.integers(0, n, n)


def average_ranks(values: np.ndarray) -> np.ndarray:
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


def auc(risk: np.ndarray, positive: np.ndarray) -> float | None:
    """Probability that a random positive carries more risk than a random negative (ties count half)."""
    positives = int(positive.sum())
    negatives = len(positive) - positives
    if positives == 0 or negatives == 0:
        return None
    ranks = average_ranks(risk)
    return float((ranks[positive].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def lift(risk: np.ndarray, positive: np.ndarray, share: float = 0.1) -> float | None:
    """Positive rate among the riskiest `share` of rows over the overall positive rate."""
    base = positive.mean() if len(positive) else 0.0
    if base == 0:
        return None
    k = max(1, math.ceil(len(risk) * share))
    worst = np.argsort(-risk, kind="mergesort")[:k]
    return float(positive[worst].mean() / base)


def stratified_difference(
    values: np.ndarray,
    treated: np.ndarray,
    cohorts: np.ndarray,
    *,
    resamples: int = 1000,
    seed: int = 0,
) -> tuple[Estimate, int, int, int]:
    """Mean(treated) - mean(untreated) within each cohort, weighted by cohort size, with a bootstrap CI.

    Cohorts lacking either group are dropped. Returns the estimate and the treated, untreated and cohort
    counts that it rests on.
    """
    rng = np.random.default_rng(seed)
    codes, cohort_ids = np.unique(cohorts, return_inverse=True)
    effect = 0.0
    samples = np.zeros(resamples)
    n_treated = n_untreated = kept = 0
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    for c in range(len(codes)):
        here = cohort_ids == c
        t, u = values[here & treated], values[here & ~treated]
        if len(t) and len(u):
            parts.append((t, u))
    total = sum(len(t) + len(u) for t, u in parts)
    for t, u in parts:
        weight = (len(t) + len(u)) / total
        effect += weight * (t.mean() - u.mean())
        samples += weight * (bootstrap_means(t, resamples, rng) - bootstrap_means(u, resamples, rng))
        n_treated += len(t)
        n_untreated += len(u)
        kept += 1
    if not parts:
        return NOTHING, 0, 0, 0
    low, high = _interval(samples)
    return Estimate(float(effect), low, high), n_treated, n_untreated, kept


def _ranks(counts: np.ndarray, starts: np.ndarray | None) -> np.ndarray:
    """Average ranks inside every resample, for observations already in sorted order.

    `counts` (resamples x n) says how often each observation was drawn; an observation drawn k times holds
    k consecutive ranks, and ties (`starts` marks where each run of equal values begins, None when there
    are no ties) share the mean of the ranks they span.
    """
    if starts is None:
        return np.cumsum(counts, axis=1) - (counts - 1) / 2
    first = np.flatnonzero(starts)
    per_group = np.add.reduceat(counts, first, axis=1)
    mean_rank = np.cumsum(per_group, axis=1) - (per_group - 1) / 2
    return np.repeat(mean_rank, np.diff(np.append(first, counts.shape[1])), axis=1)


def _tie_starts(sorted_values: np.ndarray) -> np.ndarray | None:
    starts = np.ones(len(sorted_values), dtype=bool)
    starts[1:] = sorted_values[1:] != sorted_values[:-1]
    return None if starts.all() else starts


def _weighted_pearson(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Pearson correlation per row of x and y with weights w (rows are resamples), from weighted sums."""
    sw = w.sum(axis=1)
    sx, sy = np.einsum("ij,ij->i", w, x), np.einsum("ij,ij->i", w, y)
    cov = np.einsum("ij,ij,ij->i", w, x, y) - sx * sy / sw
    vx = np.einsum("ij,ij,ij->i", w, x, x) - sx * sx / sw
    vy = np.einsum("ij,ij,ij->i", w, y, y) - sy * sy / sw
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((vx > 1e-12 * sw * sw) & (vy > 1e-12 * sw * sw), cov / np.sqrt(vx * vy), np.nan)


def spearman(x: np.ndarray, y: np.ndarray, *, resamples: int = 1000, seed: int = 0) -> Estimate:
    """Spearman's rank correlation with a percentile bootstrap interval (None when a side is constant)."""
    n = len(x)
    if n < 3 or np.all(x == x[0]) or np.all(y == y[0]):
        return NOTHING
    by_x = np.argsort(x, kind="stable")
    x, y = x[by_x], y[by_x]
    by_y = np.argsort(y, kind="stable")  # positions (in x order) sorted by y
    x_ties, y_ties = _tie_starts(x), _tie_starts(y[by_y])

    def rho(counts: np.ndarray) -> np.ndarray:
        rx = _ranks(counts, x_ties)[:, by_y]
        in_y = counts[:, by_y]
        return _weighted_pearson(rx, _ranks(in_y, y_ties), in_y)

    point = float(rho(np.ones((1, n)))[0])
    rng = np.random.default_rng(seed)
    samples: list[np.ndarray] = []
    for size in _blocks(resamples, n, RANK_BLOCK_CELLS):
        draws = rng.integers(0, n, size=(size, n)) + (np.arange(size) * n)[:, None]
        counts = np.bincount(draws.ravel(), minlength=size * n).reshape(size, n).astype(float)
        samples.append(rho(counts))
    boot = np.concatenate(samples)
    boot = boot[~np.isnan(boot)]
    if len(boot) < resamples // 2:
        return Estimate(point, None, None)
    low, high = _interval(boot)
    return Estimate(point, low, high)
