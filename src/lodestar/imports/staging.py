"""Staging of a streamed event import: batches become per-day Parquet files in a private folder, published
into the event store by rename only once every row of the file has passed its checks.

The folder is ``<data dir>/.import-staging/<random>/`` (beside the event store, on the same file system, so
publishing is a rename). A refused or failed import removes it; the store never sees a staged file.
Each day's rows are buffered up to a row group and appended to that day's staged file, so memory holds
at most a few row groups whatever the file's size. Staged files get the store's names
(``part-<import name>.parquet``; ``-1``, ``-2``… when more than MAX_OPEN days were open at once), so a
re-import of the same file under the same mapping replaces its own files instead of adding copies.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from lodestar.analytics import event_store as store
from lodestar.analytics.event_partitions import day_folder
from lodestar.kit.time import from_day_number

STAGING = ".import-staging"
ROW_GROUP_ROWS = 256_000  # rows a day buffers before it is written as one row group
MAX_BUFFERED = 1_000_000  # rows all days together may buffer before every buffer is written out
MAX_OPEN = 64  # day files open at once (a file spanning years must not run out of file handles)
WRITERS = min(4, os.cpu_count() or 1)  # days written at once
STALE_AFTER_S = 24 * 3600.0  # a staging folder this old was left by a process that died mid-import
_IDS = pa.schema([pa.field("message_id", pa.string()), pa.field("row", pa.int64())])


@dataclass
class _Day:
    """One UTC day's staged rows: its files, the open writer and the rows not yet written."""

    count: int = 0
    files: list[Path] = field(default_factory=list)
    writer: pq.ParquetWriter | None = None
    buffer: list[pa.Table] = field(default_factory=list)
    buffered: int = 0
    used: int = 0  # when it last took rows (for closing the least recently used writer)


