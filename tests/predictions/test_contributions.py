"""Risk-factor contributions add up to the model's own output, row by row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lodestar.predictions.modelling.candidates import LOGISTIC, TREES, fitted_model, make_candidate
from lodestar.predictions.modelling.contributions import linear_contributions, raw_output, tree_contributions


def table(n: int = 1200) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(5)
    usage = rng.normal(0, 1, n)
    plan = pd.Categorical(rng.choice(["basic", "pro"], n), categories=["basic", "pro", "(other)"])
    usage[rng.random(n) < 0.1] = np.nan
    logit = -1 - 1.5 * np.nan_to_num(usage) + (plan == "basic") * 0.7
    return pd.DataFrame({"usage": usage, "plan": plan}), rng.random(n) < 1 / (1 + np.exp(-logit))


def test_tree_contributions_sum_to_the_trees_log_odds() -> None:
    features, label = table()
    model = fitted_model(make_candidate(TREES, features, len(label)).fit(features, label))
    contributions, base = tree_contributions(model, features)
    assert contributions.shape == (len(label), 2)
    np.testing.assert_allclose(contributions.sum(axis=1) + base, raw_output(model, features), atol=1e-6)
    low_usage = (features["usage"] < -1).to_numpy()
    assert contributions[low_usage, 0].mean() > 0  # low usage pushes risk up, as planted


def test_logistic_contributions_sum_to_its_log_odds() -> None:
    features, label = table()
    model = fitted_model(make_candidate(LOGISTIC, features, len(label)).fit(features, label))
    contributions, base, names = linear_contributions(model, features, features)
    assert "numbers__usage" in names
    np.testing.assert_allclose(contributions.sum(axis=1) + base, raw_output(model, features), atol=1e-6)
