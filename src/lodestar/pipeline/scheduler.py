"""The daily scheduler thread of `lodestar serve`: runs the daily pipeline once it is due, then the digest."""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import Engine

from lodestar.pipeline import daily
from lodestar.settings import Settings


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
                ran = daily.run_daily_if_due(self.engine, self.settings)
            except Exception:  # keep the scheduler alive; the run record holds the error
                daily.log.exception("daily snapshot failed")
                ran = None
            if ran is not None:
                self.send_digest(ran.as_of)
            self.stopped.wait(self.every_s)

    def send_digest(self, today: date) -> None:
        """Queues each person's daily digest after the day's snapshot (a failure is logged, not raised)."""
        daily.send_digest(self.engine, self.settings, today)

    def stop(self) -> None:
        """Asks the loop to end."""
        self.stopped.set()
