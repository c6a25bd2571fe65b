"""Roll-up days a first build folded into the state without writing, written when something first reads them.

A first build (no roll-up yet: an install's first run after importing months of events) needs every day's
events for the last-active state, but the latest date's metrics read the per-day roll-ups of its last few
weeks only. So when the caller computes that one date (a backfill reads every day anyway) it writes the
roll-up files of the newest FIRST_BUILD_DAYS days, folds the older days into the state straight from each
batch's scan, and lists those older days in ``deferred.json`` (day: the event files' signature, as in the
manifest). Whatever reads roll-up files of a range of days (the engines' `rollup_files`, the value reports)
calls `rollups.ensure_days` first, which writes the listed days of that range and strikes them off. Every
writer of the roll-up folder holds its lock (`writer_lock`).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
import orjson

from lodestar.analytics.event_partitions import day_folder, part_files
from lodestar.analytics.last_active_state import Manifest
from lodestar.kit.time import from_day_number

FIRST_BUILD_DAYS = 31  # a first build writes this many newest days' roll-ups (feature adoption reads 30)
_DEFERRED = "deferred.json"
_LOCK = ".lock"

BuildDays = Callable[[duckdb.DuckDBPyConnection, dict[date, list[Path]], Path], None]


@contextmanager
def writer_lock(rollup_dir: Path) -> Iterator[None]:
    """Holds the roll-up folder's lock (one writer at a time, across processes) for the block."""
    rollup_dir.mkdir(parents=True, exist_ok=True)
    with (rollup_dir / _LOCK).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_deferred(rollup_dir: Path) -> Manifest:
    """The days whose roll-up files are not written yet (ISO day: their event files' signature)."""
    path = rollup_dir / _DEFERRED
    return orjson.loads(path.read_bytes()) if path.exists() else {}


def save_deferred(rollup_dir: Path, deferred: Manifest) -> None:
    """Replaces the list at once (none left: the file goes)."""
    path = rollup_dir / _DEFERRED
    if not deferred:
        path.unlink(missing_ok=True)
        return
    tmp = rollup_dir / f".{_DEFERRED}.tmp"
    tmp.write_bytes(orjson.dumps(deferred, option=orjson.OPT_SORT_KEYS))
    os.replace(tmp, path)


def _in_range(day: str, first_day: int | None, last_day: int | None) -> bool:
    first = date.min if first_day is None else from_day_number(first_day)
    last = date.max if last_day is None else from_day_number(last_day)
    return first <= date.fromisoformat(day) <= last


def deferred_in(rollup_dir: Path, first_day: int | None = None, last_day: int | None = None) -> list[str]:
    """The deferred days of this range (day numbers; None: open-ended), oldest first."""
    return sorted(d for d in load_deferred(rollup_dir) if _in_range(d, first_day, last_day))


def write_deferred(
    con: duckdb.DuckDBPyConnection,
    events_dir: Path,
    rollup_dir: Path,
    build: BuildDays,
    batch_days: int,
    first_day: int | None = None,
    last_day: int | None = None,
) -> list[str]:
    """Writes the deferred days of this range (day numbers; None: open-ended) and strikes them off; the
    caller holds the lock. The days written."""
    files = {
        d: part_files(day_folder(events_dir, date.fromisoformat(d)))
        for d in deferred_in(rollup_dir, first_day, last_day)
    }
    # A day whose events are gone stays listed: the next update drops it with its roll-ups.
    wanted = [d for d, found in files.items() if found]
    for start in range(0, len(wanted), batch_days):
        days = wanted[start : start + batch_days]
        build(con, {date.fromisoformat(d): files[d] for d in days}, rollup_dir)
    if wanted:
        save_deferred(rollup_dir, {d: sig for d, sig in load_deferred(rollup_dir).items() if d not in wanted})
    return wanted
