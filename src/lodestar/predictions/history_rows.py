"""The churn model's training rows from the company's own history: one row per account and snapshot date.

Time-aware by construction: a snapshot date T is used only when its whole label window (T, T + horizon]
has closed by the cut-off, and nothing stored after the cut-off is read — neither a later snapshot nor a
churn after it — so training at a cut-off gives the same rows whatever happened since.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from lodestar.analytics import snapshot_store

NOT_CUSTOMERS = ("churned", "lead_pool")  # no contract left to renew: nothing to predict
CATEGORY_COLUMNS = ("stage", "tier", "grade")


def closed_dates(root: Path, cutoff: date, horizon: int) -> list[date]:
    """The snapshot dates whose label window has closed by the cut-off."""
    return [d for d in snapshot_store.dates(root) if d + timedelta(days=horizon) <= cutoff]


def _features_of(table: pd.DataFrame) -> pd.DataFrame:
    numeric = [c for c in table.columns if c != "account_id" and pd.api.types.is_numeric_dtype(table[c])]
    categories = [c for c in CATEGORY_COLUMNS if c in table.columns]
    return table[["account_id", *numeric, *categories]]


def churned_within(
    account_ids: np.ndarray, churns: dict[int, list[date]], start: date, horizon: int
) -> np.ndarray:
    """True for the accounts with a churn in (start, start + horizon]."""
    end = start + timedelta(days=horizon)
    return np.array([any(start < d <= end for d in churns.get(int(a), [])) for a in account_ids], dtype=bool)


def training_rows(
    root: Path, cutoff: date, horizon: int, churns: dict[int, list[date]]
) -> tuple[pd.DataFrame, np.ndarray]:
    """(rows with account_id, as_of and the snapshot's features; churned within the horizon) at a cut-off."""
    frames, labels = [], []
    for day in closed_dates(root, cutoff, horizon):
        table = snapshot_store.read(root, day)
        if table is None:
            continue
        rows = table.to_pandas()
        if "stage" in rows.columns:
            rows = rows[~rows["stage"].isin(NOT_CUSTOMERS)]
        rows = _features_of(rows).assign(as_of=pd.Timestamp(day))
        frames.append(rows)
        labels.append(churned_within(rows["account_id"].to_numpy(), churns, day, horizon))
    if not frames:
        return pd.DataFrame(), np.zeros(0, dtype=bool)
    return pd.concat(frames, ignore_index=True), np.concatenate(labels)
