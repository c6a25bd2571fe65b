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
import pyarrow.compute as pc

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
        customers = ~table["stage"].isin(NOT_CUSTOMERS)
        if not customers.all():  # the history's rows come filtered already: no copy of millions of rows
            table = table[customers]
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


def _feature_columns(types: pa.Schema) -> list[str]:
    """The columns a training row can use: numbers and yes/no (as pandas reads them as numbers) and the
    categories. Text, dates and the nested health explanations are never read: they are no feature."""
    wanted = ["account_id"]
    for column in types:
        kind = column.type
        number = pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)
        if column.name in CATEGORY_COLUMNS or (number and column.name not in NOT_FEATURES):
            wanted.append(column.name)
    return wanted


def _customers_due(
    root: Path, day: date, horizon: int, outcomes: ContractOutcomes
) -> tuple[pa.Table, np.ndarray] | None:
    """One date's customers with a contract due in its window (arrow, the feature columns and as_of), and
    whether that contract ended without renewal; None when the date has no snapshot."""
    types = snapshot_store.schema(root, day)
    table = None if types is None else snapshot_store.read(root, day, _feature_columns(types))
    if table is None:
        return None
    keep = np.ones(table.num_rows, dtype=bool)
    if "stage" in table.column_names:
        keep = ~np.asarray(
            pc.is_in(table.column("stage"), pa.array(NOT_CUSTOMERS)).to_numpy(zero_copy_only=False)
        )
    has_due, lost = due_labels(table.column("account_id").to_numpy(), outcomes, day, horizon)
    keep &= has_due
    table = table.filter(pa.array(keep))
    stamp = pa.array(np.full(table.num_rows, np.datetime64(day, "s")))
    return table.append_column("as_of", stamp), lost[keep]


def training_rows(
    root: Path, cutoff: date, horizon: int, outcomes: ContractOutcomes
) -> tuple[pd.DataFrame, np.ndarray]:
    """(rows with account_id, as_of and the snapshot's features; ended without renewal) at a cut-off.

    Each date is read and filtered as arrow, only its feature columns, and the dates are turned into one
    pandas frame once: converting per date and concatenating copied every row twice."""
    parts, labels = [], []
    for day in closed_dates(root, cutoff, horizon, outcomes.settle_days):
        found = _customers_due(root, day, horizon, outcomes)
        if found is not None:
            parts.append(found[0])
            labels.append(found[1])
    if not parts:
        return pd.DataFrame(), np.zeros(0, dtype=bool)
    table = pa.concat_tables(parts, promote_options="permissive")
    del parts
    for at, column in enumerate(table.schema):
        # a yes/no column that some dates lack (added later) would reach pandas as objects: it reads as
        # 1/0 with gaps instead, the number it is on the dates that have it
        if pa.types.is_boolean(column.type) and table.column(at).null_count:
            table = table.set_column(at, column.name, table.column(at).cast(pa.float64()))
    frame = table.to_pandas(self_destruct=True)
    return feature_frame(frame).assign(as_of=frame["as_of"]), np.concatenate(labels)
