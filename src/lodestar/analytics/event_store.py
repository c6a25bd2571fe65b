"""The event store: Segment-style messages as Parquet files, one folder per UTC day (part of the analytical
store: ingestion and imports write it, the metrics read it, so it sits below both).

Layout (analytics.event_partitions): ``<events_dir>/date=YYYY-MM-DD/part-<uuid>.parquet``. Every file holds
rows of EVENT_SCHEMA whose ``timestamp`` falls on that UTC day. Files are written under a temporary name and
renamed into place, so a reader never sees half a file. Spark, DuckDB and pyarrow read the folder in place
as a Hive-partitioned set.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lodestar.analytics.event_partitions import day_folder, part_files, partition_days
from lodestar.kit.errors import InvalidInput
from lodestar.kit.time import from_day_number

MESSAGE_TYPES = ("identify", "group", "track", "page", "screen", "alias")
_TS = pa.timestamp("us", tz="UTC")

EVENT_SCHEMA = pa.schema(
    [
        pa.field("message_id", pa.string(), nullable=False),
        pa.field("type", pa.string(), nullable=False),
        pa.field("event", pa.string()),  # null unless type == "track"
        pa.field("name", pa.string()),  # page / screen name
        pa.field("user_id", pa.string()),
        pa.field("anonymous_id", pa.string()),
        pa.field("group_id", pa.string()),  # the account's segment_group_id
        pa.field("timestamp", _TS, nullable=False),
        pa.field("received_at", _TS, nullable=False),
        pa.field("source", pa.string()),  # write-key name
        pa.field("properties", pa.string()),  # JSON object
        pa.field("traits", pa.string()),  # JSON object
    ]
)


def _day_numbers(table: pa.Table) -> np.ndarray:
    micros = table.column("timestamp").cast(pa.int64()).to_numpy()
    return np.floor_divide(micros, 86_400_000_000)


def _check(table: pa.Table) -> pa.Table:
    missing = [f.name for f in EVENT_SCHEMA if f.name not in table.column_names]
    if missing:
        raise InvalidInput.one(missing[0], "column is missing from the events table")
    table = table.select(EVENT_SCHEMA.names)
    try:
        table = table.cast(EVENT_SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError) as exc:
        raise InvalidInput.one("events", f"does not match the event schema: {exc}") from None
    for field in EVENT_SCHEMA:
        if not field.nullable and table.column(field.name).null_count:
            raise InvalidInput.one(field.name, "must not be empty")
    bad = pc.invert(pc.is_in(table.column("type"), value_set=pa.array(MESSAGE_TYPES)))
    if pc.any(bad).as_py():
        raise InvalidInput.one("type", f"must be one of {', '.join(MESSAGE_TYPES)}")
    return table


def _write_atomic(path: Path, table: pa.Table) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd", compression_level=1)
    os.replace(tmp, path)


def write_events(events_dir: Path, table: pa.Table, name: str | None = None) -> list[Path]:
    """Writes events into their UTC-day partitions (one file per day touched); returns the files.

    Each file is `part-<name>.parquet` (a fresh random name by default); writing again under the same
    name replaces those files, which is how a re-imported file overwrites instead of duplicating.
    """
    table = _check(table)
    if table.num_rows == 0:
        return []
    days = _day_numbers(table)
    order = np.argsort(days, kind="stable")
    sorted_days = days[order]
    table = table.take(pa.array(order))
    starts = np.flatnonzero(np.r_[True, sorted_days[1:] != sorted_days[:-1]])
    ends = np.r_[starts[1:], len(sorted_days)]
    written: list[Path] = []
    tag = name or uuid.uuid4().hex[:12]
    for start, end in zip(starts, ends, strict=True):
        day = from_day_number(int(sorted_days[start]))
        folder = day_folder(events_dir, day)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"part-{tag}.parquet"
        _write_atomic(path, table.slice(start, end - start))
        written.append(path)
    return written


def part_path(events_dir: Path, day: date, name: str) -> Path:
    """Where write_events puts the day's file written under this name."""
    return day_folder(events_dir, day) / f"part-{name}.parquet"


