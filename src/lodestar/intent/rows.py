"""One row per account and snapshot date for the purchase-intent stars: the behaviour up to that date, and
whether the target happened in the horizon after it.

Behaviour is the snapshot's own columns (usage, breadth, touches, tickets, NPS, contract, health), the
trend of usage over the last twelve weeks (the snapshot about 84 days earlier), and the target's own
recency and frequency within the history window. Nothing after the date is read for the features.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from lodestar.analytics import snapshot_store
from lodestar.intent.targets import Occurrences, day_number
from lodestar.predictions.history_rows import NOT_CUSTOMERS

CATEGORIES = ("stage", "tier", "grade")
TREND_COLUMNS = ("events_30d", "active_users_30d", "active_user_ratio_30d", "key_features_used_30d")
TREND_DAYS, TREND_SLACK = 84, 14  # the earlier snapshot: 84 days back, give or take two weeks
NOT_FEATURES = ("account_id", "model_version", "risk_clear_streak")
SHIFT = 1 << 22  # account id * SHIFT + day number: one sorted key (day numbers stay below 2**22 until 13453)


@dataclass
class Rows:
    """Features (account_id and as_of aside) and the target observed in the horizon (None: not yet known)."""

    features: pd.DataFrame
    account_id: np.ndarray
    as_of: np.ndarray  # day numbers
    hit: np.ndarray | None


def _keys(accounts: np.ndarray, days: np.ndarray) -> np.ndarray:
    return accounts.astype(np.int64) * SHIFT + days.astype(np.int64)


def _count_between(occ: Occurrences, accounts: np.ndarray, after: np.ndarray, upto: np.ndarray) -> np.ndarray:
    """Occurrences of each account with after < day <= upto."""
    keys = _keys(occ.account_id, occ.day)
    right = np.searchsorted(keys, _keys(accounts, upto), side="right")
    left = np.searchsorted(keys, _keys(accounts, after), side="right")
    return right - left


def _days_since(occ: Occurrences, accounts: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since each account's latest occurrence on or before the day (NaN: none)."""
    keys = _keys(occ.account_id, occ.day)
    at = np.searchsorted(keys, _keys(accounts, day), side="right") - 1
    safe = np.clip(at, 0, max(len(keys) - 1, 0))
    found = (at >= 0) & (len(keys) > 0)
    if len(keys):
        found &= occ.account_id[safe] == accounts
    since = day - (occ.day[safe] if len(keys) else 0)
    return np.where(found, since, np.nan).astype(float)


def _snapshot(root: Path, day: date) -> pd.DataFrame | None:
    table = snapshot_store.read(root, day)
    if table is None:
        return None
    rows = table.to_pandas()
    if "stage" in rows.columns:
        rows = rows[~rows["stage"].isin(NOT_CUSTOMERS)]
    numeric = [c for c in rows.columns if c not in NOT_FEATURES and pd.api.types.is_numeric_dtype(rows[c])]
    categories = [c for c in CATEGORIES if c in rows.columns]
    return rows[["account_id", *numeric, *categories]].reset_index(drop=True)


def _earlier(root: Path, day: date, dates: list[date]) -> date | None:
    """The snapshot date closest to 84 days before the day, within two weeks of it."""
    aim = day - timedelta(days=TREND_DAYS)
    near = [d for d in dates if abs((d - aim).days) <= TREND_SLACK]
    return min(near, key=lambda d: abs((d - aim).days)) if near else None


def _with_trend(rows: pd.DataFrame, root: Path, day: date, dates: list[date]) -> pd.DataFrame:
    wanted = [c for c in TREND_COLUMNS if c in rows.columns]
    before_day = _earlier(root, day, dates)
    before = None
    if before_day is not None and wanted:
        table = snapshot_store.read(root, before_day, ["account_id", *wanted])
        before = None if table is None else table.to_pandas().set_index("account_id")
    for column in wanted:
        if before is None:
            rows[f"{column}_change_84d"] = np.nan
        else:
            earlier = before[column].reindex(rows["account_id"]).to_numpy(dtype=float)
            rows[f"{column}_change_84d"] = rows[column].to_numpy(dtype=float) - earlier
    return rows


def rows_at(
    root: Path, day: date, dates: list[date], occ: Occurrences, history_days: int, horizon_days: int | None
) -> Rows | None:
    """The rows of one snapshot date; the target observed in (day, day + horizon] when a horizon is given."""
    rows = _snapshot(root, day)
    if rows is None or rows.empty:
        return None
    rows = _with_trend(rows, root, day, dates)
    accounts = rows["account_id"].to_numpy(dtype=np.int64)
    today = np.full(len(accounts), day_number(day), dtype=np.int64)
    rows["target_days_since"] = _days_since(occ, accounts, today)
    rows["target_count_history"] = _count_between(occ, accounts, today - history_days, today)
    hit = None
    if horizon_days is not None:
        hit = _count_between(occ, accounts, today, today + horizon_days) > 0
    return Rows(rows.drop(columns=["account_id"]), accounts, today, hit)


def stacked(parts: list[Rows]) -> Rows:
    """Several dates' rows as one training set (columns a date lacks are missing)."""
    features = pd.concat([p.features for p in parts], ignore_index=True)
    for column in CATEGORIES:
        if column in features.columns:
            features[column] = features[column].astype("string").fillna("").astype("category")
    hits = [p.hit for p in parts]
    return Rows(
        features,
        np.concatenate([p.account_id for p in parts]),
        np.concatenate([p.as_of for p in parts]),
        None if any(h is None for h in hits) else np.concatenate([h for h in hits if h is not None]),
    )
