from datetime import date

import numpy as np
import pyarrow as pa
import pytest
from pydantic import ValidationError

from lodestar.health.schemas import HealthConfig, HealthModel, Scoring
from lodestar.health.scoring import measure_scores, percentile_ranks, score, score_all

DAY = date(2024, 6, 30)


def model(**kw):
    base = {
        "name": "t",
        "measures": [
            {
                "metric": "active_user_ratio_30d",
                "label": "active-user ratio",
                "group": "co",
                "weight": 1,
                "scoring": {"poor": 0.1, "concerning": 0.3, "healthy": 0.6},
            },
            {
                "metric": "nps_latest",
                "label": "NPS",
                "group": "cx",
                "weight": 1,
                "scoring": {"poor": 4, "concerning": 7, "healthy": 9},
            },
        ],
    }
    return HealthModel.model_validate(base | kw)


def metrics(**columns):
    n = len(next(iter(columns.values())))
    return pa.table({"account_id": list(range(1, n + 1)), "as_of": pa.array([DAY] * n), **columns})


def test_thresholds_interpolate_linearly_and_clamp():
    scoring = Scoring(poor=0.1, concerning=0.3, healthy=0.6)
    values = np.array([0.0, 0.1, 0.2, 0.3, 0.45, 0.6, 0.9, np.nan])
    got = measure_scores(values, scoring, np.zeros(8, dtype=np.int64))
    assert got[:7].tolist() == pytest.approx([0, 0, 25, 50, 75, 100, 100])
    assert np.isnan(got[7])


def test_lower_is_better_thresholds_score_small_values_high():
    scoring = Scoring(direction="lower", poor=30, concerning=10, healthy=2)
    got = measure_scores(np.array([1.0, 2, 6, 10, 20, 30, 45]), scoring, np.zeros(7, dtype=np.int64))
    assert got.tolist() == pytest.approx([100, 100, 75, 50, 25, 0, 0])


def test_concerning_defaults_to_the_midpoint():
    scoring = Scoring(poor=0, healthy=1)
    assert measure_scores(np.array([0.0, 0.5, 1.0]), scoring, np.zeros(3, dtype=np.int64)).tolist() == [
        0,
        50,
        100,
    ]


def test_thresholds_in_the_wrong_order_are_refused_naming_the_rule():
    with pytest.raises(ValidationError, match="poor < concerning < healthy"):
        Scoring(poor=0.6, concerning=0.3, healthy=0.1)
    with pytest.raises(ValidationError, match="needs both poor and healthy"):
        Scoring(healthy=1)


def test_percentile_ranks_only_among_peers_with_ties_averaged():
    values = np.array([1.0, 2, 2, 3, 10, 20, np.nan])
    peers = np.array([0, 0, 0, 0, 1, 1, 1])
    got = percentile_ranks(values, peers)
    assert got[:6].tolist() == pytest.approx([0, 50, 50, 100, 0, 100])
    assert np.isnan(got[6])
    assert percentile_ranks(np.array([5.0]), np.array([3])).tolist() == [50]


def test_percentile_scoring_compares_accounts_within_the_same_tier_and_date():
    m = model(
        measures=[
            {
                "metric": "key_features_used_30d",
                "group": "co",
                "weight": 1,
                "scoring": {"method": "percentile"},
            }
        ]
    )
    table = metrics(key_features_used_30d=[1, 5, 2, 8], tier=["KA", "KA", "SMB", "SMB"])
    assert score(table, m).column("score").to_pylist() == [0, 100, 0, 100]


def test_default_co_cx_weighting_is_80_20_and_key_accounts_get_70_30():
    m = model(tier_group_weights={"KA": {"co": 70, "cx": 30}})
    table = metrics(active_user_ratio_30d=[0.6, 0.6], nps_latest=[4.0, 4.0])
    tiers = pa.table({"account_id": [2, 1], "tier": ["KA", "SMB"]})
    out = score(table, m, tiers).to_pylist()
    assert [r["score"] for r in out] == pytest.approx([80, 70])
    assert [(r["co_score"], r["cx_score"]) for r in out] == [(100, 0), (100, 0)]


