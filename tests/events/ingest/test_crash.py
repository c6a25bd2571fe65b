"""SIGKILL at any moment loses no acknowledged message and, after client retries, duplicates none."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import Engine

from lodestar.db.engine import session_factory
from lodestar.events import service


def _stream(url: str, key: str, acked: list[str], stop: threading.Event) -> None:
    """Sends batches of 50 like an SDK: the same batch again until it is acknowledged."""
    n = 0
    with httpx.Client(timeout=5) as client:
        while not stop.is_set():
            ids = [f"c{n}-{j}" for j in range(50)]
            batch = {
                "batch": [
                    {"type": "track", "userId": f"u{j}", "event": "Tick", "messageId": i}
                    for j, i in enumerate(ids)
                ]
            }
            while True:
                try:
                    if client.post(f"{url}/v1/batch", json=batch, auth=(key, "")).status_code == 200:
                        acked.extend(ids)
                        break
                except httpx.TransportError:
                    pass
                if stop.is_set():
                    return
                time.sleep(0.02)
            n += 1


def test_every_acknowledged_message_is_stored_exactly_once_across_sigkills(
    make_server: Any, write_key: str
) -> None:
    srv = make_server().start()
    acked: list[str] = []
    stop = threading.Event()
    client = threading.Thread(target=_stream, args=(srv.url, write_key, acked, stop))
    client.start()
    for _ in range(3):
        time.sleep(0.8)
        srv.kill()
        srv.start()
    time.sleep(0.5)
    stop.set()
    client.join()
    srv.stop()  # a clean stop drains the log into the store
    stored = Counter(str(r["message_id"]) for r in srv.stored())
    assert len(acked) > 1000
    assert [i for i in acked if stored[i] != 1] == []
    assert [i for i, n in stored.items() if n > 1] == []


def test_events_stats_counts_every_acknowledged_message_after_a_sigkill(
    make_server: Any, write_key: str, engine: Engine
) -> None:
    srv = make_server().start()
    sent = 0
    with httpx.Client(timeout=10) as client:
        for n in range(12):
            batch = {
                "batch": [
                    {"type": "track", "userId": "u", "event": "E", "messageId": f"k{n}-{j}"}
                    for j in range(50)
                ]
            }
            for _ in range(2):  # each batch twice: the second time every message is a duplicate
                assert client.post(f"{srv.url}/v1/batch", json=batch, auth=(write_key, "")).status_code == 200
            sent += 50
    srv.kill()  # at once: whatever the server still held in memory is gone
    srv.start()
    srv.stop()  # a clean stop moves everything the log holds
    with session_factory(engine)() as session:
        stats = service.stats(session)
    assert (stats["accepted"], stats["stored"], stats["deduplicated"]) == (sent, sent, sent)
    assert len(srv.stored("k")) == sent
