"""The fast paths of training and scoring give what the plain, row-by-row definitions give."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from sklearn.metrics import average_precision_score

from lodestar.analytics import snapshot_store
from lodestar.predictions import scoring
from lodestar.predictions.history_rows import training_rows
from lodestar.predictions.modelling.candidates import LOGISTIC, TREES, fitted_model, make_candidate
from lodestar.predictions.modelling.contributions import raw_output
from lodestar.predictions.modelling.metrics import average_precision
from lodestar.predictions.schemas import ContractOutcomes
from lodestar.predictions.training import FeatureSpec, prepare


def test_average_precision_is_scikit_learns_with_ties() -> None:
    rng = np.random.default_rng(2)
    for n in (2, 7, 50, 400):
        risk = rng.integers(0, 5, n) / 4  # many ties: a tie is one threshold
        positive = rng.random(n) < 0.3
        positive[0] = True
        assert average_precision(risk, positive) == pytest.approx(average_precision_score(positive, risk))
    assert average_precision(np.array([0.2, 0.9]), np.array([False, False])) is None


def bundle(kind: str) -> tuple[dict, pd.DataFrame]:
    rng = np.random.default_rng(4)
    n = 1200
    usage = rng.normal(0, 1, n)
    usage[rng.random(n) < 0.1] = np.nan
    rows = pd.DataFrame(
        {
            "usage": usage,
            "tickets": rng.poisson(2, n).astype(float),
            "noise": np.zeros(n),  # never used by the trees: ties at zero
            "plan": rng.choice(["basic", "pro"], n),
        }
    )
    churned = rng.random(n) < 1 / (1 + np.exp(1 + 1.5 * np.nan_to_num(usage) - 0.3 * rows["tickets"]))
    spec = FeatureSpec(["usage", "tickets", "noise"], {"plan": ["basic", "pro"]})
    features = prepare(rows, spec)
    model = make_candidate(kind, features, n).fit(features, churned)
    return {"model": model, "kind": kind, "spec": spec, "background": features.iloc[:300]}, features


def reference_factors(found: np.ndarray, base: np.ndarray, features: pd.DataFrame, spec: FeatureSpec) -> list:
    """Row by row: the three largest pushes (the earlier feature first among equal ones)."""
    names = spec.names()
    ranks = features[spec.numbers].rank(pct=True).mul(100).round(1)
    out = []
    for i in range(len(found)):
        raw = base[i] + found[i].sum()
        move = 1 / (1 + np.exp(-raw)) - 1 / (1 + np.exp(-base[i]))
        per_unit = move / (raw - base[i]) if abs(raw - base[i]) > 1e-9 else None
        top = sorted(range(len(names)), key=lambda j: (-abs(found[i, j]), j))[:3]
        row = []
        for j in top:
            value = features.iloc[i, j]
            row.append(
                {
                    "feature": names[j],
                    "value": None if pd.isna(value) else (float(value) if j < 3 else str(value)),
                    "percentile": None if j >= 3 or pd.isna(ranks.iloc[i, j]) else float(ranks.iloc[i, j]),
                    "contribution": round(float(found[i, j]), 4),
                    "per_unit": per_unit,
                }
            )
        out.append(row)
    return out


@pytest.mark.parametrize("kind", [LOGISTIC, TREES])
def test_vectorised_factors_equal_the_row_by_row_reference(kind: str) -> None:
    fitted, features = bundle(kind)
    found, base = scoring.contributions(fitted, features)
    # the contributions still add up to the model's own raw output
    np.testing.assert_allclose(
        found.sum(axis=1) + base, raw_output(fitted_model(fitted["model"]), features), atol=1e-6
    )
    factors = scoring.top_factors(fitted, features)
    expected = reference_factors(found, base, features, fitted["spec"])
    for got, want in zip(factors, expected, strict=True):
        assert [f["feature"] for f in got] == [w["feature"] for w in want]
        for f, w in zip(got, want, strict=True):
            assert f["value"] == w["value"]
            assert f["percentile"] == w["percentile"]
            assert f["contribution"] == pytest.approx(w["contribution"], abs=1e-4)
            if w["per_unit"] is not None:
                assert f["points"] == pytest.approx(
                    round(100 * w["contribution"] * w["per_unit"], 1), abs=0.11
                )
    if kind == TREES:  # "noise" is never split on: it only appears among pushes of zero, after the others
        assert all(f["contribution"] == 0 for row in factors for f in row if f["feature"] == "noise")


def test_history_reads_numbers_and_categories_only_and_a_late_yes_no_column_as_a_number(
    tmp_path: Path,
) -> None:
    first, second = date(2024, 3, 1), date(2024, 3, 8)
    snapshot_store.write(
        tmp_path,
        first,
        pa.table({"account_id": [1, 2], "usage": [1, 2], "stage": ["adoption"] * 2, "name": ["a", "b"]}),
    )
    snapshot_store.write(
        tmp_path,
        second,
        pa.table(
            {
                "account_id": [1, 2],
                "usage": [3, 4],
                "stage": ["adoption", "churned"],
                "name": ["a", "b"],
                "champion_present": [True, False],
                "renewal_on": pa.array([date(2024, 9, 1)] * 2, pa.date32()),
            }
        ),
    )
    due = ContractOutcomes(
        np.array([1, 2]),
        np.array(["2024-05-01", "2024-05-01"], dtype="datetime64[D]"),
        np.array([True, False]),
        0,
    )
    rows, label = training_rows(tmp_path, date(2025, 1, 1), 90, due)
    assert list(rows.columns) == ["account_id", "usage", "champion_present", "stage", "as_of"]
    assert rows["account_id"].tolist() == [1, 2, 1]  # account 2 had churned by the second date
    assert (
        rows["champion_present"].tolist()[2] == 1.0
        and rows["champion_present"].isna().tolist()[:2] == [True] * 2
    )
    assert rows["as_of"].dt.date.tolist() == [first, first, second]
    assert label.tolist() == [False, True, False]