def test_missing_measures_are_left_out_with_weights_renormalised_and_coverage_reported():
    m = model(
        measures=[
            {
                "metric": "active_user_ratio_30d",
                "group": "co",
                "weight": 3,
                "scoring": {"poor": 0, "healthy": 1},
            },
            {
                "metric": "training_completion",
                "group": "co",
                "weight": 1,
                "scoring": {"poor": 0, "healthy": 1},
            },
            {"metric": "nps_latest", "group": "cx", "weight": 1, "scoring": {"poor": 0, "healthy": 10}},
        ]
    )
    table = metrics(
        active_user_ratio_30d=[0.5, 0.5, None],
        training_completion=[None, 1.0, None],
        nps_latest=[None, 10.0, None],
    )
    out = score(table, m).to_pylist()
    assert out[0]["score"] == pytest.approx(50) and out[0]["coverage"] == pytest.approx(0.8 * 0.75)
    assert out[1]["score"] == pytest.approx(0.8 * (3 * 50 + 100) / 4 + 0.2 * 100)
    assert out[1]["coverage"] == pytest.approx(1.0)
    assert (out[2]["score"], out[2]["grade"], out[2]["coverage"]) == (None, None, 0)


def test_grades_follow_the_configured_boundaries():
    m = model(
        measures=[
            {"metric": "nps_latest", "group": "cx", "weight": 1, "scoring": {"poor": 0, "healthy": 100}}
        ]
    )
    table = metrics(nps_latest=[70.0, 69.9, 40.0, 39.9])
    assert score(table, m).column("grade").to_pylist() == ["green", "yellow", "yellow", "red"]
    strict = m.model_copy(update={"grades": m.grades.model_copy(update={"green": 80, "yellow": 60})})
    assert score(table, strict).column("grade").to_pylist() == ["yellow", "yellow", "red", "red"]


def test_explanations_give_value_score_weight_and_contributions_that_add_up_to_the_score():
    m = model()
    table = metrics(active_user_ratio_30d=[0.45], nps_latest=[None])
    out = score(table, m, version=3).to_pylist()[0]
    assert out["model_version"] == 3
    assert out["explanations"] == [
        {
            "measure": "active-user ratio",
            "group": "co",
            "value": 0.45,
            "score": 75.0,
            "weight": 1.0,
            "contribution": 75.0,
        },
        {"measure": "NPS", "group": "cx", "value": None, "score": None, "weight": 0.0, "contribution": 0.0},
    ]
    assert sum(e["contribution"] for e in out["explanations"]) == pytest.approx(out["score"])


def test_a_boolean_measure_scores_zero_or_hundred():
    m = model(
        measures=[
            {"metric": "champion_present", "group": "cx", "weight": 1, "scoring": {"poor": 0, "healthy": 1}}
        ]
    )
    assert score(metrics(champion_present=[True, False]), m).column("score").to_pylist() == [100, 0]


def test_each_row_is_judged_by_the_first_model_for_its_stage():
    config = HealthConfig.model_validate(
        {
            "models": [
                model(
                    name="onboarding",
                    applies_to={"stages": ["onboarding"]},
                    measures=[
                        {
                            "metric": "active_user_ratio_30d",
                            "group": "co",
                            "weight": 1,
                            "scoring": {"poor": 0, "healthy": 0.2},
                        }
                    ],
                ).model_dump(),
                model(name="default").model_dump(),
            ]
        }
    )
    table = metrics(active_user_ratio_30d=[0.2, 0.2, 0.2], nps_latest=[9.0, 9.0, 9.0])
    stages = pa.array(["growth", "onboarding", None])
    out = score_all(table, config, stages=stages).to_pylist()
    assert [(r["account_id"], r["model"]) for r in out] == [(1, "default"), (2, "onboarding"), (3, "default")]
    assert [r["score"] for r in out] == pytest.approx([0.8 * 25 + 20, 100, 0.8 * 25 + 20])


def test_the_last_health_model_must_apply_to_every_account():
    with pytest.raises(ValidationError, match="last model must apply to every account"):
        HealthConfig.model_validate({"models": [model(applies_to={"stages": ["onboarding"]}).model_dump()]})


def test_scoring_a_hundred_thousand_accounts_grades_every_row():
    n = 100_000
    rng = np.random.default_rng(1)
    m = model(
        measures=[
            {
                "metric": "active_user_ratio_30d",
                "group": "co",
                "weight": 3,
                "scoring": {"poor": 0.1, "healthy": 0.6},
            },
            {
                "metric": "key_features_used_30d",
                "group": "co",
                "weight": 2,
                "scoring": {"method": "percentile"},
            },
            {"metric": "nps_latest", "group": "cx", "weight": 1, "scoring": {"poor": 4, "healthy": 9}},
        ]
    )
    table = pa.table(
        {
            "account_id": np.arange(n),
            "as_of": pa.array([DAY] * n),
            "active_user_ratio_30d": rng.random(n),
            "key_features_used_30d": rng.integers(0, 8, n),
            "nps_latest": pa.array(rng.integers(0, 11, n).astype(float), mask=rng.random(n) < 0.3),
            "tier": pa.array(rng.choice(["KA", "MM", "SMB"], n)),
        }
    )
    out = score(table, m)
    assert out.num_rows == n and out.column("grade").null_count == 0
