"""Star cut-offs: two score thresholds chosen on out-of-sample training scores so that the three groups'
observed target rates are as clearly apart as the data allows — not fixed thirds.

Candidates are pairs of score quantiles (every 5%); each group must hold at least a tenth of the rows. The
chosen pair maximises the smaller of the two gaps between one group's Wilson 95% interval and the next
one's (lower bound of the higher group minus upper bound of the lower), so a positive value means the
intervals do not overlap.
"""

from __future__ import annotations

import numpy as np

GRID = np.arange(0.05, 0.951, 0.05)
MIN_SHARE = 0.1


def wilson(hits: int, n: int) -> tuple[float | None, float | None]:
    """The Wilson 95% interval of a rate (None, None without rows)."""
    if n == 0:
        return None, None
    from scipy.stats import binomtest  # scipy takes a second to import: only when an interval is asked

    found = binomtest(hits, n).proportion_ci(confidence_level=0.95, method="wilson")
    return float(found.low), float(found.high)


def stars_of(score: np.ndarray, cutoffs: tuple[float, float]) -> np.ndarray:
    """1, 2 or 3 stars per score: one more at or above each cut-off."""
    low, high = cutoffs
    return 1 + (score >= low).astype(np.int64) + (score >= high).astype(np.int64)


def _separation(score: np.ndarray, hit: np.ndarray, cutoffs: tuple[float, float]) -> float | None:
    stars = stars_of(score, cutoffs)
    bounds = []
    for level in (1, 2, 3):
        mine = stars == level
        n = int(mine.sum())
        if n < MIN_SHARE * len(score):
            return None
        bounds.append(wilson(int(hit[mine].sum()), n))
    gaps = [bounds[k + 1][0] - bounds[k][1] for k in (0, 1)]  # type: ignore[operator]
    return float(min(gaps))


def choose(score: np.ndarray, hit: np.ndarray) -> tuple[float, float]:
    """The pair of thresholds whose groups' intervals are furthest apart (tertiles when no pair qualifies)."""
    levels = np.unique(np.quantile(score, GRID))
    best: tuple[float, tuple[float, float]] | None = None
    for i, low in enumerate(levels):
        for high in levels[i + 1 :]:
            found = _separation(score, hit, (float(low), float(high)))
            if found is not None and (best is None or found > best[0]):
                best = (found, (float(low), float(high)))
    if best is None:
        third, two_thirds = np.quantile(score, [1 / 3, 2 / 3])
        return float(third), float(two_thirds)
    return best[1]
