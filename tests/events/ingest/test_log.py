"""The ingest log and the mover on their own: torn tails, recovery, idempotent moves."""

from __future__ import annotations

from pathlib import Path

import orjson
from sqlalchemy import Engine

from lodestar.analytics import event_store as store
from lodestar.db.engine import session_factory
from lodestar.events.ingest.log import IngestLog
from lodestar.events.ingest.log_records import encode
from lodestar.events.ingest.mover import Mover, read_checkpoint
from tests.conftest import wipe


def _record(key: bytes, n: int) -> bytes:
    body = {
        "k": 1,
        "s": "src",
        "r": "2026-03-01T10:00:00+00:00",
        "m": [
            {
                "type": "track",
                "event": "E",
                "userId": "u",
                "messageId": f"{key.decode()}-{i}",
                "timestamp": "2026-03-01T09:00:00Z",
            }
            for i in range(n)
        ],
    }
    return encode([f"1:{key.decode()}-{i}".encode() for i in range(n)], orjson.dumps(body))


def test_a_torn_tail_is_truncated_and_whole_records_survive(tmp_path: Path) -> None:
    log = IngestLog(tmp_path).open()
    end = log.append(_record(b"a", 3))
    log.close()
    segment = next(tmp_path.glob("seg-*.log"))
    with open(segment, "ab") as fh:
        fh.write(_record(b"b", 2)[:-7])  # a crash in the middle of a write
    reopened = IngestLog(tmp_path).open()
    assert reopened.truncated_bytes > 0
    assert segment.stat().st_size == end
    assert [len(r.ids) for r in reopened.read(0)] == [3]
    assert set(reopened.seen) == {b"1:a-0", b"1:a-1", b"1:a-2"}  # the dedup set is rebuilt from the log
    assert reopened.append(_record(b"c", 1)) > end
    reopened.close()


def test_segments_roll_over_and_read_back_in_order(tmp_path: Path) -> None:
    log = IngestLog(tmp_path, segment_bytes=600).open()
    for i in range(6):
        log.append(_record(f"s{i}".encode(), 1))
    assert len(log.segments()) > 1
    assert [r.ids[0] for r in log.read(0)] == [f"1:s{i}-0".encode() for i in range(6)]
    log.close()


def test_a_pending_range_moved_again_after_a_crash_is_not_duplicated(tmp_path: Path, engine: Engine) -> None:
    wipe(engine)
    log = IngestLog(tmp_path / "ingest").open()
    log.append(_record(b"x", 5))
    mover = Mover(log, session_factory(engine), tmp_path / "events")
    assert mover.move_once() == 5
    # Pretend the process died after writing the Parquet file but before advancing the checkpoint.
    done = read_checkpoint(log.folder)
    (log.folder / "checkpoint.json").write_bytes(orjson.dumps({"offset": 0, "pending": [0, done["offset"]]}))
    assert mover.move_once() == 5
    assert mover.move_once() == 0
    assert store.count_events(tmp_path / "events") == 5
    log.close()
