"""Training the churn model on the company's history: a split in time chooses the model and checks it
against the health score on the same accounts and dates; the chosen one is then fitted on every row.

The split: rows from dates T at or after the split date S are the test; the training rows are those whose
label window had closed by S (T + horizon <= S), so nothing the test period revealed is learned from.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lodestar.kit.errors import InvalidInput
from lodestar.kit.stats import auc, percentile_interval, resamples
from lodestar.kit.text import Text
from lodestar.predictions.modelling.candidates import (
    CANDIDATES,
    calibration_method,
    make_candidate,
    one_thread,
)
from lodestar.predictions.modelling.evaluation import CandidateResult, choose
from lodestar.predictions.modelling.metrics import figures
from lodestar.predictions.modelling.refusals import MIN_PER_CLASS

TEST_SHARE = 0.25  # the latest quarter of the dates is the test
# At scale a model is fitted on a seeded random sample of the rows (50,000 rows of weekly snapshots learn
# what millions would, at a fraction of the time), and intervals come from a sample of the test rows
# (wider, never narrower) with fewer resamples than the table evaluation's 1,000.
MOST_FIT_ROWS = 50_000
MOST_TEST_ROWS = 100_000
MOST_BOOTSTRAP_ROWS = 10_000
ROUNDS = 200
HEALTH = "score"  # the health score's column in the snapshot


@dataclass(frozen=True)
class FeatureSpec:
    """The columns a model reads, with the levels of each category fixed at training."""

    numbers: list[str]
    categories: dict[str, list[str]] = field(default_factory=dict)

    def names(self) -> list[str]:
        return [*self.numbers, *self.categories]


def feature_spec(rows: pd.DataFrame) -> FeatureSpec:
    """Every numeric column but the id, and each text column as a category of the levels seen."""
    skip = {"account_id", "as_of"}
    numbers = [c for c in rows.columns if c not in skip and pd.api.types.is_numeric_dtype(rows[c])]
    categories = {
        c: sorted(str(v) for v in rows[c].dropna().unique())
        for c in rows.columns
        if c not in skip and c not in numbers
    }
    return FeatureSpec(numbers, categories)


def prepare(rows: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """The model's input: numbers as floats (a column a snapshot lacks is missing), categories with the
    training levels (a level not seen in training reads as missing)."""
    out = {c: pd.to_numeric(rows[c], errors="coerce").astype(float) if c in rows else np.nan
           for c in spec.numbers}  # fmt: skip
    for c, levels in spec.categories.items():
        values = rows[c].astype("string") if c in rows else pd.Series(pd.NA, index=rows.index, dtype="string")
        out[c] = pd.Categorical(values.where(values.isin(levels)), categories=levels)
    return pd.DataFrame(out, index=rows.index)


@dataclass
class TimeSplitResult:
    """The split, both candidates' figures, the choice, and the model against the health score."""

    split_at: str
    train_rows: int
    test_rows: int
    candidates: list[CandidateResult]
    chosen: str
    reason: str
    model_auc: float | None  # on the test rows that carry a health score
    health_auc: float | None
    health: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["reason"] = str(self.reason)
        return out


def _enough(label: np.ndarray, what: str) -> None:
    positives = int(label.sum())
    if min(positives, len(label) - positives) < MIN_PER_CLASS:
        raise InvalidInput.one(
            "as_of",
            Text(
                "the %(part)s rows hold %(pos)s churned and %(neg)s renewed accounts; at least %(min)s of "
                "each are needed: more snapshot history is needed",
                part=Text(what), pos=positives, neg=len(label) - positives, min=MIN_PER_CLASS,
            ),
        )  # fmt: skip


def at_most(mask: np.ndarray, most: int, seed: int = 0) -> np.ndarray:
    """The mask with at most `most` of its rows kept, a seeded random sample of them."""
    kept = np.flatnonzero(mask)
    if len(kept) <= most:
        return mask
    out = np.zeros(len(mask), dtype=bool)
    out[np.random.default_rng(seed).choice(kept, most, replace=False)] = True
    return out


