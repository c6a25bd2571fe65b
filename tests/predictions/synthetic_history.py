"""A snapshot history with a planted churn signal, and the contract outcomes it implies, for the tests."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from lodestar.analytics import snapshot_store
from lodestar.predictions.schemas import ContractOutcomes

START = date(2024, 1, 1)
WEEKS = 40
CUTOFF = date(2024, 12, 1)
HORIZON = 60


def write_history(
    root: Path, n: int = 400, health_knows_all: bool = False, seed: int = 3
) -> ContractOutcomes:
    """Weekly snapshots of n accounts (ids 1..n). Churn is driven by the active-user ratio; the health score
    sees it through noise — or, with `health_knows_all`, is the very rule that decides churn."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, n + 1)
    value = rng.uniform(0, 1, n)
    if health_knows_all:
        renewed = value > 0.6
        health = 100 * value
    else:
        renewed = rng.uniform(0, 1, n) > 1 / (1 + np.exp(-(2 - 6 * value)))
        health = 100 * (0.4 * value + 0.6 * rng.uniform(0, 1, n))
    span = WEEKS * 7 + HORIZON
    due = np.datetime64(START, "D") + rng.integers(7, span, n).astype("timedelta64[D]")
    tiers = rng.choice(["A", "B"], n)
    for week in range(WEEKS):
        day = START + timedelta(days=7 * week)
        table = pa.table({
            "account_id": ids,
            "active_user_ratio_30d": value + rng.normal(0, 0.05, n),
            "tickets_open": rng.poisson(2, n),
            "score": health,
            "stage": np.where(value > 0.5, "adoption", "onboarding"),
            "tier": tiers,
        })  # fmt: skip
        snapshot_store.write(root, day, table)
    return ContractOutcomes(ids, due, renewed, 0)
