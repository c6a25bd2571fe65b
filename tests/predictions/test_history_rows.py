"""Training rows from the snapshot store are time-aware: nothing after the cut-off changes them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from lodestar.analytics import snapshot_store
from lodestar.predictions.history_rows import training_rows
from lodestar.predictions.schemas import ContractOutcomes

CUTOFF = date(2025, 1, 1)
HORIZON = 90
SETTLE = 10


def write_snapshot(root: Path, day: date, usage: list[float], stages: list[str]) -> None:
    table = pa.table(
        {"account_id": [1, 2, 3], "active_users": usage, "health": [50.0, 60.0, 70.0], "stage": stages}
    )
    snapshot_store.write(root, day, table)


def outcomes(rows: list[tuple[int, str, bool]]) -> ContractOutcomes:
    """(account, due day, renewed) per contract."""
    return ContractOutcomes(
        np.array([a for a, _, _ in rows]),
        np.array([d for _, d, _ in rows], dtype="datetime64[D]"),
        np.array([r for _, _, r in rows]),
        SETTLE,
    )


def test_the_label_is_the_contract_due_in_the_horizon_ended_without_renewal(tmp_path: Path) -> None:
    write_snapshot(tmp_path, date(2024, 6, 1), [5.0, 1.0, 3.0], ["adoption"] * 3)
    due = outcomes([(1, "2024-07-01", True), (2, "2024-08-01", False), (3, "2024-12-01", False)])
    rows, label = training_rows(tmp_path, CUTOFF, HORIZON, due)
    # account 3's contract comes due after the horizon: there is no renewal to lose in the window
    assert rows["account_id"].tolist() == [1, 2]
    assert label.tolist() == [False, True]


def test_a_feature_or_outcome_from_after_the_cutoff_changes_nothing(tmp_path: Path) -> None:
    # Oct 15 + 90 d is after the cut-off; Sep 25 + 90 + 10 days of late-renewal tolerance is too
    dates = [date(2024, 6, 1), date(2024, 8, 1), date(2024, 9, 25), date(2024, 10, 15)]
    for day in dates:
        write_snapshot(tmp_path, day, [5.0, 1.0, 3.0], ["adoption", "adoption", "churned"])
    known = [(1, "2024-08-20", True), (2, "2024-08-25", False), (3, "2024-07-01", False)]
    rows, label = training_rows(tmp_path, CUTOFF, HORIZON, outcomes(known))
    assert sorted(rows["as_of"].dt.date.unique()) == dates[:2]
    assert rows["account_id"].tolist() == [1, 2, 1, 2]  # account 3 had churned already
    assert label.tolist() == [False, True, False, True]

    write_snapshot(tmp_path, CUTOFF + timedelta(days=1), [999.0, 999.0, 999.0], ["x", "x", "x"])
    snapshot_store.write(tmp_path, date(2024, 12, 31), pa.table({"account_id": [1], "active_users": [1e9]}))
    later = [*known, (1, "2025-02-01", False), (2, "2025-01-02", False)]
    again, again_label = training_rows(tmp_path, CUTOFF, HORIZON, outcomes(later))
    pd.testing.assert_frame_equal(rows, again)
    np.testing.assert_array_equal(label, again_label)