def _figures(p: np.ndarray, y: np.ndarray, seed: int = 0) -> Any:
    pick = at_most(np.ones(len(p), dtype=bool), MOST_BOOTSTRAP_ROWS, seed)
    return figures(p[pick], y[pick], rounds=ROUNDS)


def _auc(p: np.ndarray, y: np.ndarray, seed: int = 0) -> dict[str, float | None]:
    """The AUC with its bootstrap interval (the rows sampled as for the figures)."""
    pick = at_most(np.ones(len(p), dtype=bool), MOST_BOOTSTRAP_ROWS, seed)
    p, y = p[pick], y[pick].astype(bool)
    low, high = percentile_interval([auc(p[r], y[r]) for r in resamples(len(p), ROUNDS, seed)])
    return {"value": auc(p, y), "low": low, "high": high}


def split_date(days: pd.Series) -> pd.Timestamp:
    """The first date of the latest quarter of the dates."""
    unique = np.sort(days.unique())
    return pd.Timestamp(unique[int(len(unique) * (1 - TEST_SHARE))])


@one_thread
def time_split_evaluation(
    rows: pd.DataFrame, label: np.ndarray, spec: FeatureSpec, horizon: int, seed: int = 0
) -> TimeSplitResult:
    """Both candidates fitted before the split and tested after it; the health score beside them."""
    if rows.empty:
        raise InvalidInput.one("as_of", Text("no snapshot date has its whole horizon closed by the cut-off"))
    cut = split_date(rows["as_of"])
    train = (rows["as_of"] + pd.Timedelta(days=horizon) <= cut).to_numpy()
    test = (rows["as_of"] >= cut).to_numpy()
    _enough(label[train], "training")
    _enough(label[test], "test")
    train, test = at_most(train, MOST_FIT_ROWS, seed), at_most(test, MOST_TEST_ROWS, seed)
    rows, label = rows[train | test], label[train | test]
    train, test = train[train | test], test[train | test]
    features = prepare(rows, spec)
    results, predictions = [], {}
    for name in CANDIDATES:
        model = make_candidate(name, features, int(train.sum()), seed)
        model.fit(features[train], label[train])
        predictions[name] = np.asarray(model.predict_proba(features[test])[:, 1])
        results.append(CandidateResult(name, calibration_method(int(train.sum())), _figures(
            predictions[name], label[test])))  # fmt: skip
    chosen, reason = choose(results)
    health = rows.loc[test, HEALTH].to_numpy(dtype=float) if HEALTH in rows else np.full(test.sum(), np.nan)
    scored = ~np.isnan(health)
    health_auc = _auc(-health[scored], label[test][scored])
    model_auc = _auc(predictions[chosen][scored], label[test][scored])
    return TimeSplitResult(
        cut.date().isoformat(), int(train.sum()), int(test.sum()), results, chosen, reason,
        model_auc["value"], health_auc["value"],
        {"rows": int(scored.sum()), "auc": health_auc, "model_auc": model_auc},
    )  # fmt: skip


@one_thread
def fit_final(rows: pd.DataFrame, label: np.ndarray, spec: FeatureSpec, kind: str, seed: int = 0) -> Any:
    """The chosen kind, calibrated out of sample, fitted on the training rows (a sample of them at scale)."""
    pick = at_most(np.ones(len(label), dtype=bool), MOST_FIT_ROWS, seed)
    features = prepare(rows[pick], spec)
    model = make_candidate(kind, features, int(pick.sum()), seed)
    model.fit(features, label[pick])
    return model


def window(rows: pd.DataFrame) -> tuple[Any, Any]:
    """The first and last snapshot dates read."""
    return rows["as_of"].min().date(), rows["as_of"].max().date()
