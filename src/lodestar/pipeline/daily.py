"""The daily pipeline: the locked, recorded snapshot run, then the SOP step for the stage entries it found,
then the alert step (rules evaluated on the run's dates; alerts raised on the present date only).

No domain calls the next step: the pipeline calls each one. The snapshot, the SOP and the alert steps share
one unit of work, so playbooks start and alerts are raised (with their outbox messages) exactly when the
snapshot that found them is committed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Engine

from lodestar.alerts import snapshot_step as alerts_step
from lodestar.analytics import snapshot_store
from lodestar.analytics.engines.engine import AnalyticsEngine, from_settings
from lodestar.db.engine import unit_of_work
from lodestar.kit.phases import PhaseClock
from lodestar.kit.progress import Progress, silent
from lodestar.settings import Settings
from lodestar.snapshots import run_records
from lodestar.snapshots import service as snapshots_service
from lodestar.snapshots.models import SnapshotRun
from lodestar.sop import service as sop_service
from lodestar.sop.service import run_digest

log = logging.getLogger("lodestar.snapshots")  # the logger name operators already filter on


def run_job(
    engine: Engine,
    settings: Settings,
    dates: Sequence[date],
    kind: str = "run",
    wait_s: float = 0.0,
    analytics: AnalyticsEngine | None = None,
    progress: Progress = silent,
) -> SnapshotRun:
    """Runs the snapshot of these dates, its SOP and alert steps under the lock; records the run (failures
    too).

    `progress` hears of each date the snapshot stores (lodestar.kit.progress).
    """
    days = sorted(set(dates))
    holder = run_records.new_holder()
    run_records.claim(engine, holder, wait_s)
    try:
        run = run_records.start(engine, kind, days)
        root = snapshot_store.root_of(settings)
        try:
            clock = PhaseClock()
            with unit_of_work(engine) as session:
                outcome = snapshots_service.run_snapshots(
                    session,
                    analytics or from_settings(settings),
                    root,
                    days,
                    settings.events_dir,
                    clock,
                    progress,
                )
                with clock.phase("sop"):
                    sop_service.after_snapshot(
                        session, root, outcome.dates, outcome.stage_changes, outcome.first_stage
                    )
                with clock.phase("alerts"):
                    present = alerts_step.present_date(root, outcome.dates)
                    done = alerts_step.after_snapshot(session, root, outcome.dates, present)
                    clock.count("alerts", done["signals"] + done["raised"] + done["resolved"])
                committing = time.perf_counter()
            clock.add("commit", time.perf_counter() - committing)
            outcome.phases = clock.report()
        except Exception as exc:
            run_records.finish(engine, run, "failed", error=f"{type(exc).__name__}: {exc}")
            raise
        return run_records.finish(engine, run, "succeeded", outcome=outcome)
    finally:
        run_records.release(engine, holder)


def run_daily_if_due(engine: Engine, settings: Settings, now: datetime | None = None) -> SnapshotRun | None:
    """Runs today's pipeline once the configured hour has passed, unless today's snapshot is already done."""
    local = (now or datetime.now(settings.zone)).astimezone(settings.zone)
    if local.hour < settings.snapshot_hour:
        return None
    with unit_of_work(engine) as session:
        if snapshots_service.done_on(session, local.date()):
            return None
    try:
        return run_job(engine, settings, [local.date()], kind="daily")
    except run_records.SnapshotBusy:
        return None


def send_digest(engine: Engine, settings: Settings, today: date) -> None:
    """E-mails each person's task digest after the day's run (a failure is logged, not raised)."""
    try:
        _, sent = run_digest(engine, settings, today)
        log.info("sent %d task digest(s)", sent)
    except Exception:
        log.exception("task digest failed")