def _files(events_dir: Path, start: date | None, end: date | None) -> list[Path]:
    files: list[Path] = []
    for day in partition_days(events_dir):
        if (start is not None and day < start) or (end is not None and day > end):
            continue
        files.extend(part_files(day_folder(events_dir, day)))
    return files


def files_between(events_dir: Path, start: date | None, end: date | None) -> list[Path]:
    """The Parquet files of UTC days start..end (both included; None: unbounded)."""
    return _files(events_dir, start, end)


def read_events(events_dir: Path, start: date | None = None, end: date | None = None) -> pa.Table:
    """Reads the events of UTC days start..end (both included), opening only those days' files."""
    if start is not None and end is not None and end < start:
        raise InvalidInput.one("end", "must not be before start")
    files = _files(events_dir, start, end)
    if not files:
        return EVENT_SCHEMA.empty_table()
    tables = [pq.read_table(f, schema=EVENT_SCHEMA) for f in files]
    return pa.concat_tables(tables)


def count_events(events_dir: Path) -> int:
    """How many events are stored, from the Parquet footers only."""
    return sum(pq.ParquetFile(f).metadata.num_rows for f in _files(events_dir, None, None))


@dataclass(frozen=True)
class StoredCount:
    """Stored events of one source and type: how many, and the newest event time."""

    rows: int
    newest: datetime | None


_footers: dict[tuple[str, int, int], list[tuple[str | None, str | None, int, datetime | None]]] = {}


def _single(stats: pq.Statistics | None) -> str | None:
    """The one value a column chunk holds, when its statistics say so (no nulls, min equal to max)."""
    if stats is None or not stats.has_min_max or stats.null_count or stats.min != stats.max:
        return None
    value = stats.min
    return value.decode() if isinstance(value, bytes) else str(value)


def _row_group_counts(path: Path) -> list[tuple[str | None, str | None, int, datetime | None]]:
    """(source, type, rows, newest) per single-source, single-type part of a file, from its footer; a row
    group mixing sources or types has just those two columns read and counted."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key in _footers:
        return _footers[key]
    parquet = pq.ParquetFile(path)
    names = parquet.schema_arrow.names
    out: list[tuple[str | None, str | None, int, datetime | None]] = []
    for i in range(parquet.metadata.num_row_groups):
        group = parquet.metadata.row_group(i)
        stats = {n: group.column(names.index(n)).statistics for n in ("source", "type", "timestamp")}
        newest = stats["timestamp"].max if stats["timestamp"] and stats["timestamp"].has_min_max else None
        source, kind = _single(stats["source"]), _single(stats["type"])
        if source is not None and kind is not None:
            out.append((source, kind, group.num_rows, newest))
            continue
        table = parquet.read_row_group(i, columns=["source", "type", "timestamp"])
        counted = table.group_by(["source", "type"]).aggregate(
            [("timestamp", "count", pc.CountOptions("all")), ("timestamp", "max")]
        )
        for row in counted.to_pylist():
            out.append((row["source"], row["type"], row["timestamp_count"], row["timestamp_max"]))
    if len(_footers) > 100_000:  # files replaced or removed since: start over rather than grow forever
        _footers.clear()
    _footers[key] = out
    return out


def stored_counts(events_dir: Path, name_prefix: str) -> dict[tuple[str | None, str | None], StoredCount]:
    """Events in the files whose names start with `name_prefix` (e.g. ``part-import-``), per (source, type),
    read from the Parquet footers (row counts and column statistics), not by scanning the events."""
    totals: dict[tuple[str | None, str | None], StoredCount] = {}
    for day in partition_days(events_dir):
        for path in part_files(day_folder(events_dir, day)):
            if not path.name.startswith(name_prefix):
                continue
            for source, kind, rows, newest in _row_group_counts(path):
                seen = totals.get((source, kind), StoredCount(0, None))
                latest = max((t for t in (seen.newest, newest) if t is not None), default=None)
                totals[(source, kind)] = StoredCount(seen.rows + rows, latest)
    return totals