def _fsync(path: Path) -> None:
    # A file is on disk before it gets its store name: a crash must not leave a short file under a name
    # that a re-import would take as already imported. (A lost rename only means the re-import redoes it.)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Stage:
    """A streamed import's staging folder: counts rows per day and, unless `write` is off, stages them."""

    def __init__(self, events_dir: Path, name: str, write: bool = True) -> None:
        self.name, self.write = name, write
        parent = events_dir.parent / STAGING
        _remove_stale(parent)
        self.root = parent / uuid.uuid4().hex
        self.root.mkdir(parents=True)
        self.days: dict[int, _Day] = {}
        self._buffered = 0
        self._tick = 0
        self._ids: pq.ParquetWriter | None = None

    def add(self, events: pa.Table) -> None:
        """Takes one checked batch of EVENT_SCHEMA rows."""
        micros = events.column("timestamp").cast(pa.int64()).to_numpy()
        days = np.floor_divide(micros, 86_400_000_000)
        in_order = bool(np.all(days[1:] >= days[:-1]))  # an export sorted by time needs no reordering
        order = None if in_order else np.argsort(days, kind="stable")
        sorted_days = days if order is None else days[order]
        starts = (
            np.flatnonzero(np.r_[True, sorted_days[1:] != sorted_days[:-1]]) if len(days) else np.zeros(0)
        )
        ends = np.r_[starts[1:], len(days)] if len(days) else np.zeros(0)
        if self.write and order is not None:
            events = events.take(pa.array(order))
        for start, end in zip(starts, ends, strict=True):
            day = self.days.setdefault(int(sorted_days[start]), _Day())
            day.count += int(end - start)
            if self.write:
                self._tick += 1
                day.used = self._tick
                day.buffer.append(events.slice(start, end - start))
                day.buffered += int(end - start)
                self._buffered += int(end - start)
                if day.buffered >= ROW_GROUP_ROWS:
                    self._flush(int(sorted_days[start]), day)
                    self._buffered -= day.buffered
                    day.buffer, day.buffered = [], 0
        if self.write and in_order and len(days):
            self._finish_days_before(int(sorted_days[-1]))
        if self._buffered > MAX_BUFFERED:
            self._flush_all()

    def add_ids(self, ids: pa.Array, first_row: int) -> None:
        """Keeps a batch's given message ids with their rows, for the check that none repeats."""
        if self._ids is None:
            self._ids = pq.ParquetWriter(self.root / "ids.parquet", _IDS, compression="zstd")
        rows = pa.array(np.arange(first_row, first_row + len(ids), dtype=np.int64))
        self._ids.write_table(pa.table([ids, rows], schema=_IDS))

    def repeated_ids(self, limit: int) -> list[tuple[str, list[int]]]:
        """Message ids given on more than one row, with those rows (earliest first), in file order."""
        if self._ids is None:
            return []
        self._ids.close()
        self._ids = None
        con = duckdb.connect(config={"memory_limit": "512MB", "temp_directory": str(self.root / "spill")})
        try:
            query = (
                "SELECT message_id, list(row ORDER BY row) FROM read_parquet(?) GROUP BY message_id "
                "HAVING count(*) > 1 ORDER BY min(row) LIMIT ?"
            )
            found = con.execute(query, [str(self.root / "ids.parquet"), limit]).fetchall()
        finally:
            con.close()
        return [(str(i), list(rows)) for i, rows in found]

    def _open(self, number: int, day: _Day) -> pq.ParquetWriter:
        """The day's writer, opening a file for it (and closing the least recently used one) if needed."""
        if day.writer is None:
            open_days = [d for d in self.days.values() if d.writer is not None]
            if len(open_days) >= MAX_OPEN:
                oldest = min(open_days, key=lambda d: d.used)
                assert oldest.writer is not None
                oldest.writer.close()
                oldest.writer = None
            folder = self.root / day_folder(Path("."), from_day_number(number)).name
            folder.mkdir(exist_ok=True)
            suffix = f"-{len(day.files)}" if day.files else ""
            path = folder / f"part-{self.name}{suffix}.parquet"
            day.writer = pq.ParquetWriter(path, store.EVENT_SCHEMA, compression="zstd", compression_level=1)
            day.files.append(path)
        return day.writer

    def _finish_days_before(self, number: int) -> None:
        """Writes out and closes the days before `number`: in a file sorted by time they are complete.

        Their buffered rows are slices that keep whole batches alive, and an open writer keeps its own
        buffers, so leaving finished days open made memory grow with the file. Should a later batch bring
        one of them more rows after all, it gets a further file (``-1``…), as any reopened day does."""
        for key, day in self.days.items():
            if key >= number or (not day.buffer and day.writer is None):
                continue
            if day.buffer:
                self._flush(key, day)
                self._buffered -= day.buffered
                day.buffer, day.buffered = [], 0
            assert day.writer is not None
            day.writer.close()
            day.writer = None

    def _flush(self, number: int, day: _Day) -> None:
        if day.buffer:
            self._open(number, day)
            self._write(day)

    def _write(self, day: _Day) -> None:
        assert day.writer is not None
        day.writer.write_table(pa.concat_tables(day.buffer), row_group_size=ROW_GROUP_ROWS)

    def _flush_all(self) -> None:
        """Writes every day's buffer, several days at once (Parquet encoding releases the GIL)."""
        pending = sorted((n, d) for n, d in self.days.items() if d.buffer)
        for i in range(0, len(pending), MAX_OPEN):  # the days of one round all stay open
            chunk = pending[i : i + MAX_OPEN]
            for number, day in chunk:
                self._tick += 1
                day.used = self._tick
                self._open(number, day)
            with ThreadPoolExecutor(WRITERS) as pool:
                list(pool.map(self._write, [day for _, day in chunk]))
        for _, day in pending:
            day.buffer, day.buffered = [], 0
        self._buffered = 0

    def counts(self) -> dict[date, int]:
        """Rows per UTC day."""
        return {from_day_number(n): d.count for n, d in sorted(self.days.items())}

    def publish(self, events_dir: Path) -> tuple[int, int]:
        """Moves the staged files into the store; returns (created, unchanged) rows.

        A day that already holds this import's file counts as unchanged (the same file imported again);
        when nothing is new, nothing is moved. A failure while moving takes back the files it placed."""
        created = unchanged = 0
        for when, count in self.counts().items():
            if store.part_path(events_dir, when, self.name).exists():
                unchanged += count
            else:
                created += count
        if not self.write or not created:
            return created, unchanged
        self._flush_all()
        for day in self.days.values():
            if day.writer is not None:
                day.writer.close()
                day.writer = None
        placed: list[Path] = []
        try:
            for number, day in sorted(self.days.items()):
                placed += self._place(events_dir, from_day_number(number), day.files)
        except BaseException:
            for path in placed:
                path.unlink(missing_ok=True)
            raise
        return created, unchanged

    def _place(self, events_dir: Path, day: date, files: list[Path]) -> list[Path]:
        folder = day_folder(events_dir, day)
        folder.mkdir(parents=True, exist_ok=True)
        placed = []
        for path in files:
            _fsync(path)
            target = folder / path.name
            fresh = not target.exists()
            os.replace(path, target)
            if fresh:
                placed.append(target)
        for stale in folder.glob(f"part-{self.name}-*.parquet"):  # an earlier run split the day otherwise
            if stale.name not in {p.name for p in files}:
                stale.unlink()
        return placed

    def discard(self) -> None:
        """Removes the staging folder and everything in it."""
        for day in self.days.values():
            if day.writer is not None:
                day.writer.close()
                day.writer = None
        if self._ids is not None:
            self._ids.close()
            self._ids = None
        shutil.rmtree(self.root, ignore_errors=True)


def _remove_stale(parent: Path) -> None:
    if not parent.is_dir():
        return
    cutoff = time.time() - STALE_AFTER_S
    for child in parent.iterdir():
        if child.is_dir() and child.stat().st_mtime < cutoff:
            shutil.rmtree(child, ignore_errors=True)
