"""The per-user/feature last-active state of the latest date, kept beside the roll-ups as events land.

The distinct counts of a window ending on the latest day need no rescan of per-day roll-ups: a user was
active in the last w days exactly when their last active day is within them. Five small Parquet files
under ``<rollup_dir>/state/``, each sorted by group_id so one account's rows are one row group:

- ``recent``: (group_id, day, events) for the 180 days up to the latest roll-up day;
- ``users``: (group_id, user_id, last_day); ``features``: (group_id, feature, last_day);
- ``accounts``: (group_id, last_day); ``trained``: (group_id, user_id, first_day) of the training event.

``meta.json`` holds the roll-up manifest the state was built from: the state is trusted only while that
equals the roll-ups' own manifest, and it is removed before any file changes so a crash leaves no
half-written state in use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import orjson

from lodestar.kit.time import day_number

STATE_DIR = "state"
STATE_KINDS = ("recent", "users", "features", "accounts", "trained")
RECENT_DAYS = 180
TRAINING_EVENT = "Training Completed"
ROW_GROUP = 65_536
# zstd at level 1, as the event files are written: the roll-ups and the state are rewritten whenever a day
# changes, and level 1 costs a fifth less CPU than DuckDB's default level at the same file size.
ZSTD = "COMPRESSION zstd, COMPRESSION_LEVEL 1"
_META = "meta.json"

Manifest = dict[str, dict[str, list[int]]]


@dataclass(frozen=True)
class Source:
    """How one state kind is made: its keys, the roll-up rows it reads, and how days combine."""

    keys: str
    rollup: str
    column: str  # last_day or first_day
    combine: str  # max or min: merging new days into the state is the same aggregate
    where: str


SOURCES = {
    "users": Source("group_id, user_id", "users", "last_day", "max", "user_id IS NOT NULL"),
    "features": Source("group_id, feature", "usage", "last_day", "max", "feature IS NOT NULL"),
    "accounts": Source("group_id", "accounts", "last_day", "max", "TRUE"),
    "trained": Source(
        "group_id, user_id",
        "usage",
        "first_day",
        "min",
        f"feature = '{TRAINING_EVENT}' AND user_id IS NOT NULL",
    ),
}


def state_path(rollup_dir: Path, kind: str) -> Path:
    """The Parquet file of one state kind."""
    return rollup_dir / STATE_DIR / f"{kind}.parquet"


def state_meta_path(rollup_dir: Path) -> Path:
    """The file naming the roll-up manifest the state was built from."""
    return rollup_dir / STATE_DIR / _META


def state_manifest(rollup_dir: Path) -> Manifest | None:
    """The roll-up manifest the state was built from, or None when there is no usable state."""
    path = state_meta_path(rollup_dir)
    return orjson.loads(path.read_bytes()) if path.exists() else None


def _copy(con: duckdb.DuckDBPyConnection, sql: str, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    con.execute(f"COPY ({sql}) TO '{tmp}' (FORMAT parquet, {ZSTD}, ROW_GROUP_SIZE {ROW_GROUP})")
    os.replace(tmp, target)


def _files(rollup_dir: Path, kind: str, days: list[str]) -> str:
    paths = [str(rollup_dir / kind / f"{d}.parquet") for d in days]
    return "[" + ", ".join(f"'{p}'" for p in paths) + "]"


def _rows(rollup_dir: Path, source: Source, days: list[str]) -> str:
    """The roll-up rows of these days as (keys..., column)."""
    files = _files(rollup_dir, source.rollup, days)
    return f"SELECT {source.keys}, day AS {source.column} FROM read_parquet({files}) WHERE {source.where}"


def _write_kind(con: duckdb.DuckDBPyConnection, rollup_dir: Path, kind: str, rows: str) -> None:
    s = SOURCES[kind]
    sql = f"SELECT {s.keys}, {s.combine}({s.column}) AS {s.column} FROM ({rows}) GROUP BY ALL"
    _copy(con, f"{sql} ORDER BY {s.keys}", state_path(rollup_dir, kind))


def _rebuild_kind(con: duckdb.DuckDBPyConnection, rollup_dir: Path, kind: str, days: list[str]) -> None:
    _write_kind(con, rollup_dir, kind, _rows(rollup_dir, SOURCES[kind], days))


def _merge_kind(con: duckdb.DuckDBPyConnection, rollup_dir: Path, kind: str, days: list[str]) -> None:
    s, old = SOURCES[kind], state_path(rollup_dir, kind)
    both = f"SELECT {s.keys}, {s.column} FROM read_parquet('{old}') UNION ALL {_rows(rollup_dir, s, days)}"
    _write_kind(con, rollup_dir, kind, both)


def _recent(
    con: duckdb.DuckDBPyConnection, rollup_dir: Path, days: list[str], only: list[str] | None = None
) -> None:
    """The recent window's per-day counts; with `only`, the old file keeps every other day's rows."""
    latest = date.fromisoformat(days[-1])
    keep = [d for d in days if date.fromisoformat(d) > latest - timedelta(days=RECENT_DAYS)]
    read = keep if only is None else [d for d in only if d in keep]
    sql = f"SELECT group_id, day, events FROM read_parquet({_files(rollup_dir, 'accounts', read)})"
    if only is not None:
        old, first = state_path(rollup_dir, "recent"), min(day_number(date.fromisoformat(d)) for d in keep)
        redone = ", ".join(str(day_number(date.fromisoformat(d))) for d in only)
        kept = f"SELECT group_id, day, events FROM read_parquet('{old}') WHERE day >= {first}"
        kept = f"{kept} AND day NOT IN ({redone})"
        sql = f"{kept} UNION ALL {sql}" if read else kept
    _copy(con, f"{sql} ORDER BY group_id, day", state_path(rollup_dir, "recent"))


def _grown(before: Manifest, after: Manifest, day: str) -> bool:
    """Whether a day only gained files since `before` (new days count): merging it again stays exact."""
    old, new = before.get(day, {}), after.get(day, {})
    return all(new.get(name) == sig for name, sig in old.items())


def update_state(
    con: duckdb.DuckDBPyConnection, rollup_dir: Path, before: Manifest, after: Manifest, rebuilt: list[str]
) -> None:
    """Brings the state from the roll-ups of `before` to those of `after`, merging new days when it can."""
    folder = rollup_dir / STATE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    built_from = state_manifest(rollup_dir)
    files_there = all(state_path(rollup_dir, k).exists() for k in STATE_KINDS)
    if built_from == after and files_there:
        return
    (folder / _META).unlink(missing_ok=True)
    days = sorted(after)
    if not days:
        for kind in STATE_KINDS:
            state_path(rollup_dir, kind).unlink(missing_ok=True)
        return
    # Events that land today add files to today's folder: the day grew, and as each state kind keeps a max
    # (or min) per key, merging the whole day again is exact. A changed or vanished file needs a rebuild.
    grown = set(before) <= set(after) and all(_grown(before, after, d) for d in rebuilt)
    merge = built_from == before and files_there and grown
    for kind in SOURCES:
        if not merge:
            _rebuild_kind(con, rollup_dir, kind, days)
        elif rebuilt:
            _merge_kind(con, rollup_dir, kind, sorted(rebuilt))
    _recent(con, rollup_dir, days, sorted(rebuilt) if merge and rebuilt else None)
    tmp = folder / f".{_META}.tmp"
    tmp.write_bytes(orjson.dumps(after, option=orjson.OPT_SORT_KEYS))
    os.replace(tmp, folder / _META)
