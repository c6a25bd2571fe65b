"""The outbox worker: claims due messages lane by lane, delivers them in order, records each outcome.

A lane is one channel (and one person on it): its messages go in id order, and a message that fails holds
back the lane's later ones until it is delivered or parked as dead. A claim leases the messages for a
while; a worker that dies leaves its lease to expire, and another worker (or the same one restarted) takes
the lane over. A message is marked sent only after its receiver accepted it — so a crash between the two
repeats a delivery (the idempotency key lets the receiver notice) but never loses one.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from lodestar.db.engine import unit_of_work
from lodestar.kit.time import utcnow
from lodestar.notifications import repository
from lodestar.notifications.audience import EMAIL
from lodestar.notifications.channels.courier import Courier, Outcome, Parcel, Target
from lodestar.notifications.channels.secret_box import SecretUnreadable
from lodestar.notifications.channels.targets import EMAIL_TARGET, target_of
from lodestar.notifications.pacing import TokenBucket, backoff_s
from lodestar.notifications.repository import Lane
from lodestar.settings import Settings

log = logging.getLogger("lodestar.notifications")
LANES_PER_CLAIM = 64
MARK_EVERY = 100  # delivered messages are marked sent in batches of this many


@dataclass
class Tally:
    """What a pass of the worker did."""

    sent: int = 0
    failed: int = 0
    deferred: int = 0
    dead: int = 0
    claimed: int = 0

    def add(self, other: Tally) -> None:
        """Adds another tally's counts to this one."""
        for name in ("sent", "failed", "deferred", "dead", "claimed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        """The counts by name."""
        return {n: getattr(self, n) for n in ("sent", "failed", "deferred", "dead", "claimed")}


@dataclass(frozen=True)
class Claim:
    """A lane's leased messages and where they go (target None: the channel cannot be used)."""

    lane: Lane
    rows: list[Any]
    target: Target | None
    problem: str | None = None


class Worker:
    """Delivers the outbox; one per process (its rate-limit buckets are its own)."""

    def __init__(self, engine: Engine, settings: Settings, courier: Courier | None = None) -> None:
        self.engine, self.settings = engine, settings
        self.courier = courier or Courier(settings)
        self.buckets: dict[str, TokenBucket] = {}
        self.pool = ThreadPoolExecutor(settings.notify_threads, thread_name_prefix="lodestar-notify")
        self.wake_at: float | None = None  # when a rate-limited channel has its next token

    def close(self) -> None:
        """Stops the threads and closes the connections."""
        self.pool.shutdown(wait=True)
        self.courier.close()

    def _bucket(self, channel_key: str, per_minute: int) -> TokenBucket | None:
        if per_minute <= 0:
            self.buckets.pop(channel_key, None)
            return None
        bucket = self.buckets.get(channel_key)
        if bucket is None or bucket.per_minute != per_minute:
            bucket = self.buckets[channel_key] = TokenBucket(per_minute)
        return bucket

    def _allowance(self, channel_key: str, rate: int, spent: dict[str, int]) -> int:
        bucket = self._bucket(channel_key, rate)
        if bucket is None:
            return self.settings.notify_batch
        left = bucket.available() - spent.get(channel_key, 0)
        if left <= 0:
            wait = time.monotonic() + bucket.wait_s()
            self.wake_at = wait if self.wake_at is None else min(self.wake_at, wait)
        return max(0, min(left, self.settings.notify_batch))

    def claim(self, lanes: int = LANES_PER_CLAIM) -> list[Claim]:
        """Leases due messages of up to `lanes` lanes whose head is due (one transaction)."""
        self.wake_at = None
        claims: list[Claim] = []
        spent: dict[str, int] = {}
        with unit_of_work(self.engine) as session:
            repository.take_write_lock(session)
            now = utcnow()  # after the lock: a claim that waited for it must not lease from a past instant
            channels = {c.key: c for c in repository.channels(session)}
            # A paused channel keeps its messages until it is resumed; one out of tokens waits for the next.
            skip = {k for k, c in channels.items() if not c.enabled}
            skip |= {k for k, c in channels.items() if self._allowance(k, c.rate_per_minute, spent) == 0}
            for lane, head in repository.lane_heads(session, now, skip):
                if len(claims) >= lanes:
                    break
                channel = channels.get(lane.channel_key)
                rate = channel.rate_per_minute if channel is not None else 0
                limit = self._allowance(lane.channel_key, rate, spent)
                if limit == 0 or not repository.lock_due_head(session, head, now):
                    continue
                rows = repository.claim_lane(session, lane, head, now, limit, self.settings.notify_lease_s)
                if rows:
                    spent[lane.channel_key] = spent.get(lane.channel_key, 0) + len(rows)
                    claims.append(self._claim_of(lane, rows, channel))
        for key, count in spent.items():
            bucket = self.buckets.get(key)
            if bucket is not None:
                bucket.take(count)
        return claims

    def _claim_of(self, lane: Lane, rows: list[Any], channel: Any) -> Claim:
        if lane.channel_key == EMAIL:
            return Claim(lane, rows, EMAIL_TARGET)
        if channel is None:
            return Claim(lane, rows, None, f"channel {lane.channel_key} does not exist")
        try:
            return Claim(lane, rows, target_of(channel, self.settings.secret_key))
        except SecretUnreadable as exc:
            return Claim(lane, rows, None, str(exc))

    def deliver(self, claim: Claim) -> Tally:
        """Delivers a lane's claimed messages in order, stopping at the first that fails."""
        tally = Tally(claimed=len(claim.rows))
        delivered: list[int] = []
        for index, row in enumerate(claim.rows):
            if claim.target is None:
                outcome = Outcome(False, claim.problem)
            else:
                parcel = Parcel(row.idempotency_key, row.subject, row.body, row.recipient)
                outcome = self.courier.deliver(claim.target, parcel)
            if outcome.ok:
                delivered.append(row.id)
                tally.sent += 1
                if len(delivered) >= MARK_EVERY:
                    self._record(delivered, rest=[r.id for r in claim.rows[index + 1 :]])
                    delivered = []
                continue
            self._record(
                delivered, rest=[r.id for r in claim.rows[index + 1 :]], failed=(row, outcome), tally=tally
            )
            return tally
        self._record(delivered, rest=[])
        return tally

    def _record(
        self,
        delivered: list[int],
        rest: list[int],
        failed: tuple[Any, Outcome] | None = None,
        tally: Tally | None = None,
    ) -> None:
        """Marks the delivered sent; then either extends the lease on the rest, or records the failure and
        gives the rest back."""
        now = utcnow()
        with unit_of_work(self.engine) as session:
            repository.mark_sent(session, delivered, now)
            if failed is None:
                repository.extend_lease(session, rest, now + timedelta(seconds=self.settings.notify_lease_s))
                return
            row, outcome = failed
            assert tally is not None
            self._record_failure(session, row, outcome, now, tally)
            repository.release(session, rest)

    def _record_failure(self, session: Any, row: Any, outcome: Outcome, now: datetime, tally: Tally) -> None:
        s = self.settings
        error = outcome.error or "failed"
        if outcome.rate_limited:
            wait = min(s.notify_backoff_cap_s, outcome.retry_after or s.notify_backoff_base_s)
            repository.defer(session, row.id, error, now + timedelta(seconds=wait))
            tally.deferred += 1
            return
        failures = row.attempts + 1
        dead = failures >= s.notify_max_attempts
        wait = backoff_s(failures, s.notify_backoff_base_s, s.notify_backoff_cap_s)
        if outcome.retry_after is not None:  # a 503 that says when to come back
            wait = max(wait, min(s.notify_backoff_cap_s, outcome.retry_after))
        repository.mark_failed(session, row.id, error, now + timedelta(seconds=wait), dead)
        tally.failed += 1
        tally.dead += dead
        log.warning("notification %s to %s failed (%d): %s", row.id, row.channel_key, failures, error)

    def cycle(self) -> Tally:
        """One claim, its lanes delivered side by side."""
        tally = Tally()
        for result in self.pool.map(self.deliver, self.claim()):
            tally.add(result)
        return tally

    def run_once(self) -> Tally:
        """Delivers everything due now (and what falls due meanwhile), then returns.

        Lanes go to the threads as threads come free: a slow receiver holds one thread, never the others'
        lanes (a lane in flight has its head leased, so a claim passes over it)."""
        tally = Tally()
        running: set[Future[Tally]] = set()
        while True:
            free = self.settings.notify_threads - len(running)
            for claim in self.claim(free) if free > 0 else []:
                running.add(self.pool.submit(self.deliver, claim))
            if not running:
                return tally
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                tally.add(future.result())

    def idle_wait_s(self) -> float:
        """How long to wait before looking again: until the next message falls due or a rate-limited
        channel has its next token, at most the poll time."""
        wait = self.settings.notify_poll_s
        with unit_of_work(self.engine) as session:
            due = repository.next_due_at(session)
        ahead = (due - utcnow()).total_seconds() if due is not None else 0.0
        if ahead > 0:  # (due already: it waits on a token, a paused channel or another worker's lease)
            wait = min(wait, ahead)
        if self.wake_at is not None:
            wait = min(wait, max(0.0, self.wake_at - time.monotonic()))
        return max(wait, 0.01)

    def run_until(self, stopped: threading.Event) -> None:
        """Delivers until asked to stop; a failed pass is logged and the loop goes on."""
        while not stopped.is_set():
            try:
                self.run_once()
                wait = self.idle_wait_s()
            except OperationalError as exc:  # a busy database (SQLite's write lock, a dropped connection):
                # the messages stay due and the next pass takes them; one line, not a traceback per pass
                log.warning("notification worker pass deferred: %s", exc.orig)
                wait = self.settings.notify_poll_s
            except Exception:  # keep delivering: a database hiccup must not end the worker
                log.exception("notification worker pass failed")
                wait = self.settings.notify_poll_s
            stopped.wait(wait)


class NotifyWorker(threading.Thread):
    """The worker as a background thread of `lodestar serve`."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__(name="lodestar-notify", daemon=True)
        self.worker = Worker(engine, settings)
        self.stopped = threading.Event()

    def run(self) -> None:
        """Delivers until stopped, then closes the worker's connections."""
        try:
            self.worker.run_until(self.stopped)
        finally:
            self.worker.close()

    def stop(self) -> None:
        """Asks the loop to end."""
        self.stopped.set()
