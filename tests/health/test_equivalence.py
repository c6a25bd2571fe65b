import math

import numpy as np
import pyarrow as pa
import pytest

from lodestar.config import service as config_service
from lodestar.health import scoring
from lodestar.health.schemas import HealthConfig
from tests.health import reference

CONFIG = config_service.default("health")
assert isinstance(CONFIG, HealthConfig)
STAGES = ["handover", "onboarding", "growth", "maturity", "at_risk", None]


def world(seed: int, n: int) -> tuple[pa.Table, pa.Table, pa.Array]:
    """Random metrics on a few dates with nulls, tiers for most accounts, and a stage per row."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, max(n // 2, 1), n)

    def nullable(values: np.ndarray) -> pa.Array:
        return pa.array(values, mask=rng.random(n) < 0.3)

    metrics = pa.table(
        {
            "account_id": pa.array(ids, pa.int64()),
            "as_of": pa.array(rng.integers(19_700, 19_703, n).astype(np.int32), pa.date32()),
            "active_user_ratio_30d": nullable(rng.random(n)),
            "usage_trend_30d": nullable(rng.normal(0, 0.3, n)),
            "key_features_used_30d": nullable(rng.integers(0, 4, n)),
            "days_since_last_activity": nullable(rng.integers(0, 40, n)),
            "training_completion": nullable(rng.random(n).round(1)),
            "nps_latest": nullable(rng.integers(0, 11, n).astype(float)),
            "tickets_critical_open": pa.array(rng.integers(0, 3, n)),
            "days_since_last_touch": nullable(rng.integers(0, 60, n)),
        }
    )
    known = np.unique(ids)[rng.random(len(np.unique(ids))) < 0.8]
    tiers = pa.table({"account_id": known, "tier": rng.choice(["KA", "MM", "SMB"], len(known))})
    stages = pa.array([STAGES[i] for i in rng.integers(0, len(STAGES), n)], pa.string())
    return metrics, tiers, stages


def same(got: list[dict], want: list[dict]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.keys() == w.keys()
        for key in g:
            if isinstance(w[key], float) and not math.isnan(w[key]):
                assert g[key] == pytest.approx(w[key], rel=1e-12, abs=1e-9), key
            elif key == "explanations":
                same(g[key], w[key])
            else:
                assert g[key] == w[key], key


@pytest.mark.parametrize("seed", range(20))
def test_chunked_scoring_equals_the_one_pass_reference_on_random_portfolios(seed, monkeypatch):
    monkeypatch.setattr(scoring, "CHUNK_ROWS", 7)  # many chunks even on a small table
    metrics, tiers, stages = world(seed, 5 + seed * 3)
    got = scoring.score_all(metrics, CONFIG, tiers, stages, version=4)
    want = reference.score_all(metrics, CONFIG, tiers, stages, version=4)
    same(got.to_pylist(), want.to_pylist())
    with_tier_column = metrics.append_column(
        "tier", pa.array(["KA", None] * (metrics.num_rows // 2) + ["MM"] * (metrics.num_rows % 2))
    )
    one = scoring.score(with_tier_column, CONFIG.models[-1])
    same(one.to_pylist(), reference.score(with_tier_column, CONFIG.models[-1]).to_pylist())


def test_scoring_without_explanations_gives_the_same_figures_and_explains_one_row_on_demand():
    metrics, tiers, _ = world(1, 40)
    model = CONFIG.models[-1]
    full = scoring.score(metrics, model, tiers)
    bare = scoring.score(metrics, model, tiers, explain=False)
    assert bare.column_names == [c for c in full.column_names if c != "explanations"]
    assert bare.equals(full.drop_columns(["explanations"]))
    assert scoring.explanation(metrics, model, tiers, 17) == full.column("explanations")[17].as_py()
