"""The churn model's training rows from the company's own history: one row per account and snapshot date.

Label: the account has a contract coming due in (T, T + horizon] (the renewals domain's outcomes), and it
ended without renewal. Accounts with nothing due in the window are not rows: there was no renewal to lose.

Time-aware by construction: a snapshot date T is used only when its whole label window, plus the time a
late renewal may still start (the successor rule's tolerance), has closed by the cut-off, and nothing
stored after the cut-off is read — neither a later snapshot nor a contract begun after it — so training at
a cut-off gives the same rows whatever happened since.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from lodestar.analytics import snapshot_store
from lodestar.predictions.schemas import ContractOutcomes

NOT_CUSTOMERS = ("churned", "lead_pool")  # no contract left to renew: nothing to predict
CATEGORY_COLUMNS = ("stage", "tier", "grade")
NOT_FEATURES = ("account_id", "model_version")  # an identifier and the health model's number


def closed_dates(root: Path, cutoff: date, horizon: int, settle_days: int = 0) -> list[date]:
    """The snapshot dates whose label window (and the late-renewal tolerance) closed by the cut-off."""
    last = cutoff - timedelta(days=horizon + settle_days)
    return [d for d in snapshot_store.dates(root) if d <= last]


def feature_frame(table: pd.DataFrame) -> pd.DataFrame:
    """A snapshot's customers (not churned, not in the lead pool) with every numeric column and the stage,
    tier and grade; account_id kept first."""
    if "stage" in table.columns:
        table = table[~table["stage"].isin(NOT_CUSTOMERS)]
    numeric = [c for c in table.columns if c not in NOT_FEATURES and pd.api.types.is_numeric_dtype(table[c])]
    categories = [c for c in CATEGORY_COLUMNS if c in table.columns]
    return table[["account_id", *numeric, *categories]]


def plain_frame(table: pa.Table) -> pd.DataFrame:
    """A snapshot as pandas without its nested health explanations (not a feature; slow to convert)."""
    names = [c for c in table.column_names if c != "explanations"]
    return table.select(names).to_pandas()


def due_labels(
    account_ids: np.ndarray, outcomes: ContractOutcomes, start: date, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """(has a contract due in (start, start + horizon]; one of those ended without renewal) per account."""
    begin, end = np.datetime64(start, "D"), np.datetime64(start + timedelta(days=horizon), "D")
    due = (outcomes.due > begin) & (outcomes.due <= end)
    has_due = np.isin(account_ids, outcomes.account_id[due])
    lost = np.isin(account_ids, outcomes.account_id[due & ~outcomes.renewed])
    return has_due, lost


def training_rows(
    root: Path, cutoff: date, horizon: int, outcomes: ContractOutcomes
) -> tuple[pd.DataFrame, np.ndarray]:
    """(rows with account_id, as_of and the snapshot's features; ended without renewal) at a cut-off."""
    frames, labels = [], []
    for day in closed_dates(root, cutoff, horizon, outcomes.settle_days):
        # the nested health explanations are no feature, and the slowest column to read
        names = [c for c in snapshot_store.column_names(root, day) if c != "explanations"]
        table = snapshot_store.read(root, day, names)
        if table is None:
            continue
        rows = feature_frame(plain_frame(table)).assign(as_of=pd.Timestamp(day))
        has_due, lost = due_labels(rows["account_id"].to_numpy(), outcomes, day, horizon)
        frames.append(rows[has_due])
        labels.append(lost[has_due])
    if not frames:
        return pd.DataFrame(), np.zeros(0, dtype=bool)
    return pd.concat(frames, ignore_index=True), np.concatenate(labels)
