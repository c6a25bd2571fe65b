"""Grades the churn model on the demo company against the planted truth (the product never reads it).

Run after `lodestar predict churn train --as-of D` and `lodestar predict churn score --as-of D` (same D, a
snapshot date), with LODESTAR_DATA_DIR pointing at the demo:

    python scripts/churn_demo_grade.py 2026-06-02

Prints, for the accounts scored on D: the AUC of the stored likelihood and of the health score against the
planted churns in (D, D + 180 days], and how often the top risk factors of planted churners name their
planted cause (a usage decline begun by D; a champion gone by D) against how often they name such a feature
for accounts that renewed (the rate by chance).
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta

import numpy as np
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from lodestar.analytics import snapshot_store
from lodestar.kit.stats import auc
from lodestar.predictions.models import ChurnScore
from lodestar.settings import load_settings

USAGE = {"events_7d", "events_30d", "events_90d", "events_180d", "active_users_7d", "active_users_30d",
         "active_users_90d", "active_user_ratio_30d", "usage_trend_30d", "key_features_used_30d",
         "days_since_last_activity", "score", "grade", "at_risk"}  # fmt: skip
CHAMPION = {"champion_present", "decision_maker_left_90d", "days_since_champion_left", "champion_left_365d"}


def main(day: date, horizon: int = 180) -> None:
    settings = load_settings()
    truth = {
        a["account_id"]: a
        for a in json.loads((settings.data_dir / "demo-truth.json").read_text())["accounts"]
    }
    with Session(create_engine(settings.resolved_database_url)) as session:
        scores = list(session.scalars(select(ChurnScore).where(ChurnScore.as_of == day)))
    if not scores:
        raise SystemExit(f"no churn scores on {day}: run `lodestar predict churn score --as-of {day}` first")
    end = (day + timedelta(days=horizon)).isoformat()
    churned = np.array(
        [
            bool(
                truth[s.account_id]["churn_date"]
                and day.isoformat() < truth[s.account_id]["churn_date"] <= end
            )
            for s in scores
        ]
    )
    likelihood = np.array([s.likelihood for s in scores])
    snap = (
        snapshot_store.read(snapshot_store.root_of(settings), day, ["account_id", "score"])
        .to_pandas()
        .set_index("account_id")
    )
    health = np.array([snap["score"].get(s.account_id, np.nan) for s in scores])
    known = ~np.isnan(health)
    print(
        f"{len(scores)} accounts scored on {day}, {int(churned.sum())} planted churns"
        f" in the next {horizon} days"
    )
    print(f"AUC of the churn likelihood: {auc(likelihood, churned):.3f}")
    print(
        f"AUC of the health score (same accounts with a score): {auc(-health[known], churned[known]):.3f}"
        f" vs the model on them {auc(likelihood[known], churned[known]):.3f}"
    )

    def names(s: ChurnScore, wanted: set[str]) -> bool:
        return any(f["feature"] in wanted and f["points"] > 0 for f in s.factors)

    iso = day.isoformat()
    for cause, wanted, has in (
        ("usage decline", USAGE, lambda a: a["usage_decline_start"] and a["usage_decline_start"] <= iso),
        ("champion left", CHAMPION, lambda a: a["champion_left_on"] and a["champion_left_on"] <= iso),
    ):
        planted = [s for s, c in zip(scores, churned, strict=True) if c and has(truth[s.account_id])]
        renewed = [s for s, c in zip(scores, churned, strict=True) if not c]
        hit = np.mean([names(s, wanted) for s in planted]) if planted else float("nan")
        base = np.mean([names(s, wanted) for s in renewed])
        print(
            f"{cause}: {len(planted)} planted churners; top factors name it for {hit:.0%}"
            f" (renewed accounts: {base:.0%})"
        )


if __name__ == "__main__":
    main(date.fromisoformat(sys.argv[1]))
