"""The mover: copies acknowledged messages from the ingest log into the Parquet event store.

Each round takes a log range ``[start, end)``, records it as *pending* in ``checkpoint.json`` (write, fsync,
rename), writes its rows through ``store.write_events`` into a staging folder, renames each day's file to
``part-log-<start>-<end>.parquet`` and only then advances the checkpoint. After a crash the pending range
is moved again under the same names, which overwrites rather than duplicates. A message the store cannot
take (a time outside what it can hold, a field of the wrong kind) is quarantined in the dead-letter folder
(events.ingest.quarantine) and the rest of its range is stored: no single message ever stops the mover.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import orjson
import pyarrow as pa
from sqlalchemy.orm import Session, sessionmaker

from lodestar.analytics import event_store as store
from lodestar.events import service
from lodestar.events.ingest import quarantine, rows
from lodestar.events.ingest.log import IngestLog, write_json_atomic
from lodestar.events.ingest.log_records import LogRecord

log = logging.getLogger(__name__)
AfterMove = Callable[[pa.Table], None]  # told each moved range's stored rows (a layer above chains work)
DEDUP_WINDOW_S = 24 * 3600.0  # how long moved log segments stay, so retries are still recognised
DEDUP_WINDOW_BYTES = 1 << 30


def read_checkpoint(folder: Path) -> dict[str, Any]:
    """The mover's checkpoint: the moved offset and a pending range, if any."""
    path = folder / "checkpoint.json"
    if not path.exists():
        return {"offset": 0, "pending": None}
    return dict(orjson.loads(path.read_bytes()))


class LogSource(Protocol):
    """What the mover reads: the owning IngestLog in-process, or a LogReader in the mover process."""

    folder: Path
    log_id: str

    def read(self, offset: int, max_bytes: int = ...) -> list[LogRecord]: ...


