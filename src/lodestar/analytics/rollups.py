"""Incremental daily roll-ups of the event store, rebuilt only for event partitions that changed.

Three roll-ups per UTC day, each one Parquet file ``<rollup_dir>/<kind>/YYYY-MM-DD.parquet``:
``usage`` (group_id, user_id, feature, day, events), ``users`` (group_id, user_id, day, events) and
``accounts`` (group_id, day, events). ``day`` is the day number since 1970-01-01; only track and page
events with a group_id count. A manifest of the partition files seen (size, mtime) says what changed.
The per-user/feature last-active state (analytics.last_active_state) is brought along in the same update.
A first build writes only its newest days' files and folds the rest into the state; those are written when
first read (analytics.deferred_rollups; readers call `ensure_days`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

import duckdb
import orjson

from lodestar.analytics.deferred_rollups import (
    FIRST_BUILD_DAYS,
    deferred_in,
    load_deferred,
    save_deferred,
    write_deferred,
    writer_lock,
)
from lodestar.analytics.event_partitions import day_folder, part_files, partition_days
from lodestar.analytics.last_active_state import ZSTD, Fold, Manifest, update_state
from lodestar.kit.time import day_number

KINDS = ("usage", "users", "accounts")
_MANIFEST = "manifest.json"

# Every changed day of a batch in one scan: a file's day is its partition folder's (date=YYYY-MM-DD).
_USAGE = """
CREATE OR REPLACE TEMP TABLE usage AS
SELECT group_id, user_id, coalesce(event, name) AS feature, CAST(date - DATE '1970-01-01' AS INTEGER) AS day,
       CAST(count(*) AS BIGINT) AS events
FROM read_parquet(?, hive_partitioning = true, hive_types = {'date': DATE}, union_by_name = true)
WHERE type IN ('track', 'page') AND group_id IS NOT NULL
GROUP BY ALL
"""
BATCH_DAYS = 31  # days built per scan: one statement per kind for all of them, memory bounded by the batch
_DERIVED = {
    "usage": "SELECT * FROM usage",
    "users": "SELECT group_id, user_id, day, CAST(sum(events) AS BIGINT) AS events FROM usage "
    "WHERE user_id IS NOT NULL GROUP BY ALL",
    "accounts": "SELECT group_id, day, CAST(sum(events) AS BIGINT) AS events FROM usage GROUP BY ALL",
}


@dataclass(frozen=True)
class RollupUpdate:
    """What an update did: the days rebuilt and the days dropped (their partition vanished)."""

    rebuilt: list[date]
    dropped: list[date]


def _signature(folder: Path) -> dict[str, list[int]]:
    sig: dict[str, list[int]] = {}
    for path in part_files(folder):
        st = path.stat()
        sig[path.name] = [st.st_size, st.st_mtime_ns]
    return sig


def _load_manifest(rollup_dir: Path) -> dict[str, dict[str, list[int]]]:
    path = rollup_dir / _MANIFEST
    return orjson.loads(path.read_bytes()) if path.exists() else {}


def _save_manifest(rollup_dir: Path, manifest: dict[str, dict[str, list[int]]]) -> None:
    tmp = rollup_dir / f".{_MANIFEST}.tmp"
    tmp.write_bytes(orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS))
    os.replace(tmp, rollup_dir / _MANIFEST)


def build_days(con: duckdb.DuckDBPyConnection, batch: dict[date, list[Path]], rollup_dir: Path) -> None:
    """Rebuilds the roll-ups of these days: one scan of their event files, one partitioned write per kind.

    Each day's file is written to a scratch folder first and moved into place (each move atomic), as a
    rebuild of one day alone would be; a day with no counted events gets an empty file all the same.
    """
    con.execute(_USAGE, [[str(f) for paths in batch.values() for f in paths]])
    scratch = rollup_dir / f".build-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    try:
        for kind, sql in _DERIVED.items():
            out = scratch / kind
            con.execute(
                f"COPY ({sql}) TO '{out}' (FORMAT parquet, {ZSTD}, PARTITION_BY (day), "
                "WRITE_PARTITION_COLUMNS true)"
            )
            for day in batch:
                built = sorted((out / f"day={day_number(day)}").glob("*.parquet"))
                _place(con, built, sql, rollup_dir / kind / f"{day.isoformat()}.parquet")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _place(con: duckdb.DuckDBPyConnection, built: list[Path], sql: str, target: Path) -> None:
    """Moves a day's built file into place; a day written as several files, or none (no counted event that
    day: an empty roll-up of the same columns), is written whole beside it first."""
    if len(built) != 1:
        source = f"SELECT * FROM read_parquet({[str(f) for f in built]})" if built else f"{sql} LIMIT 0"
        one = target.with_name(f".{target.name}.tmp")
        con.execute(f"COPY ({source}) TO '{one}' (FORMAT parquet, {ZSTD})")
        built = [one]
    os.replace(built[0], target)


def _drop_day(day: str, rollup_dir: Path) -> None:
    for kind in KINDS:
        (rollup_dir / kind / f"{day}.parquet").unlink(missing_ok=True)


def _connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # DuckDB's bar goes to stdout: it would break --json
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def update_rollups(
    events_dir: Path, rollup_dir: Path, threads: int | None = None, reading: Sequence[date] = ()
) -> RollupUpdate:
    """Brings the roll-ups and the last-active state up to date with the events, rebuilding changed days.

    `reading`: the dates the caller computes next. A first build defers its older days only when that is
    one date on or after the newest day with events, which the state answers; a past date's metrics read
    every day's roll-ups from the first."""
    with writer_lock(rollup_dir):
        return _update(events_dir, rollup_dir, threads, reading)


