"""The ingest log: append-only segment files of checksummed records, fsynced with group commit.

Records and segment files are laid out as events.ingest.log_records says. One writer thread takes every
append queued since its last round, writes them with one ``write`` and one ``fdatasync``, then wakes all
their waiters: an append is acknowledged only once it is on disk. Opening the log truncates a torn tail
(a partial record left by a crash). A LogReader reads, from another process, what the owner made durable.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import orjson

from lodestar.events.ingest.log_records import (
    LogRecord,
    parse_records,
    read_records,
    segment_path,
    segment_starts,
)
from lodestar.events.ingest.mark import DurableMark

MARK_FILE = "durable"  # the durable mark, shared with the mover process
LOG_ID_FILE = "log-id"


class LogBusy(RuntimeError):
    """Another process holds this ingest log."""


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomic(path: Path, value: Any) -> None:
    """Writes JSON under a temporary name, fsyncs it and renames it into place."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(orjson.dumps(value))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


class _Waiter:
    """Wakes a blocked thread when its append is durable."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.end = 0
        self.error: BaseException | None = None

    def settle(self, end: int, error: BaseException | None) -> None:
        self.end, self.error = end, error
        self.event.set()


class IngestLog:
    """A durable append-only log in one folder, owned by one process at a time."""

    def __init__(self, folder: Path, segment_bytes: int = 64 << 20, max_pending_bytes: int = 64 << 20):
        self.folder = folder
        self.segment_bytes = segment_bytes
        self.max_pending_bytes = max_pending_bytes
        self.seen: dict[bytes, int] = {}  # dedup key -> start of the segment holding it
        self.durable_end = 0
        self.log_id = ""
        self.truncated_bytes = 0
        self._segments: list[int] = []
        self._sizes: dict[int, int] = {}
        self._fd = -1
        self._lock_fd = -1
        self._cond = threading.Condition()
        self._seg_lock = threading.Lock()
        self._pending: list[tuple[bytes, Any]] = []
        self._pending_bytes = 0
        self._closing = False
        self._thread: threading.Thread | None = None
        self.mark: DurableMark | None = None

    # -- opening and recovery -------------------------------------------------------------------------

    def open(self) -> IngestLog:
        """Locks the folder, truncates a torn tail, rebuilds the dedup set and starts the writer."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(self.folder / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            raise LogBusy(f"another process is using the ingest log in {self.folder}") from None
        self.log_id = self._read_log_id()
        self._segments = segment_starts(self.folder)
        if not self._segments:
            self._create_segment(0)
        for start in self._segments:
            self._recover(start)
        last = self._segments[-1]
        self._fd = os.open(segment_path(self.folder, last), os.O_WRONLY | os.O_APPEND)
        self.durable_end = last + self._sizes[last]
        self.mark = DurableMark(self.folder / MARK_FILE)
        self.mark.set(self.durable_end)
        self._thread = threading.Thread(target=self._run, name="ingest-log-writer", daemon=True)
        self._thread.start()
        return self

    def _read_log_id(self) -> str:
        path = self.folder / LOG_ID_FILE
        if path.exists():
            return str(orjson.loads(path.read_bytes()))
        log_id = uuid.uuid4().hex
        write_json_atomic(path, log_id)
        return log_id

    def _create_segment(self, start: int) -> None:
        fd = os.open(segment_path(self.folder, start), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.fsync(fd)
        os.close(fd)
        _fsync_dir(self.folder)
        with self._seg_lock:
            self._sizes[start] = 0
            self._segments.append(start)

    def _recover(self, start: int) -> None:
        path = segment_path(self.folder, start)
        data = path.read_bytes()
        records, good = parse_records(data, start)
        if good < len(data):
            # A torn or corrupt tail: everything after the last whole record was never acknowledged.
            self.truncated_bytes += len(data) - good
            with open(path, "r+b") as fh:
                fh.truncate(good)
                os.fsync(fh.fileno())
        self._sizes[start] = good
        for record in records:
            for key in record.ids:
                self.seen[key] = start

    def segments(self) -> list[tuple[int, int]]:
        """The segments as (start, size)."""
        return [(s, self._sizes[s]) for s in list(self._segments)]

    # -- appending ------------------------------------------------------------------------------------

    @property
    def pending_bytes(self) -> int:
        """Bytes queued but not yet on disk (the back-pressure signal)."""
        return self._pending_bytes

    def overloaded(self) -> bool:
        """Whether the un-fsynced queue is too deep to take more."""
        return self._pending_bytes > self.max_pending_bytes

    def append_async(self, record: bytes) -> asyncio.Future[int]:
        """Queues a framed record; the future gives its end offset once it is on disk."""
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._enqueue(record, fut)
        return fut

    def append(self, record: bytes) -> int:
        """Queues a framed record and blocks until it is on disk; returns its end offset."""
        waiter = _Waiter()
        self._enqueue(record, waiter)
        waiter.event.wait()
        if waiter.error is not None:
            raise waiter.error
        return waiter.end

    def _enqueue(self, record: bytes, waiter: Any) -> None:
        with self._cond:
            if self._closing:
                raise RuntimeError("the ingest log is closed")
            self._pending.append((record, waiter))
            self._pending_bytes += len(record)
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closing:
                    self._cond.wait()
                batch, self._pending = self._pending, []
                if not batch:
                    return
            error: BaseException | None = None
            try:
                self._write(b"".join(r for r, _ in batch))
            except OSError as exc:
                error = exc
            with self._cond:
                self._pending_bytes -= sum(len(r) for r, _ in batch)
            self._settle(batch, self.durable_end, error)

    def _write(self, data: bytes) -> None:
        if not data:
            return
        active = self._segments[-1]
        if self._sizes[active] and self._sizes[active] + len(data) > self.segment_bytes:
            os.close(self._fd)
            self._create_segment(active + self._sizes[active])
            active = self._segments[-1]
            self._fd = os.open(segment_path(self.folder, active), os.O_WRONLY | os.O_APPEND)
        view = memoryview(data)
        written = 0
        try:
            while written < len(data):
                written += os.write(self._fd, view[written:])
            os.fdatasync(self._fd)
        except OSError:
            os.ftruncate(self._fd, self._sizes[active])  # drop the failed group; none of it is acknowledged
            raise
        self._sizes[active] += len(data)
        self.durable_end = active + self._sizes[active]
        if self.mark is not None:
            self.mark.set(self.durable_end)

    @staticmethod
    def _settle(batch: list[tuple[bytes, Any]], end: int, error: BaseException | None) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[int]]] = {}
        for _, waiter in batch:
            if isinstance(waiter, _Waiter):
                waiter.settle(end, error)
            else:
                by_loop.setdefault(waiter.get_loop(), []).append(waiter)
        for loop, futures in by_loop.items():
            loop.call_soon_threadsafe(_settle_futures, futures, end, error)

    # -- reading and releasing ------------------------------------------------------------------------

    def read(self, offset: int, max_bytes: int = 32 << 20) -> list[LogRecord]:
        """Durable records from offset on, about max_bytes of them (at least one if any)."""
        spans = [(s, min(s + self._sizes.get(s, 0), self.durable_end)) for s in list(self._segments)]
        return read_records(self.folder, spans, offset, max_bytes)

    def release(self, moved: int, keep_seconds: float, keep_bytes: int) -> int:
        """Deletes sealed segments wholly below `moved` that fall outside the dedup window; returns count."""
        now = time.time()
        sealed = [s for s in self._segments[:-1] if s + self._sizes[s] <= moved]
        retained = sum(self._sizes[s] for s in sealed)
        dropped: set[int] = set()
        for start in sealed:
            too_old = now - segment_path(self.folder, start).stat().st_mtime > keep_seconds
            if too_old or retained > keep_bytes:
                dropped.add(start)
                retained -= self._sizes[start]
        if not dropped:
            return 0
        with self._seg_lock:
            self._segments = [s for s in self._segments if s not in dropped]
        for start in dropped:
            segment_path(self.folder, start).unlink(missing_ok=True)
            self._sizes.pop(start, None)
        for key, start in list(self.seen.items()):  # pop in place: the receiver adds concurrently
            if start in dropped:
                self.seen.pop(key, None)
        return len(dropped)

    @property
    def active_segment(self) -> int:
        """Start offset of the segment being appended to."""
        return self._segments[-1]

    def close(self) -> None:
        """Stops the writer after it has written everything queued, and unlocks the folder."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self.mark is not None:
            self.mark.close()
            self.mark = None
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1


def _settle_futures(futures: list[asyncio.Future[int]], end: int, error: BaseException | None) -> None:
    for fut in futures:
        if fut.done():
            continue
        if error is None:
            fut.set_result(end)
        else:
            fut.set_exception(error)


class LogReader:
    """Reads durable records of an ingest log that another process owns and appends to (the mover's view)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.log_id = str(orjson.loads((folder / LOG_ID_FILE).read_bytes()))
        self.mark = DurableMark(folder / MARK_FILE)

    @property
    def durable_end(self) -> int:
        """How far the owner has fsynced the log."""
        return self.mark.get()

    def read(self, offset: int, max_bytes: int = 32 << 20) -> list[LogRecord]:
        """Durable records from offset on, about max_bytes of them (at least one if any)."""
        durable = self.durable_end
        starts = segment_starts(self.folder)
        # Without the owner's sizes a segment may be read up to the next one's start, and never past the mark.
        ends = [*starts[1:], durable]
        spans = [(start, min(end, durable)) for start, end in zip(starts, ends, strict=True)]
        return read_records(self.folder, spans, offset, max_bytes)
