"""Training rows from the snapshot store are time-aware: nothing after the cut-off changes them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from lodestar.analytics import snapshot_store
from lodestar.predictions.history_rows import training_rows

CUTOFF = date(2025, 1, 1)
HORIZON = 90


def write_snapshot(root: Path, day: date, usage: list[float], stages: list[str]) -> None:
    table = pa.table(
        {"account_id": [1, 2, 3], "active_users": usage, "health": [50.0, 60.0, 70.0], "stage": stages}
    )
    snapshot_store.write(root, day, table)


def test_a_feature_or_churn_from_after_the_cutoff_changes_nothing(tmp_path: Path) -> None:
    dates = [date(2024, 6, 1), date(2024, 8, 1), date(2024, 10, 15)]  # Oct 15 + 90 d is after the cut-off
    for day in dates:
        write_snapshot(tmp_path, day, [5.0, 1.0, 3.0], ["adoption", "adoption", "churned"])
    churns = {2: [date(2024, 9, 15)], 1: [date(2025, 2, 1)]}
    rows, label = training_rows(tmp_path, CUTOFF, HORIZON, churns)
    assert sorted(rows["as_of"].dt.date.unique()) == dates[:2]
    assert rows["account_id"].tolist() == [1, 2, 1, 2]  # account 3 had churned already
    assert label.tolist() == [False, False, False, True]  # 2 churned within 90 days of Aug 1 only

    write_snapshot(tmp_path, CUTOFF + timedelta(days=1), [999.0, 999.0, 999.0], ["x", "x", "x"])
    snapshot_store.write(tmp_path, date(2024, 12, 31), pa.table({"account_id": [1], "active_users": [1e9]}))
    later = {**churns, 1: [*churns[1], date(2025, 3, 1)], 2: [*churns[2], date(2025, 1, 2)]}
    again, again_label = training_rows(tmp_path, CUTOFF, HORIZON, later)
    pd.testing.assert_frame_equal(rows, again)
    np.testing.assert_array_equal(label, again_label)
