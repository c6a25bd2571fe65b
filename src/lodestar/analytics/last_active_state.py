"""The per-user/feature last-active state of the latest date, kept beside the roll-ups as events land.

The distinct counts of a window ending on the latest day need no rescan of per-day roll-ups: a user was
active in the last w days exactly when their last active day is within them. Five kinds of state under
``<rollup_dir>/state/``, each a Parquet file sorted by group_id so one account's rows are one row group:

- ``recent``: (group_id, day, events) for the 180 days up to the latest roll-up day;
- ``users``: (group_id, user_id, last_day); ``features``: (group_id, feature, last_day);
- ``accounts``: (group_id, last_day); ``trained``: (group_id, user_id, first_day) of the training event.

Each kind is a **base** file and, once days were merged into it, a **delta** (``<kind>.delta.parquet``)
holding the rows those days changed: for users, features, accounts and trained the rows of every key a
merged day touched (its value combined with the base's, so the delta's row replaces the base's), for
recent every row of the merged days (they replace those days' rows). A day's merge then writes the small
delta, not the whole state (millions of rows at 100,000 accounts); once the delta passes COMPACT_SHARE of
the base they are folded into a new base. Readers see base and delta together: `state_sql` (DuckDB),
`read_state` (Arrow).

``meta.json`` holds the roll-up manifest the state was built from: the state is trusted only while that
equals the roll-ups' own manifest, and it is removed before any file changes so a crash leaves no
half-written state in use.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lodestar.kit.time import day_number

STATE_DIR = "state"
STATE_KINDS = ("recent", "users", "features", "accounts", "trained")
RECENT_DAYS = 180
TRAINING_EVENT = "Training Completed"
ROW_GROUP = 65_536
# zstd at level 1, as the event files are written: the roll-ups and the state are rewritten whenever a day
# changes, and level 1 costs a fifth less CPU than DuckDB's default level at the same file size.
ZSTD = "COMPRESSION zstd, COMPRESSION_LEVEL 1"
COMPACT_SHARE = 0.25  # the delta is folded into the base once it holds this share of the base's rows
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
    """The base Parquet file of one state kind."""
    return rollup_dir / STATE_DIR / f"{kind}.parquet"


def delta_path(rollup_dir: Path, kind: str) -> Path:
    """The delta of one state kind: the rows merged days changed since the base was written."""
    return rollup_dir / STATE_DIR / f"{kind}.delta.parquet"


def state_meta_path(rollup_dir: Path) -> Path:
    """The file naming the roll-up manifest the state was built from."""
    return rollup_dir / STATE_DIR / _META


def state_manifest(rollup_dir: Path) -> Manifest | None:
    """The roll-up manifest the state was built from, or None when there is no usable state."""
    path = state_meta_path(rollup_dir)
    return orjson.loads(path.read_bytes()) if path.exists() else None


def _keys(kind: str) -> str:
    return "group_id, day" if kind == "recent" else SOURCES[kind].keys


def _columns(kind: str) -> str:
    return "group_id, day, events" if kind == "recent" else f"{SOURCES[kind].keys}, {SOURCES[kind].column}"


def _first_recent_day(days: list[str]) -> int:
    """The first day number of the recent window ending on the newest of these days."""
    return day_number(date.fromisoformat(max(days))) - RECENT_DAYS + 1


def _parquet(path: Path) -> str:
    return "read_parquet('" + str(path).replace("'", "''") + "')"


def _layered(kind: str, base: Path, delta: Path | None, first: int | None) -> str:
    cols, window = _columns(kind), "" if first is None else f" WHERE day >= {first}"
    if delta is None:
        return f"SELECT {cols} FROM {_parquet(base)}{window}"
    # ANTI JOIN: the base's rows the delta does not supersede (same day for recent, same key otherwise).
    on = (
        "(SELECT DISTINCT day FROM {d}) d USING (day)"
        if kind == "recent"
        else "{d} d USING (" + _keys(kind) + ")"
    )
    kept = f"SELECT {cols} FROM {_parquet(base)} ANTI JOIN {on.format(d=_parquet(delta))}{window}"
    return f"{kept} UNION ALL SELECT {cols} FROM {_parquet(delta)}{window}"


def state_sql(rollup_dir: Path, kind: str) -> str:
    """The state of this kind as one DuckDB query: the base with the delta's rows in place of those they
    supersede (recent: the window's days only)."""
    delta = delta_path(rollup_dir, kind)
    built = state_manifest(rollup_dir) if kind == "recent" else None
    first = _first_recent_day(sorted(built)) if built else None
    return _layered(kind, state_path(rollup_dir, kind), delta if delta.exists() else None, first)


def read_state(rollup_dir: Path, kind: str, group_id: str | None = None) -> pa.Table:
    """The state of this kind as an Arrow table (only this group's rows when given), sorted by its keys."""
    base, delta = state_path(rollup_dir, kind), delta_path(rollup_dir, kind)
    wanted = None if group_id is None else [("group_id", "=", group_id)]
    table = pq.read_table(base, filters=wanted)
    if delta.exists():
        newer = pq.read_table(delta, filters=wanted)
        on = ["day"] if kind == "recent" else [k.strip() for k in _keys(kind).split(",")]
        superseded = newer.select(on).group_by(on).aggregate([])
        kept = table.join(superseded, on, join_type="left anti")
        # A join declares every column nullable, the files may not: the join's schema holds.
        table = pa.concat_tables([kept, newer.select(kept.column_names).cast(kept.schema)])
    built = state_manifest(rollup_dir) if kind == "recent" else None
    if built:
        table = table.filter(pc.field("day") >= _first_recent_day(sorted(built)))
    keys = [k.strip() for k in _keys(kind).split(",")]
    return table.sort_by([(k, "ascending") for k in keys])


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
    delta_path(rollup_dir, kind).unlink(missing_ok=True)


def _rebuild_kind(con: duckdb.DuckDBPyConnection, rollup_dir: Path, kind: str, days: list[str]) -> None:
    _write_kind(con, rollup_dir, kind, _rows(rollup_dir, SOURCES[kind], days))


def _rows_in(path: Path) -> int:
    return pq.ParquetFile(path).metadata.num_rows if path.exists() else 0


def _fold_if_large(con: duckdb.DuckDBPyConnection, rollup_dir: Path, kind: str, layered: str) -> None:
    """Folds the delta into a new base (`layered`: the state read from both) once it passes COMPACT_SHARE
    of the base's rows."""
    base, delta = state_path(rollup_dir, kind), delta_path(rollup_dir, kind)
    if _rows_in(delta) <= COMPACT_SHARE * max(_rows_in(base), 1):
        return
    _copy(con, f"{layered} ORDER BY {_keys(kind)}", base)
    delta.unlink()


def _merge_kind(con: duckdb.DuckDBPyConnection, rollup_dir: Path, kind: str, days: list[str]) -> None:
    """Merges these days into the delta: each key they touch with its value combined with the state's."""
    s, delta = SOURCES[kind], delta_path(rollup_dir, kind)
    new = _rows(rollup_dir, s, days)
    now = _layered(kind, state_path(rollup_dir, kind), delta if delta.exists() else None, None)
    cols = f"{s.keys}, {s.column}"
    touched = (
        f"SELECT {s.keys}, {s.combine}({s.column}) AS {s.column} FROM ("
        f"SELECT {cols} FROM new UNION ALL "
        f"SELECT {cols} FROM now SEMI JOIN new USING ({s.keys})) GROUP BY ALL"
    )
    kept = (
        f"SELECT {cols} FROM {_parquet(delta)} ANTI JOIN touched USING ({s.keys}) UNION ALL "
        if delta.exists()
        else ""
    )
    sql = f"WITH new AS ({new}), now AS ({now}), touched AS ({touched}) {kept}SELECT {cols} FROM touched"
    _copy(con, f"{sql} ORDER BY {s.keys}", delta)
    _fold_if_large(con, rollup_dir, kind, _layered(kind, state_path(rollup_dir, kind), delta, None))


def _recent(
    con: duckdb.DuckDBPyConnection, rollup_dir: Path, days: list[str], only: list[str] | None = None
) -> None:
    """The recent window's per-day counts; with `only` (days merged), their rows go to the delta, which
    keeps every other merged day's rows."""
    first = _first_recent_day(days)
    keep = [d for d in days if day_number(date.fromisoformat(d)) >= first]
    base, delta = state_path(rollup_dir, "recent"), delta_path(rollup_dir, "recent")
    read = keep if only is None else [d for d in only if d in keep]
    sql = f"SELECT group_id, day, events FROM read_parquet({_files(rollup_dir, 'accounts', read)})"
    if only is None:
        _copy(con, f"{sql} ORDER BY group_id, day", base)
        delta.unlink(missing_ok=True)
        return
    redone = ", ".join(str(day_number(date.fromisoformat(d))) for d in only)
    if delta.exists():
        kept = f"SELECT group_id, day, events FROM {_parquet(delta)} WHERE day >= {first}"
        kept = f"{kept} AND day NOT IN ({redone})"
        sql = f"{kept} UNION ALL {sql}" if read else kept
    elif not read:
        return
    _copy(con, f"{sql} ORDER BY group_id, day", delta)
    _fold_if_large(con, rollup_dir, "recent", _layered("recent", base, delta, first))


class Fold:
    """The state of a first build, folded straight from each batch's `usage` table (lodestar.analytics.
    rollups) as it is scanned, so no roll-up is read back; equal to the state built from the roll-ups."""

    def __init__(self, con: duckdb.DuckDBPyConnection, days: list[str]) -> None:
        self.con, self.first_recent, self.started = con, _first_recent_day(days), False

    def add(self) -> None:
        """Folds the temporary table `usage` (one batch of days) into the running state."""
        for kind, s in SOURCES.items():
            new = f"SELECT {s.keys}, {s.combine}(day) AS {s.column} FROM usage WHERE {s.where} GROUP BY ALL"
            if self.started:  # the running state and this batch, combined again: memory stays one state
                both = f"SELECT * FROM fold_{kind} UNION ALL {new}"
                new = f"SELECT {s.keys}, {s.combine}({s.column}) AS {s.column} FROM ({both}) GROUP BY ALL"
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE fold_{kind} AS {new}")
        recent = (
            "SELECT group_id, day, CAST(sum(events) AS BIGINT) AS events FROM usage "
            f"WHERE day >= {self.first_recent} GROUP BY ALL"
        )
        into = "INSERT INTO fold_recent " if self.started else "CREATE OR REPLACE TEMP TABLE fold_recent AS "
        self.con.execute(into + recent)
        self.started = True

    def write(self, rollup_dir: Path, after: Manifest) -> None:
        """Writes the folded state as the base files (no delta) of the roll-ups of `after`."""
        folder = rollup_dir / STATE_DIR
        folder.mkdir(parents=True, exist_ok=True)
        (folder / _META).unlink(missing_ok=True)
        self.con.execute("DROP TABLE IF EXISTS usage")  # the last batch's scan: its memory goes first
        for kind in STATE_KINDS:
            columns = "group_id, day, events" if kind == "recent" else "*"
            _copy(
                self.con,
                f"SELECT {columns} FROM fold_{kind} ORDER BY {_keys(kind)}",
                state_path(rollup_dir, kind),
            )
            delta_path(rollup_dir, kind).unlink(missing_ok=True)
            self.con.execute(f"DROP TABLE fold_{kind}")
        _write_meta(folder, after)


def _write_meta(folder: Path, after: Manifest) -> None:
    tmp = folder / f".{_META}.tmp"
    tmp.write_bytes(orjson.dumps(after, option=orjson.OPT_SORT_KEYS))
    os.replace(tmp, folder / _META)


def _grown(before: Manifest, after: Manifest, day: str) -> bool:
    """Whether a day only gained files since `before` (new days count): merging it again stays exact."""
    old, new = before.get(day, {}), after.get(day, {})
    return all(new.get(name) == sig for name, sig in old.items())


def update_state(
    con: duckdb.DuckDBPyConnection,
    rollup_dir: Path,
    before: Manifest,
    after: Manifest,
    rebuilt: list[str],
    write_all: Callable[[], object] = lambda: None,
) -> None:
    """Brings the state from the roll-ups of `before` to those of `after`, merging new days when it can.

    A rebuild reads every day's roll-ups: `write_all` first writes those a first build deferred."""
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
            delta_path(rollup_dir, kind).unlink(missing_ok=True)
        return
    # Events that land today add files to today's folder: the day grew, and as each state kind keeps a max
    # (or min) per key, merging the whole day again is exact. A changed or vanished file needs a rebuild.
    grown = set(before) <= set(after) and all(_grown(before, after, d) for d in rebuilt)
    merge = built_from == before and files_there and grown
    if not merge:
        write_all()
    for kind in SOURCES:
        if not merge:
            _rebuild_kind(con, rollup_dir, kind, days)
        elif rebuilt:
            _merge_kind(con, rollup_dir, kind, sorted(rebuilt))
    _recent(con, rollup_dir, days, sorted(rebuilt) if merge and rebuilt else None)
    _write_meta(folder, after)
