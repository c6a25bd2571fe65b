"""No single message stops the mover: bad times are refused at the door, and anything the store cannot take
is quarantined in the dead-letter folder while the messages around it are stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import Engine

from lodestar.analytics import event_store as store
from lodestar.db.engine import session_factory
from lodestar.events.ingest import quarantine
from lodestar.events.ingest.log import IngestLog
from lodestar.events.ingest.log_records import encode
from lodestar.events.ingest.mover import Mover, read_checkpoint
from tests.conftest import wipe
from tests.events.conftest import Server, new_key

POISON = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00")


def _msg(mid: str, **extra: Any) -> dict[str, Any]:
    return {"type": "track", "event": "E", "userId": "u", "messageId": mid, **extra}


def _record(messages: list[dict[str, Any]]) -> bytes:
    """A log record as an older receiver (one that let these messages in) would have written it."""
    body = {"k": 1, "s": "src", "r": "2026-03-01T10:00:00+00:00", "m": messages}
    return encode([f"1:{m['messageId']}".encode() for m in messages], orjson.dumps(body))


def _poisoned_log(folder: Path) -> IngestLog:
    log = IngestLog(folder).open()
    log.append(_record([_msg("good-1"), _msg("bad-1", timestamp=POISON[0]), _msg("good-2")]))
    log.append(_record([_msg("bad-2", timestamp=POISON[1])]))
    log.append(_record([_msg("good-3", timestamp="2026-02-28T12:00:00Z"), _msg("bad-3", name={"x": 1})]))
    return log


def test_the_mover_stores_the_good_messages_and_quarantines_the_poisoned_ones(
    tmp_path: Path, engine: Engine
) -> None:
    wipe(engine)
    log = _poisoned_log(tmp_path / "ingest")
    mover = Mover(log, session_factory(engine), tmp_path / "events")
    while mover.move_once() or mover.progressed:
        pass
    assert read_checkpoint(log.folder)["offset"] == log.durable_end  # the mover went past every message
    ids = sorted(str(r["message_id"]) for r in store.read_events(tmp_path / "events").to_pylist())
    assert ids == ["good-1", "good-2", "good-3"]
    dead = quarantine.summary(tmp_path / "dead-letter")
    assert dead.count == 3
    assert sorted(e["message"]["messageId"] for e in dead.newest) == ["bad-1", "bad-2", "bad-3"]
    reasons = {e["message"]["messageId"]: e["reason"] for e in dead.newest}
    assert reasons["bad-1"].startswith("timestamp:") and "outside the range" in reasons["bad-1"]
    assert reasons["bad-3"] == "name: must be a string"
    # A restart that moves the last range again (it crashed before the checkpoint) counts nothing twice.
    log.close()
    log = IngestLog(tmp_path / "ingest").open()
    (log.folder / "checkpoint.json").write_bytes(orjson.dumps({"offset": 0, "pending": [0, log.durable_end]}))
    log.append(_record([_msg("good-4"), _msg("bad-4", timestamp=POISON[0])]))
    restarted = Mover(log, session_factory(engine), tmp_path / "events")
    while restarted.move_once() or restarted.progressed:
        pass
    assert store.count_events(tmp_path / "events") == 4
    assert quarantine.summary(tmp_path / "dead-letter").count == 4
    log.close()


@pytest.mark.parametrize("stamp", POISON)
def test_a_time_outside_the_sane_range_is_refused_at_the_door_naming_the_field(
    server: Server, engine: Engine, stamp: str
) -> None:
    key = new_key(engine, "poison")
    answer = httpx.post(f"{server.url}/v1/track", json=_msg("door-1", timestamp=stamp), auth=(key, ""))
    assert answer.status_code == 400
    assert answer.json()["message"].startswith("message.timestamp: must fall between 2000-01-01")
    batch = {"batch": [_msg("door-2"), _msg("door-3", originalTimestamp=stamp)]}
    answer = httpx.post(f"{server.url}/v1/batch", json=batch, auth=(key, ""))
    assert answer.status_code == 400
    assert answer.json()["message"].startswith("batch[1].originalTimestamp: must fall between")


def test_a_skewed_device_clock_is_corrected_with_sent_at(server: Server, engine: Engine) -> None:
    key = new_key(engine, "skew")
    device_now = datetime.now(UTC) + timedelta(days=400)  # a device clock a year and more ahead
    happened = device_now - timedelta(seconds=90)
    batch = {
        "sentAt": device_now.isoformat(),
        "batch": [_msg("skew-1", timestamp=happened.isoformat())],
    }
    assert httpx.post(f"{server.url}/v1/batch", json=batch, auth=(key, "")).status_code == 200
    [row] = server.wait_stored(1, "skew-")
    assert row["received_at"] - row["timestamp"] == timedelta(seconds=90)
    bad_sent = {"sentAt": "soon", "batch": [_msg("skew-2")]}
    answer = httpx.post(f"{server.url}/v1/batch", json=bad_sent, auth=(key, ""))
    assert (answer.status_code, answer.json()["message"]) == (400, "sentAt: must be an ISO 8601 date-time")


def test_a_poisoned_log_does_not_stop_a_running_server_and_its_restarts(
    make_server: Any, write_key: str
) -> None:
    srv = make_server()
    _poisoned_log(srv.data_dir / "ingest").close()  # left by an older version that let them in
    srv.start()
    sent = [f"live-{i}" for i in range(20)]
    for mid in sent[:10]:
        assert httpx.post(f"{srv.url}/v1/track", json=_msg(mid), auth=(write_key, "")).status_code == 200
    assert len(srv.wait_stored(10, "live-")) == 10
    srv.kill()
    srv.start()
    for mid in sent[10:]:
        assert httpx.post(f"{srv.url}/v1/track", json=_msg(mid), auth=(write_key, "")).status_code == 200
    assert sorted(r["message_id"] for r in srv.wait_stored(20, "live-")) == sorted(sent)
    assert len(srv.stored("good-")) == 3
    assert quarantine.summary(srv.data_dir / "dead-letter").count == 3
