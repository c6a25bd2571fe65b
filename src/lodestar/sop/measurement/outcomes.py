"""Outcome lookup: an account's outcome metric at the first snapshot on or after a target day."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from lodestar.analytics import snapshot_store as store
from lodestar.kit.time import day_number, from_day_number


def snapshot_days(root: Path, as_of: date) -> np.ndarray:
    """Day numbers of the stored snapshots up to as_of, oldest first."""
    return np.array([day_number(d) for d in store.dates(root) if d <= as_of], dtype=np.int64)


def measured_on(targets: np.ndarray, days: np.ndarray) -> np.ndarray:
    """For each target day, the first snapshot day on or after it; -1 where none exists yet."""
    if len(days) == 0:
        return np.full(len(targets), -1, dtype=np.int64)
    pos = np.searchsorted(days, targets, side="left")
    found = pos < len(days)
    return np.where(found, days[np.minimum(pos, len(days) - 1)], -1)


Column = tuple[np.ndarray, np.ndarray]  # account ids (sorted) and their values


def _column(root: Path, snap: int, metric: str, cache: dict[tuple[int, str], Column | None]) -> Column | None:
    """One snapshot's metric by account, read once per analysis."""
    if (snap, metric) not in cache:
        path = store.folder(root, from_day_number(snap)) / store.FILE
        has = path.exists() and metric in pq.read_schema(path).names
        table = store.read(root, from_day_number(snap), columns=["account_id", metric]) if has else None
        if table is None or table.num_rows == 0:
            cache[(snap, metric)] = None
        else:
            ids = table.column("account_id").to_numpy()
            values = table.column(metric).cast("float64").fill_null(np.nan).to_numpy()
            order = np.argsort(ids)
            cache[(snap, metric)] = (ids[order], values[order])
    return cache[(snap, metric)]


def read_outcomes(
    root: Path,
    accounts: np.ndarray,
    on: np.ndarray,
    metric: str,
    cache: dict[tuple[int, str], Column | None] | None = None,
) -> np.ndarray:
    """The metric of each (account, snapshot day) pair; NaN where the snapshot has no value for it."""
    cache = {} if cache is None else cache
    out = np.full(len(accounts), np.nan)
    for snap in np.unique(on[on >= 0]):
        column = _column(root, int(snap), metric, cache)
        if column is None:
            continue
        ids, values = column
        here = np.flatnonzero(on == snap)
        pos = np.minimum(np.searchsorted(ids, accounts[here]), len(ids) - 1)
        hit = ids[pos] == accounts[here]
        out[here[hit]] = values[pos[hit]]
    return out


class Outcomes:
    """The snapshot store as an analysis reads it: days up to as_of, each column read once."""

    def __init__(self, root: Path, as_of: date) -> None:
        self.root = root
        self.days = snapshot_days(root, as_of)
        self._cache: dict[tuple[int, str], Column | None] = {}

    def read(
        self, accounts: np.ndarray, start_days: np.ndarray, after_days: int, metric: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """The metric at the first snapshot on or after start + after_days, and that day (-1: none yet)."""
        on = measured_on(start_days + after_days, self.days)
        return read_outcomes(self.root, accounts, on, metric, self._cache), on
