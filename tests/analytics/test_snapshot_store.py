"""The snapshot store: point reads touch one row group, patches merge into every read, a new file wins."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lodestar.analytics import snapshot_files, snapshot_patch
from lodestar.analytics import snapshot_store as store
from lodestar.analytics.snapshot_patch import COMPACT_SHARE, write_patch

DAY = date(2026, 3, 1)
EXPLANATION = pa.list_(pa.struct([("measure", pa.string()), ("score", pa.float64())]))


def _table(ids: list[int], base: float) -> pa.Table:
    """Snapshot-shaped rows: a metric, a grade and an explanation list per account."""
    return pa.table(
        {
            "account_id": pa.array(ids, pa.int64()),
            "as_of": pa.array([DAY] * len(ids), pa.date32()),
            "events_7d": pa.array([base + i for i in ids], pa.float64()),
            "grade": pa.array(["green" if i % 2 else "red" for i in ids]),
            "explanations": pa.array([[{"measure": f"m{i}", "score": float(i)}] for i in ids], EXPLANATION),
        }
    )


def test_files_are_sorted_in_small_row_groups_with_statistics(tmp_path: Path) -> None:
    ids = list(range(10_000, 0, -1))  # written in reverse: the store sorts
    path = store.write(tmp_path, DAY, _table(ids, 0.5))
    meta = pq.read_metadata(path)
    assert meta.num_row_groups == -(-10_000 // store.ROW_GROUP_ROWS)
    stored = pq.read_table(path).column("account_id").to_pylist()
    assert stored == sorted(ids)
    found = snapshot_files.footer(path)
    assert found is not None
    assert found.first.tolist() == [1 + g * store.ROW_GROUP_ROWS for g in range(meta.num_row_groups)]


def test_a_point_read_equals_the_row_of_a_full_read_and_decodes_one_row_group(tmp_path: Path) -> None:
    ids = list(range(1, 20_001))
    store.write(tmp_path, DAY, _table(ids, 0.25))
    whole = pq.read_table(store.folder(tmp_path, DAY) / store.FILE).to_pylist()
    for account in (1, 4096, 4097, 12_345, 20_000):
        assert store.read_account(tmp_path, DAY, account) == whole[account - 1]
    found = snapshot_files.footer(store.folder(tmp_path, DAY) / store.FILE)
    assert found is not None
    assert snapshot_files._groups(found, np.array([12_345])) == [(12_345 - 1) // store.ROW_GROUP_ROWS]
    assert store.read_account(tmp_path, DAY, 99_999) is None
    assert store.read_account(tmp_path, date(2026, 3, 2), 1) is None
    assert store.read_account(tmp_path, DAY, 7, ["events_7d", "no_such_metric"]) == {"events_7d": 7.25}


def test_a_patch_replaces_its_accounts_in_point_and_full_reads(tmp_path: Path) -> None:
    ids = list(range(1, 1001))
    store.write(tmp_path, DAY, _table(ids, 0.0))
    write_patch(tmp_path, DAY, _table([5, 700], 1000.0))
    write_patch(tmp_path, DAY, _table([700, 9], 5000.0))  # 700 again: the newest row wins
    assert store.read_account(tmp_path, DAY, 5, ["events_7d"]) == {"events_7d": 1005.0}
    assert store.read_account(tmp_path, DAY, 700, ["events_7d"]) == {"events_7d": 5700.0}
    assert store.read_account(tmp_path, DAY, 6, ["events_7d"]) == {"events_7d": 6.0}
    full = store.read(tmp_path, DAY)
    assert full is not None
    expected = {i: float(i) for i in ids} | {5: 1005.0, 700: 5700.0, 9: 5009.0}
    assert dict(zip(full["account_id"].to_pylist(), full["events_7d"].to_pylist(), strict=True)) == expected
    assert full["account_id"].to_pylist() == ids
    assert store.read(tmp_path, DAY, ["events_7d"]).column_names == ["events_7d"]  # type: ignore[union-attr]
    assert pq.read_table(store.folder(tmp_path, DAY) / store.FILE)["events_7d"][4].as_py() == 5.0  # untouched


def test_a_new_file_for_the_date_makes_an_older_patch_stale(tmp_path: Path) -> None:
    store.write(tmp_path, DAY, _table(list(range(1, 101)), 0.0))
    write_patch(tmp_path, DAY, _table([3], 1000.0))
    # A full run publishes its file by renaming it into place, as snapshots.service does.
    staged = store.write_file(tmp_path / "staged.parquet", _table(list(range(1, 101)), 50.0))
    os.replace(staged, store.folder(tmp_path, DAY) / store.FILE)
    assert store.read_account(tmp_path, DAY, 3, ["events_7d"]) == {"events_7d": 53.0}
    assert store.read(tmp_path, DAY)["events_7d"][2].as_py() == 53.0  # type: ignore[index]


def test_a_patch_without_a_file_answers_point_reads_only(tmp_path: Path) -> None:
    write_patch(tmp_path, DAY, _table([42], 1.0))
    assert store.read_account(tmp_path, DAY, 42, ["events_7d"]) == {"events_7d": 43.0}
    assert store.read(tmp_path, DAY) is None
    assert store.dates(tmp_path) == []
    assert store.dates(tmp_path, patched=True) == [DAY]
    store.write(tmp_path, DAY, _table([1, 42], 0.0))  # the date's run supersedes the patch
    assert not (store.folder(tmp_path, DAY) / store.PATCH).exists()
    assert store.read_account(tmp_path, DAY, 42, ["events_7d"]) == {"events_7d": 42.0}


def test_a_big_patch_is_folded_into_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot_patch, "COMPACT_MIN_ROWS", 10)  # a small file stands for a portfolio
    ids = list(range(1, 201))
    store.write(tmp_path, DAY, _table(ids, 0.0))
    few = list(range(100, 100 + int(COMPACT_SHARE * 200) - 1))  # one short of folding
    write_patch(tmp_path, DAY, _table(few, 1000.0))
    assert (store.folder(tmp_path, DAY) / store.PATCH).exists()
    write_patch(tmp_path, DAY, _table([2, 3], 1000.0))
    assert not (store.folder(tmp_path, DAY) / store.PATCH).exists()
    stored = pq.read_table(store.folder(tmp_path, DAY) / store.FILE)
    expected = {i: float(i) + (1000.0 if i in {*few, 2, 3} else 0.0) for i in ids}
    values = zip(stored["account_id"].to_pylist(), stored["events_7d"].to_pylist(), strict=True)
    assert dict(values) == expected
    assert stored["explanations"][1].as_py() == [{"measure": "m2", "score": 2.0}]