def ensure_days(
    events_dir: Path, rollup_dir: Path, first_day: int | None = None, last_day: int | None = None
) -> list[str]:
    """Writes the roll-ups of the deferred days in this range (day numbers; None: open-ended), so that the
    files a reader lists are all there. The days written."""
    # The usual case, a point read or the latest days: nothing of the range deferred, and no lock taken
    # (an update holding it for seconds would stall the reader).
    if not deferred_in(rollup_dir, first_day, last_day):
        return []
    with writer_lock(rollup_dir):
        con = _connect()
        try:
            return write_deferred(con, events_dir, rollup_dir, build_days, BATCH_DAYS, first_day, last_day)
        finally:
            con.close()


def _first_build(
    con: duckdb.DuckDBPyConnection, pending: dict[date, list[Path]], rollup_dir: Path, manifest: Manifest
) -> None:
    """Every day new: the newest FIRST_BUILD_DAYS days written, the older ones only folded into the state
    and listed as deferred (the list is written before the manifest: a crash leaves no day counted as
    written that is not)."""
    days = sorted(pending)
    older, newer = days[:-FIRST_BUILD_DAYS], days[-FIRST_BUILD_DAYS:]
    fold = Fold(con, [d.isoformat() for d in days])
    for start in range(0, len(older), BATCH_DAYS):
        batch = older[start : start + BATCH_DAYS]
        con.execute(_USAGE, [[str(f) for d in batch for f in pending[d]]])
        fold.add()
    for start in range(0, len(newer), BATCH_DAYS):
        build_days(con, {d: pending[d] for d in newer[start : start + BATCH_DAYS]}, rollup_dir)
        fold.add()
    save_deferred(rollup_dir, {d.isoformat(): manifest[d.isoformat()] for d in older})
    fold.write(rollup_dir, manifest)


def _update(events_dir: Path, rollup_dir: Path, threads: int | None, reading: Sequence[date]) -> RollupUpdate:
    for kind in KINDS:
        (rollup_dir / kind).mkdir(parents=True, exist_ok=True)
    manifest = _load_manifest(rollup_dir)
    before = dict(manifest)
    rebuilt: list[date] = []
    seen: set[str] = set()
    pending: dict[date, list[Path]] = {}
    con = _connect(threads)
    try:
        for day in partition_days(events_dir):
            key = day.isoformat()
            folder = day_folder(events_dir, day)
            sig = _signature(folder)
            if not sig:
                continue
            seen.add(key)
            if manifest.get(key) == sig:
                continue
            pending[day] = [folder / name for name in sig]
            manifest[key] = sig
            rebuilt.append(day)
        dropped = [key for key in manifest if key not in seen]
        for key in dropped:
            _drop_day(key, rollup_dir)
            del manifest[key]
        latest_only = len(reading) == 1 and bool(rebuilt) and reading[0] >= rebuilt[-1]
        if not before and len(rebuilt) > FIRST_BUILD_DAYS and latest_only:
            _first_build(con, pending, rollup_dir, manifest)
        else:
            deferred = load_deferred(rollup_dir)
            gone = {d.isoformat() for d in rebuilt} | set(dropped)
            if gone & set(deferred):  # rebuilt or vanished days are written (or dropped) as usual now
                save_deferred(rollup_dir, {d: sig for d, sig in deferred.items() if d not in gone})
            for start in range(0, len(rebuilt), BATCH_DAYS):
                days = rebuilt[start : start + BATCH_DAYS]
                build_days(con, {d: pending[d] for d in days}, rollup_dir)
            write_all = partial(write_deferred, con, events_dir, rollup_dir, build_days, BATCH_DAYS)
            update_state(con, rollup_dir, before, manifest, [d.isoformat() for d in rebuilt], write_all)
    finally:
        con.close()
    _save_manifest(rollup_dir, manifest)
    return RollupUpdate(rebuilt, [date.fromisoformat(k) for k in dropped])


def load_manifest(rollup_dir: Path) -> dict[str, dict[str, list[int]]]:
    """The roll-ups' manifest: each built day's event partition files (size, mtime)."""
    return _load_manifest(rollup_dir)
