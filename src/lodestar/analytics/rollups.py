"""Incremental daily roll-ups of the event store, rebuilt only for event partitions that changed.

Three roll-ups per UTC day, each one Parquet file ``<rollup_dir>/<kind>/YYYY-MM-DD.parquet``:
``usage`` (group_id, user_id, feature, day, events), ``users`` (group_id, user_id, day, events) and
``accounts`` (group_id, day, events). ``day`` is the day number since 1970-01-01; only track and page
events with a group_id count. A manifest of the partition files seen (size, mtime) says what changed.
The per-user/feature last-active state (analytics.last_active_state) is brought along in the same update.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import orjson

from lodestar.analytics.event_partitions import day_folder, part_files, partition_days
from lodestar.analytics.last_active_state import update_state
from lodestar.kit.time import day_number

KINDS = ("usage", "users", "accounts")
_MANIFEST = "manifest.json"

_USAGE = """
CREATE OR REPLACE TEMP TABLE usage AS
SELECT group_id, user_id, coalesce(event, name) AS feature, CAST(? AS INTEGER) AS day,
       CAST(count(*) AS BIGINT) AS events
FROM read_parquet(?) WHERE type IN ('track', 'page') AND group_id IS NOT NULL
GROUP BY ALL
"""
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


def _build_day(con: duckdb.DuckDBPyConnection, day: date, files: list[Path], rollup_dir: Path) -> None:
    con.execute(_USAGE, [day_number(day), [str(f) for f in files]])
    for kind, sql in _DERIVED.items():
        target = rollup_dir / kind / f"{day.isoformat()}.parquet"
        tmp = target.with_name(f".{target.name}.tmp")
        con.execute(f"COPY ({sql}) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)")
        os.replace(tmp, target)


def _drop_day(day: str, rollup_dir: Path) -> None:
    for kind in KINDS:
        (rollup_dir / kind / f"{day}.parquet").unlink(missing_ok=True)


def update_rollups(events_dir: Path, rollup_dir: Path, threads: int | None = None) -> RollupUpdate:
    """Brings the roll-ups and the last-active state up to date with the events, rebuilding changed days."""
    for kind in KINDS:
        (rollup_dir / kind).mkdir(parents=True, exist_ok=True)
    manifest = _load_manifest(rollup_dir)
    before = dict(manifest)
    rebuilt: list[date] = []
    seen: set[str] = set()
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
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
            _build_day(con, day, [folder / name for name in sig], rollup_dir)
            manifest[key] = sig
            rebuilt.append(day)
        dropped = [key for key in manifest if key not in seen]
        for key in dropped:
            _drop_day(key, rollup_dir)
            del manifest[key]
        update_state(con, rollup_dir, before, manifest, [d.isoformat() for d in rebuilt])
    finally:
        con.close()
    _save_manifest(rollup_dir, manifest)
    return RollupUpdate(rebuilt, [date.fromisoformat(k) for k in dropped])


def load_manifest(rollup_dir: Path) -> dict[str, dict[str, list[int]]]:
    """The roll-ups' manifest: each built day's event partition files (size, mtime)."""
    return _load_manifest(rollup_dir)
