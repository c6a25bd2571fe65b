"""Set-based level computation: a snapshot's metric columns in, dimension scores and levels out, plus the
next-level gap of one account (which dimensions fall short, by how much, and the metric values that would
close it).

A dimension is the weighted mean of its metrics' threshold scores over the metrics that have data (weights
re-normalised, as health does); a dimension with no data at all has no score and reaches no minimum above
0. Minimums never decrease from level to level, so "every dimension reaches level k" implies it reaches
every lower level, and the level is the count of levels reached.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from lodestar.health import service as health_service
from lodestar.levels.schemas import TOP_LEVEL, Dimension, LevelMetric, LevelsConfig


@dataclass(frozen=True)
class Levels:
    """Per row of the input table: each dimension's score (NaN: no data), its coverage, and the level."""

    account_ids: np.ndarray  # (n,) int64
    scores: np.ndarray  # (d, n) 0-100 or NaN
    coverage: np.ndarray  # (d, n) share of the dimension's weight that had data
    levels: np.ndarray  # (n,) int 0..4


# A metric column as float64 with NaN for null, read exactly as health reads it.
metric_values = health_service.metric_values


def metric_scores(values: np.ndarray, metric: LevelMetric) -> np.ndarray:
    """0-100 score of each value by the metric's thresholds (health's measure scoring; NaN stays NaN)."""
    return health_service.threshold_scores(values, metric.scoring)


def _dimension(table: pa.Table, dim: Dimension) -> tuple[np.ndarray, np.ndarray]:
    """The dimension's score (NaN without data) and coverage on every row."""
    present = np.zeros(table.num_rows)
    weighted = np.zeros(table.num_rows)
    for metric in dim.metrics:
        scores = metric_scores(metric_values(table, metric.metric), metric)
        has = ~np.isnan(scores)
        present += has * metric.weight
        weighted += np.where(has, scores, 0.0) * metric.weight
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(present > 0, weighted / np.where(present > 0, present, 1.0), np.nan)
    return score, present / sum(m.weight for m in dim.metrics)


def level_of(scores: np.ndarray, minimums: np.ndarray) -> np.ndarray:
    """The level of each column of `scores` (d, n) given `minimums` (d, 4): the highest k for which every
    dimension's score is at or above its k-th minimum (a dimension without a score reaches only minimums of
    0)."""
    filled = np.where(np.isnan(scores), -np.inf, scores)
    reached = np.ones(scores.shape[1], dtype=bool)
    level = np.zeros(scores.shape[1], dtype=np.int64)
    for k in range(TOP_LEVEL):
        need = minimums[:, k][:, None]
        reached &= ((filled >= need) | (need <= 0)).all(axis=0)
        level += reached
    return level


def minimums_of(config: LevelsConfig) -> np.ndarray:
    """(d, 4): each dimension's minimum for levels 1..4."""
    return np.array([d.minimums for d in config.dimensions], dtype=np.float64)


def compute(table: pa.Table, config: LevelsConfig) -> Levels:
    """Every row's dimension scores and level (the table holds `account_id` and metric columns)."""
    parts = [_dimension(table, dim) for dim in config.dimensions]
    scores = np.array([p[0] for p in parts]).reshape(len(parts), table.num_rows)
    coverage = np.array([p[1] for p in parts]).reshape(len(parts), table.num_rows)
    ids = np.asarray(table.column("account_id").to_numpy(zero_copy_only=False), dtype=np.int64)
    return Levels(ids, scores, coverage, level_of(scores, minimums_of(config)))


def columns_needed(config: LevelsConfig) -> list[str]:
    """The metric columns the dimensions read."""
    return list(dict.fromkeys(m.metric for d in config.dimensions for m in d.metrics))


@dataclass(frozen=True)
class Target:
    """A metric's value now and the value that would alone lift its dimension to the minimum."""

    metric: LevelMetric
    value: float | None
    score: float | None
    target: float
    alone: bool  # False: even its healthy value does not close the gap by itself


def inverse_score(score: float, metric: LevelMetric) -> float:
    """The metric value that scores `score` (0-100) by its thresholds."""
    poor, mid, healthy = metric.scoring.anchors()
    return float(np.interp(score, [0.0, 50.0, 100.0], [poor, mid, healthy]))


def targets(row: pa.Table, dim: Dimension, minimum: float) -> list[Target]:
    """For a one-row table below `minimum` in `dim`: each metric not already at 100, with the value that
    would by itself lift the dimension to the minimum (the others unchanged), best lever first."""
    values = [float(metric_values(row, m.metric)[0]) for m in dim.metrics]
    scores = [float(metric_scores(np.array([v]), m)[0]) for v, m in zip(values, dim.metrics, strict=True)]
    present = sum(m.weight for s, m in zip(scores, dim.metrics, strict=True) if not np.isnan(s))
    total = sum(s * m.weight for s, m in zip(scores, dim.metrics, strict=True) if not np.isnan(s))
    out = []
    for value, score, metric in zip(values, scores, dim.metrics, strict=True):
        if np.isnan(score):  # a metric without data joins the mean: (total + w*s) / (present + w) >= minimum
            need = (minimum * (present + metric.weight) - total) / metric.weight
        elif score >= 100:
            continue
        else:  # (total + w*(s' - s)) / present >= minimum
            need = score + (minimum * present - total) / metric.weight
        need = max(need, 0.0)
        out.append(
            Target(
                metric,
                None if np.isnan(value) else value,
                None if np.isnan(score) else score,
                inverse_score(min(need, 100.0), metric),
                need <= 100.0,
            )
        )
    return sorted(out, key=lambda t: (not t.alone, -t.metric.weight))