class Mover:
    """Moves the log into the event store, one range per call of move_once."""

    def __init__(
        self,
        source: LogSource,
        sessions: sessionmaker[Session],
        events_dir: Path,
        max_bytes: int = 8 << 20,
        dead_letter: Path | None = None,
        after_move: AfterMove | None = None,
    ) -> None:
        self.log = source
        # Messages the store cannot take go here (the data dir's dead-letter folder by default).
        self.dead_letter = dead_letter or quarantine.dead_letter_dir(source.folder.parent)
        self.sessions = sessions
        self.events_dir = events_dir
        self.max_bytes = max_bytes
        self.progressed = False  # whether the last round advanced the checkpoint (even with no rows)
        self.after_move = after_move

    def move_once(self) -> int:
        """Moves one range of the log; returns how many messages it moved."""
        folder = self.log.folder
        checkpoint = read_checkpoint(folder)
        pending = checkpoint.get("pending")
        self.progressed = False
        if pending:
            start, end = pending
            records = [r for r in self.log.read(start, end - start + 1) if r.end <= end]
        else:
            start = checkpoint["offset"]
            records = self.log.read(start, self.max_bytes)
            if not records:
                return 0
            end = records[-1].end
            write_json_atomic(folder / "checkpoint.json", {"offset": start, "pending": [start, end]})
        table, moved = self._rows(records, start, end)
        self._write(table, start, end)
        with self.sessions.begin() as session:
            service.apply_moved(session, moved)
        write_json_atomic(folder / "checkpoint.json", {"offset": end, "pending": None})
        self.progressed = True
        if isinstance(self.log, IngestLog):  # in the mover process the log's owner releases segments
            self.log.release(end, DEDUP_WINDOW_S, DEDUP_WINDOW_BYTES)
        if self.after_move is not None and table.num_rows:
            try:
                self.after_move(table)
            except Exception:  # the range is moved for good: what follows it must not undo or repeat it
                log.exception("the step after moving events failed; the daily run will catch up")
        return table.num_rows

    def _rows(self, records: list[LogRecord], start: int, end: int) -> tuple[pa.Table, service.MovedRange]:
        envelopes, dead = _envelopes(records)
        users = {
            u
            for e in envelopes
            for m in e["m"]
            if isinstance(m, dict) and isinstance(u := m.get("userId"), str)
        }
        with self.sessions() as session:
            links = service.group_links(session, users)
        moved = service.MovedRange(self.log.log_id, start, end)
        found: list[tuple[dict[str, Any], dict[str, Any], str]] = []  # (row, message, source)
        for env in envelopes:
            source = str(env.get("s"))
            received = rows.instant(env.get("r"), "receivedAt", datetime.now(UTC))
            _count_received(env, source, received, moved)
            for m in env["m"]:
                try:
                    found.append((rows.to_row(m, source, received, links), m, source))
                except rows.Unstorable as exc:
                    dead.append(_dead_entry(source, str(exc), m))
        table, refused = rows.table([row for row, _, _ in found])
        for i, reason in refused:
            dead.append(_dead_entry(found[i][2], reason, found[i][1]))
        skip = {i for i, _ in refused}
        for i, (row, m, _) in enumerate(found):
            if i not in skip:
                _count(row, m, moved)
        quarantine.write_range(self.dead_letter, start, end, dead)
        return table, moved

    def _write(self, table: pa.Table, start: int, end: int) -> None:
        staging = self.log.folder / "staging"
        shutil.rmtree(staging, ignore_errors=True)
        for path in store.write_events(staging, table):
            dest_dir = self.events_dir / path.parent.name
            dest_dir.mkdir(parents=True, exist_ok=True)
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
            # A name fixed by the log range: moving the same range again replaces, never duplicates.
            os.replace(path, dest_dir / f"part-log-{start:016d}-{end:016d}.parquet")
            fd = os.open(dest_dir, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        shutil.rmtree(staging, ignore_errors=True)


def _envelopes(records: list[LogRecord]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The records' envelopes, and dead-letter entries for any record body that is not one."""
    envelopes: list[dict[str, Any]] = []
    dead: list[dict[str, Any]] = []
    for record in records:
        if not record.body:
            continue
        try:
            env = orjson.loads(record.body)
            if not isinstance(env, dict) or not isinstance(env.get("m"), list):
                raise ValueError("not a message envelope")
            envelopes.append(env)
        except ValueError as exc:
            dead.append(
                _dead_entry(
                    None, f"log record at {record.start}: {exc}", record.body.decode(errors="replace")
                )
            )
    return envelopes, dead


def _dead_entry(source: str | None, reason: str, message: Any) -> dict[str, Any]:
    return {"at": datetime.now(UTC).isoformat(), "source": source, "reason": reason, "message": message}


def _tally(moved: service.MovedRange, source: str, kind: str, hour: datetime) -> service.Tally:
    tally = moved.tallies.get((source, kind, hour))
    if tally is None:
        tally = moved.tallies[(source, kind, hour)] = service.Tally()
    return tally


def _count_received(env: dict[str, Any], source: str, received: datetime, moved: service.MovedRange) -> None:
    """Counts a record's messages as accepted and its "d" as deduplicated, by the hour they arrived."""
    hour = received.replace(minute=0, second=0, microsecond=0)
    for m in env["m"]:
        kind = m.get("type") if isinstance(m, dict) else None
        _tally(moved, source, kind if kind in store.MESSAGE_TYPES else "unknown", hour).accepted += 1
    dupes = env.get("d")
    for kind, n in dupes.items() if isinstance(dupes, dict) else ():
        if kind in store.MESSAGE_TYPES and isinstance(n, int):
            _tally(moved, source, kind, hour).deduplicated += n


def _count(row: dict[str, Any], m: dict[str, Any], moved: service.MovedRange) -> None:
    """Adds a stored row to the range's counts, group links and groups."""
    kind, source, at, user = row["type"], row["source"], row["timestamp"], row["user_id"]
    if kind == "group":
        group = row["group_id"]
        if user:
            moved.links[user] = (group, at)
        _, name, count, _ = moved.groups.get(group, (source, None, 0, at))
        traits = m.get("traits")
        traits = traits if isinstance(traits, dict) else {}
        group_name = traits.get("name")
        moved.groups[group] = (source, group_name if isinstance(group_name, str) else name, count + 1, at)
    tally = _tally(moved, source, kind, row["received_at"].replace(minute=0, second=0, microsecond=0))
    tally.stored += 1
    if tally.newest is None or at > tally.newest:
        tally.newest = at
