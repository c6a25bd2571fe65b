"""The worker against receivers that fail, throttle and vanish: every message arrives, once, in order."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from lodestar.db.engine import make_engine, session_factory
from lodestar.kit.time import utcnow
from lodestar.notifications import service
from lodestar.notifications.models import OutboxMessage
from lodestar.notifications.schemas import ChannelCreate
from lodestar.notifications.worker import Worker
from lodestar.settings import Settings
from tests.notifications.conftest import drain, notice, outbox
from tests.notifications.receivers import Step, receiving

ROOT = Path(__file__).resolve().parents[2]


def _webhook(db: Session, settings: Settings, url: str, key: str = "hook", rate: int = 0) -> None:
    data = ChannelCreate(
        key=key, name=key, kind="webhook", url=url, secret="s3cret-for-tests", rate_per_minute=rate
    )
    service.create_channel(db, data, None, settings.secret_key)


def _burst(
    db: Session, settings: Settings, n: int, channel: str = "hook", prefix: str = "alert"
) -> list[str]:
    service.notify(db, [notice(f"{prefix}:{i}", channel_keys=[channel]) for i in range(n)], settings)
    db.commit()
    return [f"{prefix}:{i}:{channel}" for i in range(n)]


def test_a_receiver_down_then_throttling_gets_every_message_once_in_order(
    db: Session, engine: Engine, settings: Settings, worker: Worker
) -> None:
    def script(n: int) -> Step:
        if n <= 3:
            return (500, {}, {"error": "down"})
        if n <= 5:
            return (429, {"Retry-After": "1"}, {"error": "slow down"})
        return None

    with receiving("webhook", "s3cret-for-tests", script) as rx:
        _webhook(db, settings, rx.url)
        keys = _burst(db, settings, 20)
        tally = drain(worker, engine)
    assert rx.accepted_keys() == keys
    assert (rx.duplicates, rx.refused, tally.sent, tally.failed, tally.deferred) == (0, [], 20, 3, 2)
    first = outbox(engine)[0]
    assert (first.status, first.attempts) == ("sent", 4)  # three failures and the delivery; 429s not counted


def test_a_429_is_honoured_its_retry_after_and_costs_no_attempt(
    db: Session, engine: Engine, settings: Settings
) -> None:
    worker = Worker(engine, settings.model_copy(update={"notify_backoff_cap_s": 3600.0}))
    with receiving("webhook", "s3cret-for-tests", lambda n: (429, {"Retry-After": "30"}, {})) as rx:
        _webhook(db, settings, rx.url)
        _burst(db, settings, 3)
        before = utcnow()
        tally = worker.cycle()
        after = utcnow()
    worker.close()
    assert (tally.deferred, tally.sent, rx.requests) == (1, 0, 1)  # the head waits; the others behind it
    head, *rest = outbox(engine)
    assert head.attempts == 0 and head.last_error == "HTTP 429: {}"
    assert before + timedelta(seconds=30) <= head.next_attempt_at <= after + timedelta(seconds=30)
    assert [m.status for m in rest] == ["pending", "pending"] and all(m.claimed_until is None for m in rest)


def test_a_failing_head_holds_back_its_lane_but_not_other_channels(
    db: Session, engine: Engine, settings: Settings, worker: Worker
) -> None:
    with (
        receiving("webhook", "s3cret-for-tests", lambda n: (503, {}, "busy")) as down,
        receiving("webhook") as up,
    ):
        _webhook(db, settings, down.url, key="down")
        service.create_channel(
            db, ChannelCreate(key="up", name="up", kind="webhook", url=up.url), None, settings.secret_key
        )
        _burst(db, settings, 5, channel="down")
        keys = _burst(db, settings, 5, channel="up")
        tally = worker.cycle()
    assert (down.requests, tally.failed) == (1, 1)
    assert up.accepted_keys() == keys


def test_dead_messages_are_parked_with_their_error_and_retried_on_request(
    db: Session, engine: Engine, settings: Settings, worker: Worker
) -> None:
    with receiving("webhook", "s3cret-for-tests", lambda n: (500, {}, "boom") if n <= 4 else None) as rx:
        _webhook(db, settings, rx.url)
        keys = _burst(db, settings, 2)
        drain(worker, engine)
        dead = [m for m in outbox(engine) if m.status == "dead"]
        assert [(m.attempts, m.last_error) for m in dead] == [(4, "HTTP 500: boom")]
        # The dead head no longer holds the lane: the next message went through.
        assert rx.accepted_keys() == keys[1:]
        assert service.retry_dead(db, None) == 1
        db.commit()
        drain(worker, engine)
    assert rx.accepted_keys() == [keys[1], keys[0]]
    assert [m.status for m in outbox(engine)] == ["sent", "sent"]


def test_a_rate_limited_channel_gets_one_message_per_token(
    db: Session, engine: Engine, settings: Settings, worker: Worker
) -> None:
    with receiving("webhook", "s3cret-for-tests") as rx:
        _webhook(db, settings, rx.url, rate=20)  # one every 3 s
        keys = _burst(db, settings, 3)
        tally = worker.run_once()
    assert (tally.sent, rx.accepted_keys()) == (1, keys[:1])
    assert 0 < worker.idle_wait_s() <= settings.notify_poll_s


def test_two_workers_share_the_outbox_without_delivering_a_message_twice(
    db: Session, engine: Engine, settings: Settings
) -> None:
    with receiving("webhook", "s3cret-for-tests") as rx:
        _webhook(db, settings, rx.url)
        keys = {c: _burst(db, settings, 150, channel=c) for c in ("hook",)}
        for c in ("a", "b"):
            service.create_channel(
                db,
                ChannelCreate(key=c, name=c, kind="webhook", url=rx.url, secret="s3cret-for-tests"),
                None,
                settings.secret_key,
            )
            keys[c] = _burst(db, settings, 150, channel=c)
        small = settings.model_copy(update={"notify_batch": 20, "notify_lease_s": 60.0})
        workers = [Worker(engine, small), Worker(engine, small)]
        threads = [threading.Thread(target=drain, args=(w, engine)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for w in workers:
            w.close()
    accepted = rx.accepted_keys()
    assert rx.duplicates == 0 and len(accepted) == 450
    for channel, expected in keys.items():
        assert [k for k in accepted if k.endswith(f":{channel}")] == expected  # each lane in order


def _worker_process(db_url: str, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "LODESTAR_DATABASE_URL": db_url,
        "LODESTAR_DATA_DIR": str(data_dir),
        "LODESTAR_NOTIFY_LEASE_S": "1",
        "LODESTAR_NOTIFY_POLL_S": "0.05",
        "LODESTAR_NOTIFY_BATCH": "50",
        "LODESTAR_NOTIFY_BACKOFF_BASE_S": "0.02",
        "LODESTAR_NOTIFY_BACKOFF_CAP_S": "0.1",
    }
    command = [sys.executable, "-m", "lodestar.cli", "notify", "work"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _unsent(engine: Engine) -> int:
    with session_factory(engine)() as s:
        return sum(m.status != "sent" for m in s.query(OutboxMessage))


def _wait_for(condition: object, limit_s: float = 120.0) -> None:
    deadline = time.monotonic() + limit_s  # a guard against a hang, not a timing assertion
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.02)


def test_a_worker_killed_mid_burst_loses_nothing_when_restarted(
    db: Session, engine: Engine, settings: Settings, db_url: str, tmp_path: Path
) -> None:
    def slow(n: int) -> Step:
        time.sleep(0.002)  # a receiver taking its time, so the kill lands mid-burst
        return None

    with receiving("webhook", "s3cret-for-tests", slow) as rx:
        _webhook(db, settings, rx.url)
        keys = _burst(db, settings, 600)
        first = _worker_process(db_url, tmp_path)
        _wait_for(lambda: len(rx.accepted) >= 150)
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = len(rx.accepted)
        second = _worker_process(db_url, tmp_path)
        _wait_for(lambda: _unsent(engine) == 0)
        second.terminate()
        second.wait()
    accepted = rx.accepted_keys()
    print(
        f"\nSIGKILL after {killed_at} of 600: lost {len(set(keys) - set(accepted))}, "
        f"repeated deliveries {rx.duplicates} (each recognised by its idempotency key), processed twice 0"
    )
    assert accepted == keys  # nothing lost, nothing processed twice, in order
    assert killed_at < 600


def test_a_paused_channel_keeps_its_messages_and_holds_back_no_other(
    db: Session, engine: Engine, settings: Settings, worker: Worker
) -> None:
    with receiving("webhook") as rx:
        for key in [f"paused-{i}" for i in range(6)] + ["live"]:
            data = ChannelCreate(key=key, name=key, kind="webhook", url=rx.url)
            service.create_channel(db, data, None, settings.secret_key)
        for i in range(6):
            _burst(db, settings, 2, channel=f"paused-{i}")
        keys = _burst(db, settings, 3, channel="live")
        channels = service.list_channels(db)
        for channel in channels:
            channel.enabled = channel.key == "live"
        db.commit()
        small = Worker(engine, settings.model_copy(update={"notify_threads": 1}))  # one lane at a time
        tally = small.run_once()
        small.close()
    assert (tally.sent, rx.accepted_keys()) == (3, keys)
    assert [m.status for m in outbox(engine)] == ["pending"] * 12 + ["sent"] * 3


def test_a_database_error_is_one_warning_line_and_the_worker_goes_on(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A database without the outbox table answers every pass with an OperationalError, as a locked
    # SQLite file or a dropped connection would: each pass logs one line, no traceback, and the loop goes on.
    bare = make_engine(f"sqlite:///{tmp_path / 'bare.db'}")
    worker = Worker(bare, settings)
    stopped = threading.Event()
    runner = threading.Thread(target=worker.run_until, args=(stopped,))
    with caplog.at_level(logging.WARNING, logger="lodestar.notifications"):
        runner.start()
        deadline = time.monotonic() + 10
        while len(caplog.records) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        stopped.set()
        runner.join(5)
    bare.dispose()
    assert not runner.is_alive()
    passes = [r for r in caplog.records if r.name.startswith("lodestar.notifications")]
    assert len(passes) >= 3  # the loop went on after the first failure
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in passes)
    assert all("deferred" in r.getMessage() and "no such table" in r.getMessage() for r in passes)
