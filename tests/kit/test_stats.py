"""Shared statistics: ranks, AUC, lift and bootstrap intervals against values worked out by hand."""

from __future__ import annotations

import numpy as np

from lodestar.kit.stats import auc, average_ranks, lift, percentile_interval, resamples


def test_average_ranks_share_ties():
    assert average_ranks(np.array([10.0, 20.0, 20.0, 5.0])).tolist() == [2.0, 3.5, 3.5, 1.0]


def test_auc_counts_ties_as_half():
    # positives at risk 3 and 2, negatives at 2 and 1: pairs (3>2, 3>1, 2=2, 2>1) -> 3.5 of 4
    risk = np.array([3.0, 2.0, 2.0, 1.0])
    positive = np.array([True, True, False, False])
    assert auc(risk, positive) == 0.875


def test_auc_needs_both_classes():
    assert auc(np.array([1.0, 2.0]), np.array([True, True])) is None


def test_lift_is_the_riskiest_share_over_the_base_rate():
    risk = np.arange(10, dtype=float)  # the riskiest 10% is the last row
    positive = np.zeros(10, dtype=bool)
    positive[[9, 0]] = True
    assert lift(risk, positive) == 1.0 / 0.2


def test_resamples_are_seeded_and_empty_for_no_rows():
    first = [r.tolist() for r in resamples(5, 3, seed=1)]
    assert first == [r.tolist() for r in resamples(5, 3, seed=1)]
    assert all(0 <= i < 5 for r in first for i in r) and len(first) == 3
    assert list(resamples(0, 3, seed=1)) == []


def test_percentile_interval_ignores_missing_and_needs_enough_samples():
    samples: list[float | None] = [float(i) for i in range(101)] + [None]
    low, high = percentile_interval(samples)
    assert low is not None and high is not None
    assert round(low, 9) == 2.5 and round(high, 9) == 97.5
    assert percentile_interval([1.0, None]) == (None, None)
