"""SIGKILL at any moment loses no acknowledged message and, after client retries, duplicates none."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from lodestar.db.engine import session_factory
from lodestar.events import service

ROUNDS = 6  # kills per run: the server or the mover, chosen at random, at random moments


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


def _mover_pid(srv: Any) -> int | None:
    """The mover process: the server's child running lodestar.events.ingest.mover_process."""
    for task in Path(f"/proc/{srv.proc.pid}/task").glob("*/children"):
        for pid in task.read_text().split():
            try:
                if b"mover_process" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    return int(pid)
            except OSError:
                continue
    return None


def test_every_acknowledged_message_is_stored_exactly_once_across_sigkills(
    make_server: Any, write_key: str
) -> None:
    """Chaos: SIGKILL the server or its mover at random moments while a client streams."""
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    srv = make_server().start()
    acked: list[str] = []
    stop = threading.Event()
    client = threading.Thread(target=_stream, args=(srv.url, write_key, acked, stop))
    client.start()
    kills = Counter[str]()
    for _ in range(ROUNDS):
        time.sleep(rng.uniform(0.2, 1.2))
        mover = _mover_pid(srv)
        if rng.random() < 0.5 and mover is not None:
            os.kill(mover, signal.SIGKILL)  # the server's bookkeeper restarts it
            kills["mover"] += 1
        else:
            srv.kill()
            srv.start()
            kills["server"] += 1
    time.sleep(0.5)
    stop.set()
    client.join()
    srv.stop()  # a clean stop drains the log into the store
    stored = Counter(str(r["message_id"]) for r in srv.stored())
    lost = [i for i in acked if stored[i] == 0]
    duplicated = [i for i, n in stored.items() if n > 1]
    print(
        f"chaos seed {seed}: kills {dict(kills)}, acked {len(acked)}, lost {len(lost)}, dup {len(duplicated)}"
    )
    assert len(acked) > 1000
    assert lost == []
    assert duplicated == []


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
