"""The snapshot run's lock and record, each written in its own unit of work so both outlive a failed run."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import Engine

from lodestar.db.engine import unit_of_work
from lodestar.kit.errors import Conflict
from lodestar.kit.time import utcnow
from lodestar.snapshots import repository
from lodestar.snapshots.models import SnapshotRun
from lodestar.snapshots.service import RunOutcome

LOCK = "snapshot"
STALE_AFTER = timedelta(hours=6)  # a run that died without releasing its lock is taken over after this


class SnapshotBusy(Conflict):
    """Another snapshot run holds the lock."""


def new_holder() -> str:
    """A name for this claim of the lock: host, process and a random tag."""
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


def last_succeeded_start(engine: Engine) -> datetime | None:
    """When the newest successful run started (UTC): the last time a run brought today's facts up to date."""
    with unit_of_work(engine) as session:
        return repository.last_succeeded_start(session)


def start(engine: Engine, kind: str, days: Sequence[date]) -> SnapshotRun:
    """Records a run of these (sorted) dates as running."""
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
    return run


def finish(
    engine: Engine,
    run: SnapshotRun,
    status: str,
    outcome: RunOutcome | None = None,
    error: str | None = None,
) -> SnapshotRun:
    """Records how a run ended: its status and error, or what it wrote."""
    with unit_of_work(engine) as session:
        row = session.get(SnapshotRun, run.id)
        assert row is not None
        row.status, row.finished_at, row.error = status, utcnow(), error
        if outcome:
            row.accounts, row.rows, row.transitions, row.versions, row.phases = (
                outcome.accounts,
                outcome.rows,
                outcome.transitions,
                outcome.versions,
                outcome.phases,
            )
            row.fingerprint = outcome.fingerprint
        session.flush()
        session.expunge(row)
    return row
