"""Jobs: the locked, recorded snapshot run, and the daily scheduler thread of `lodestar serve`."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from lodestar.analytics.engine import AnalyticsEngine, from_settings
from lodestar.db.engine import unit_of_work
from lodestar.kit.errors import Conflict
from lodestar.kit.time import utcnow
from lodestar.settings import Settings
from lodestar.snapshots import repository, service
from lodestar.snapshots.models import SnapshotRun

LOCK = "snapshot"
STALE_AFTER = timedelta(hours=6)  # a run that died without releasing its lock is taken over after this
log = logging.getLogger("lodestar.snapshots")


class SnapshotBusy(Conflict):
    """Another snapshot run holds the lock."""


def snapshot_root(settings: Settings) -> Path:
    """Where the snapshot store lives."""
    return settings.data_dir / "snapshots"


def _holder() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(engine: Engine, holder: str, wait_s: float = 0.0) -> None:
    """Claims the snapshot lock, waiting up to wait_s; SnapshotBusy names who holds it otherwise."""
    deadline = time.monotonic() + wait_s
    while True:
        with unit_of_work(engine) as session:
            now = utcnow()
            if repository.claim_lock(session, LOCK, holder, now, now - STALE_AFTER):
                return
            held = repository.lock(session, LOCK)
            who = (
                f"{held.holder} since {held.claimed_at:%Y-%m-%d %H:%M:%S} UTC"
                if held and held.claimed_at
                else "?"
            )
        if time.monotonic() >= deadline:
            raise SnapshotBusy(f"another snapshot run is in progress ({who}); try again when it has finished")
        time.sleep(0.2)


def release(engine: Engine, holder: str) -> None:
    """Frees the snapshot lock if this holder has it."""
    with unit_of_work(engine) as session:
        repository.release_lock(session, LOCK, holder)


def run_job(
    engine: Engine,
    settings: Settings,
    dates: Sequence[date],
    kind: str = "run",
    wait_s: float = 0.0,
    analytics: AnalyticsEngine | None = None,
) -> SnapshotRun:
    """Runs the snapshot for these dates under the lock and records the run (failures too)."""
    days = sorted(set(dates))
    holder = _holder()
    claim(engine, holder, wait_s)
    try:
        with unit_of_work(engine) as session:
            run = SnapshotRun(
                kind=kind,
                as_of=days[-1],
                first_as_of=days[0],
                dates=len(days),
                status="running",
                started_at=utcnow(),
                versions={},
            )
            session.add(run)
        try:
            with unit_of_work(engine) as session:
                outcome = service.run_snapshots(
                    session,
                    analytics or from_settings(settings),
                    snapshot_root(settings),
                    days,
                    settings.events_dir,
                )
        except Exception as exc:
            _finish(engine, run, "failed", error=f"{type(exc).__name__}: {exc}")
            raise
        return _finish(engine, run, "succeeded", outcome=outcome)
    finally:
        release(engine, holder)


def _finish(
    engine: Engine,
    run: SnapshotRun,
    status: str,
    outcome: service.RunOutcome | None = None,
    error: str | None = None,
) -> SnapshotRun:
    with unit_of_work(engine) as session:
        row = session.get(SnapshotRun, run.id)
        assert row is not None
        row.status, row.finished_at, row.error = status, utcnow(), error
        if outcome:
            row.accounts, row.rows, row.transitions, row.versions = (
                outcome.accounts,
                outcome.rows,
                outcome.transitions,
                outcome.versions,
            )
        session.flush()
        session.expunge(row)
    return row


def today(settings: Settings) -> date:
    """Today in the company's time zone."""
    return datetime.now(settings.zone).date()


def run_daily_if_due(engine: Engine, settings: Settings, now: datetime | None = None) -> SnapshotRun | None:
    """Runs today's snapshot once the configured hour has passed, unless it is already done."""
    local = (now or datetime.now(settings.zone)).astimezone(settings.zone)
    if local.hour < settings.snapshot_hour:
        return None
    with unit_of_work(engine) as session:
        if service.done_on(session, local.date()):
            return None
    try:
        return run_job(engine, settings, [local.date()], kind="daily")
    except SnapshotBusy:
        return None


class DailyScheduler(threading.Thread):
    """Checks every few minutes whether today's snapshot is due, and runs it."""

    def __init__(self, engine: Engine, settings: Settings, every_s: float = 300.0) -> None:
        super().__init__(name="lodestar-daily-snapshot", daemon=True)
        self.engine, self.settings, self.every_s = engine, settings, every_s
        self.stopped = threading.Event()

    def run(self) -> None:
        """Loops until stopped; a failed run is logged (and recorded) and retried at the next check."""
        while not self.stopped.is_set():
            try:
                ran = run_daily_if_due(self.engine, self.settings)
            except Exception:  # keep the scheduler alive; the run record holds the error
                log.exception("daily snapshot failed")
                ran = None
            if ran is not None and self.settings.smtp_host:
                self.send_digest(ran.as_of)
            self.stopped.wait(self.every_s)

    def send_digest(self, today: date) -> None:
        """E-mails each person's task digest after the day's snapshot (a failure is logged, not raised)."""
        from lodestar.sop.service import run_digest

        try:
            _, sent = run_digest(self.engine, self.settings, today)
            log.info("sent %d task digest(s)", sent)
        except Exception:
            log.exception("task digest failed")

    def stop(self) -> None:
        """Asks the loop to end."""
        self.stopped.set()
