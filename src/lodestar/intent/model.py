"""The purchase-intent score: a logistic regression on the behaviour rows, its out-of-sample training scores
(accounts held out five ways, so an account's other dates never score it) for the star cut-offs, and the
recency-frequency baseline it is compared with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from lodestar.intent import cutoffs
from lodestar.intent.rows import Rows
from lodestar.intent.schemas import Ranking, StarGroup
from lodestar.kit.errors import InvalidInput
from lodestar.kit.stats import Estimate, auc, percentile_interval, resamples
from lodestar.kit.text import Text

if TYPE_CHECKING:  # pandas loads when frames are built, not with the daily run's imports
    import pandas as pd

FOLDS = 5
ROUNDS, SEED = 1000, 20261201
BASELINE = (("target_days_since", -1), ("target_count_history", 1), ("days_since_last_activity", -1),
            ("events_30d", 1))  # fmt: skip


@dataclass
class Fitted:
    """A fitted score with its star cut-offs and the training frame's columns and categories."""

    model: Any
    columns: list[str]
    categories: dict[str, list[str]]
    cutoffs: tuple[float, float]

    def frame(self, features: pd.DataFrame) -> pd.DataFrame:
        """The features in the training frame's shape (a missing column is missing; unseen categories too)."""
        import pandas as pd

        out = features.reindex(columns=self.columns)
        for column, levels in self.categories.items():
            out[column] = pd.Categorical(out[column].astype("string").fillna(""), categories=levels)
        return out

    def score(self, features: pd.DataFrame) -> np.ndarray:
        """The probability-like score of each row."""
        return np.asarray(self.model.predict_proba(self.frame(features))[:, 1])


def _categories(features: pd.DataFrame) -> dict[str, list[str]]:
    return {
        c: [str(v) for v in features[c].cat.categories]
        for c in features.columns
        if features[c].dtype.name == "category"
    }


def _usable(features: pd.DataFrame) -> pd.DataFrame:
    """Columns with at least one value (an all-missing column teaches nothing)."""
    return features[[c for c in features.columns if features[c].notna().any()]]


def out_of_sample(features: pd.DataFrame, hit: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each training row's score from a model fitted without its account."""
    from sklearn.model_selection import GroupKFold  # scikit-learn loads when a model is fitted, not before

    from lodestar.predictions.modelling.candidates import plain_logistic

    found = np.full(len(hit), np.nan)
    folds = min(FOLDS, len(np.unique(groups)))
    for train, test in GroupKFold(folds).split(features, hit, groups):
        if hit[train].all() or not hit[train].any():
            found[test] = hit[train].mean()
            continue
        model = plain_logistic(features).fit(features.iloc[train], hit[train])
        found[test] = model.predict_proba(features.iloc[test])[:, 1]
    return found


def fit(rows: Rows) -> Fitted:
    """The intent score fitted on all training rows, its cut-offs set on out-of-sample scores."""
    assert rows.hit is not None
    features = _usable(rows.features)
    if features.empty:
        raise InvalidInput.one("snapshots", Text("the snapshots hold no behaviour to learn from"))
    from lodestar.predictions.modelling.candidates import plain_logistic  # scikit-learn: on first fit

    held_out = out_of_sample(features, rows.hit, rows.account_id)
    model = plain_logistic(features).fit(features, rows.hit)
    return Fitted(model, list(features.columns), _categories(features), cutoffs.choose(held_out, rows.hit))


def baseline_score(features: pd.DataFrame) -> np.ndarray:
    """Recency and frequency of the target and of use: the mean of their percentile ranks (missing: worst)."""
    import pandas as pd

    parts = []
    for column, sign in BASELINE:
        if column in features.columns:
            values = pd.Series(sign * features[column].to_numpy(dtype=float))
            parts.append(values.rank(pct=True, na_option="bottom").fillna(0).to_numpy())
    return np.mean(parts, axis=0) if parts else np.zeros(len(features))


def baseline_cutoffs(rows: Rows) -> tuple[float, float]:
    """The baseline's cut-offs, set on the training rows like the model's."""
    assert rows.hit is not None
    return cutoffs.choose(baseline_score(rows.features), rows.hit)


def _auc(score: np.ndarray, hit: np.ndarray) -> Estimate:
    samples = [auc(score[pick], hit[pick]) for pick in resamples(len(score), ROUNDS, SEED)]
    return Estimate(auc(score, hit), *percentile_interval(samples))


def ranking(score: np.ndarray, hit: np.ndarray, cut: tuple[float, float]) -> Ranking:
    """The star groups of scores against what happened, with intervals, and the score's AUC."""
    stars = cutoffs.stars_of(score, cut)
    groups = []
    for level in (1, 2, 3):
        mine = stars == level
        n, hits = int(mine.sum()), int(hit[mine].sum())
        low, high = cutoffs.wilson(hits, n)
        groups.append(
            StarGroup(stars=level, accounts=n, hits=hits, rate=hits / n if n else None, low=low, high=high)
        )
    rates = [g.rate if g.rate is not None else -1.0 for g in groups]
    lows = [g.low if g.low is not None else -1.0 for g in groups]
    highs = [g.high if g.high is not None else 2.0 for g in groups]
    rising = min(rates) >= 0 and rates[0] < rates[1] < rates[2]
    separated = rising and lows[1] > highs[0] and lows[2] > highs[1]
    return Ranking(groups=groups, auc=_auc(score, hit), cutoffs=cut, rising=rising, separated=separated)
