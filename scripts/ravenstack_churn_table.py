"""Builds a one-row-per-account churn table from the RavenStack sample (for `predict churn evaluate`).

Usage: python scripts/ravenstack_churn_table.py ../shared/datasets/ravenstack /tmp/ravenstack_churn.csv
Columns that record the churn itself (churn events, subscriptions' churn flags and end dates) are left out.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def build(folder: Path) -> pd.DataFrame:
    """Accounts with their subscription, usage and ticket aggregates and the churn flag."""
    accounts = pd.read_csv(folder / "ravenstack_accounts.csv", dtype=str)
    subs = pd.read_csv(folder / "ravenstack_subscriptions.csv")
    usage = pd.read_csv(folder / "ravenstack_feature_usage.csv").merge(
        subs[["subscription_id", "account_id"]], on="subscription_id"
    )
    tickets = pd.read_csv(folder / "ravenstack_support_tickets.csv")
    by_sub = subs.groupby("account_id").agg(
        subscriptions=("subscription_id", "count"),
        mean_mrr=("mrr_amount", "mean"),
        upgrades=("upgrade_flag", "sum"),
        downgrades=("downgrade_flag", "sum"),
        auto_renew_share=("auto_renew_flag", "mean"),
    )
    by_use = usage.groupby("account_id").agg(
        usage_events=("usage_count", "sum"),
        usage_hours=("usage_duration_secs", lambda s: s.sum() / 3600),
        errors=("error_count", "sum"),
        features_used=("feature_name", "nunique"),
        beta_share=("is_beta_feature", "mean"),
    )
    by_ticket = tickets.groupby("account_id").agg(
        tickets=("ticket_id", "count"),
        resolution_hours=("resolution_time_hours", "mean"),
        first_response_minutes=("first_response_time_minutes", "mean"),
        satisfaction=("satisfaction_score", "mean"),
        escalations=("escalation_flag", "sum"),
    )
    table = accounts.drop(columns=["account_name"]).set_index("account_id")
    return table.join([by_sub, by_use, by_ticket]).reset_index()


if __name__ == "__main__":
    build(Path(sys.argv[1])).to_csv(sys.argv[2], index=False)
