"""Failed sign-ins counted per account and per client address, in memory, over a sliding window.

In memory, not in the database: Lodestar serves from one process, a counter that a restart forgets costs
an attacker one window at most, and a failed guess then costs no database write beyond its audit entry.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

_SWEEP_ABOVE = 10_000


@dataclass
class LoginThrottle:
    """Refuses sign-ins for an account or address that failed too often within the window."""

    per_account: int
    per_address: int
    window_s: float
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    def retry_after(self, email: str, address: str) -> int:
        """Seconds until this account and address may try again; 0 when they may now."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key, limit in ((_account(email), self.per_account), (_address(address), self.per_address)):
                times = self._recent(key, now)
                if len(times) >= limit:
                    wait = max(wait, times[len(times) - limit] + self.window_s - now)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, email: str, address: str) -> None:
        """Counts one failed sign-in against the account and the address."""
        now = self.clock()
        with self._lock:
            if len(self._failures) > _SWEEP_ABOVE:  # guesses at many made-up e-mails must not grow memory
                for key in list(self._failures):
                    self._recent(key, now)
            for key in (_account(email), _address(address)):
                self._recent(key, now)
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, email: str) -> None:
        """Forgets the account's failures (the address keeps its own)."""
        with self._lock:
            self._failures.pop(_account(email), None)


def _account(email: str) -> str:
    return "account:" + email.strip().lower()


def _address(address: str) -> str:
    return "address:" + address
