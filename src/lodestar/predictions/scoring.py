"""Scoring with a trained model: each account's calibrated churn likelihood and the features that pushed
its risk most, with their signed contributions (SHAP values from the model itself, see contributions.py).

A factor's "points" is its share of the move from the average account's risk (the base value) to this
account's, in percentage points of the model's probability: the move split among the features in
proportion to their SHAP values, so the points of all features add up to the move.
"""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import pandas as pd

from lodestar.predictions.modelling.candidates import TREES, fitted_model, one_thread
from lodestar.predictions.modelling.contributions import linear_contributions, tree_contributions
from lodestar.predictions.training import FeatureSpec, prepare

TOP_FACTORS = 3


def _by_feature(values: np.ndarray, encoded: list[str], spec: FeatureSpec) -> np.ndarray:
    """Encoded columns' contributions ("numbers__x", "numbers__missingindicator_x", "categories__c_level")
    summed back onto the features they encode."""
    names = spec.names()
    out = np.zeros((len(values), len(names)))
    for j, column in enumerate(encoded):
        part, _, rest = column.partition("__")
        if part == "numbers":
            feature = rest.removeprefix("missingindicator_")
        else:  # the longest category name the column starts with (a name may hold "_")
            feature = max((c for c in spec.categories if rest.startswith(c + "_")), key=len)
        out[:, names.index(feature)] += values[:, j]
    return out


def contributions(bundle: dict[str, Any], features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(rows x features contributions in log-odds, base value per row) of the bundle's model."""
    model = fitted_model(bundle["model"])
    if bundle["kind"] == TREES:
        return tree_contributions(model, features)
    values, base, encoded = linear_contributions(model, features, bundle["background"])
    return _by_feature(values, encoded, bundle["spec"]), base


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def percentiles(features: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Each account's place among the accounts scored with it (0-100), per numeric feature asked for."""
    return features[columns].rank(pct=True).mul(100)


@one_thread
def score(bundle: dict[str, Any], rows: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """(likelihood per row, the features as the model read them) for snapshot rows."""
    features = prepare(rows, bundle["spec"])
    return np.asarray(bundle["model"].predict_proba(features)[:, 1]), features


@one_thread
def top_factors(
    bundle: dict[str, Any], features: pd.DataFrame, top: int = TOP_FACTORS
) -> list[list[dict[str, Any]]]:
    """Per row, the `top` features with the largest push either way: feature, value, percentile among the
    rows, signed points of risk, signed log-odds contribution."""
    spec: FeatureSpec = bundle["spec"]
    found, base = contributions(bundle, features)
    raw = base + found.sum(axis=1)
    # a stable sort: among equal pushes (a tree model's unused features all push 0) the earlier feature
    order = np.argsort(-np.abs(found), axis=1, kind="stable")[:, :top]
    picked = np.take_along_axis(found, order, axis=1)
    move, total = _sigmoid(raw) - _sigmoid(base), raw - base
    # where the contributions cancel out, the slope of the probability at the base value
    per_unit = np.where(np.abs(total) > 1e-9, move / np.where(np.abs(total) > 1e-9, total, 1.0),
                        _sigmoid(base) * (1 - _sigmoid(base)))  # fmt: skip
    points = 100 * picked * per_unit[:, None]
    return _as_dicts(features, spec, order, picked, points)


def _as_dicts(
    features: pd.DataFrame, spec: FeatureSpec, order: np.ndarray, picked: np.ndarray, points: np.ndarray
) -> list[list[dict[str, Any]]]:
    """The picked cells as factor dicts, gathered column-wise (one Python object per factor, no more)."""
    names, k = np.array(spec.names(), dtype=object), len(spec.numbers)
    numbers = features[spec.numbers].to_numpy(dtype=float) if k else np.zeros((len(features), 1))
    ranks = np.full_like(numbers, np.nan)
    picked_numbers = np.unique(order[order < k])  # only the features some account's factors name
    if len(picked_numbers):
        wanted = [spec.numbers[j] for j in picked_numbers]
        ranks[:, picked_numbers] = percentiles(features, wanted).round(1).to_numpy()
    texts = features[list(spec.categories)].astype(object).to_numpy() if spec.categories else None
    rows = np.arange(len(features))
    columns = []
    for at in range(order.shape[1]):
        j = order[:, at]
        numeric = j < k
        value = np.where(numeric, numbers[rows, np.minimum(j, max(k - 1, 0))], np.nan).astype(object)
        if texts is not None:
            value[~numeric] = texts[rows[~numeric], j[~numeric] - k]
        value[pd.isna(value)] = None
        rank = np.where(numeric, ranks[rows, np.minimum(j, max(k - 1, 0))], np.nan).astype(object)
        rank[pd.isna(rank)] = None
        columns.append(zip(names[j].tolist(), value.tolist(), rank.tolist(),
                           np.round(points[:, at], 1).tolist(), np.round(picked[:, at], 4).tolist(),
                           strict=True))  # fmt: skip
    # Hundreds of thousands of small dicts: the cyclic garbage collector would rescan them all again and
    # again while they are made (most of the time it takes); none of them can form a cycle.
    collecting = gc.isenabled()
    gc.disable()
    try:
        # dict displays: twice as fast as dict(zip(keys, cell)) for this many
        return [
            [
                {"feature": f, "value": v, "percentile": r, "points": p, "contribution": c}
                for f, v, r, p, c in row
            ]
            for row in zip(*columns, strict=True)
        ]
    finally:
        if collecting:
            gc.enable()
