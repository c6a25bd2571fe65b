"""The mover: copies acknowledged messages from the ingest log into the Parquet event store.

Each round takes a log range ``[start, end)``, records it as *pending* in ``checkpoint.json`` (write, fsync,
rename), writes its rows through ``store.write_events`` into a staging folder, renames each day's file to
``part-log-<start>-<end>.parquet`` and only then advances the checkpoint. After a crash the pending range
is moved again under the same names, which overwrites rather than duplicates.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import orjson
import pyarrow as pa
from sqlalchemy.orm import Session, sessionmaker

from lodestar.analytics import event_store as store
from lodestar.events import service
from lodestar.events.ingest.log import IngestLog, write_json_atomic
from lodestar.events.ingest.log_records import LogRecord

DEDUP_WINDOW_S = 24 * 3600.0  # how long moved log segments stay, so retries are still recognised
DEDUP_WINDOW_BYTES = 1 << 30


def read_checkpoint(folder: Path) -> dict[str, Any]:
    """The mover's checkpoint: the moved offset and a pending range, if any."""
    path = folder / "checkpoint.json"
    if not path.exists():
        return {"offset": 0, "pending": None}
    return dict(orjson.loads(path.read_bytes()))


def _instant(value: Any, fallback: datetime) -> datetime:
    if not isinstance(value, str):
        return fallback
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return fallback
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _json(value: Any) -> str | None:
    return orjson.dumps(value).decode() if value else None


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
    ) -> None:
        self.log = source
        self.sessions = sessions
        self.events_dir = events_dir
        self.max_bytes = max_bytes
        self.progressed = False  # whether the last round advanced the checkpoint (even with no rows)

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
        return table.num_rows

    def _rows(self, records: list[LogRecord], start: int, end: int) -> tuple[pa.Table, service.MovedRange]:
        envelopes = [orjson.loads(r.body) for r in records if r.body]
        users = {m["userId"] for e in envelopes for m in e["m"] if m.get("userId")}
        with self.sessions() as session:
            links = service.group_links(session, users)
        moved = service.MovedRange(self.log.log_id, start, end)
        cols: dict[str, list[Any]] = {name: [] for name in store.EVENT_SCHEMA.names}
        for env in envelopes:
            source = env["s"]
            received = _instant(env["r"], datetime.now(UTC))
            hour = received.replace(minute=0, second=0, microsecond=0)
            for m in env["m"]:
                self._row(m, source, received, hour, links, moved, cols)
        return pa.table(cols, schema=store.EVENT_SCHEMA), moved

    @staticmethod
    def _row(
        m: dict[str, Any],
        source: str,
        received: datetime,
        hour: datetime,
        links: dict[str, str],
        moved: service.MovedRange,
        cols: dict[str, list[Any]],
    ) -> None:
        kind, user = m["type"], m.get("userId")
        context = m.get("context") or {}
        at = _instant(m.get("timestamp") or m.get("originalTimestamp"), received)
        traits = m.get("traits") or (context.get("traits") if kind == "identify" else None)
        if kind == "group":
            group = m["groupId"]
            if user:
                links[user] = group
                moved.links[user] = (group, at)
            _, name, count, _ = moved.groups.get(group, (source, None, 0, at))
            moved.groups[group] = (source, (m.get("traits") or {}).get("name") or name, count + 1, at)
        else:
            group = context.get("groupId") or (links.get(user) if user else None)
        props = m.get("properties")
        cols["message_id"].append(m["messageId"])
        cols["type"].append(kind)
        cols["event"].append(m.get("event") if kind == "track" else None)
        cols["name"].append(
            m.get("name") or ((props or {}).get("name") if kind in ("page", "screen") else None)
        )
        cols["user_id"].append(user)
        cols["anonymous_id"].append(m.get("anonymousId"))
        cols["group_id"].append(str(group) if group else None)
        cols["timestamp"].append(at)
        cols["received_at"].append(received)
        cols["source"].append(source)
        cols["properties"].append(_json(props))
        cols["traits"].append(_json(traits))
        tally = moved.tallies.get((source, kind, hour))
        if tally is None:
            tally = moved.tallies[(source, kind, hour)] = service.Tally()
        tally.stored += 1
        if tally.newest is None or at > tally.newest:
            tally.newest = at

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
