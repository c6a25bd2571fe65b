"""How fast and how often: a token bucket per channel, and exponential backoff with full jitter."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field


def backoff_s(failures: int, base_s: float, cap_s: float, rng: random.Random | None = None) -> float:
    """The wait before the next try after this many failures: uniform in [0, min(cap, base·2^(n−1))].

    "Full jitter" (AWS Architecture Blog, Exponential Backoff and Jitter): spreads the retries of many
    messages that failed together, so a receiver coming back is not hit by all of them at once.
    """
    ceiling = min(cap_s, base_s * (2 ** max(0, failures - 1)))
    return (rng or random).uniform(0.0, ceiling)


@dataclass
class TokenBucket:
    """`per_minute` messages a minute, evenly spaced (capacity one): DingTalk throttles a robot for ten
    minutes past 20 in any minute, so a burst allowance would only buy that penalty."""

    per_minute: int
    tokens: float = 1.0
    stamp: float = field(default_factory=time.monotonic)

    def _refill(self, now: float) -> None:
        self.tokens = min(1.0, self.tokens + (now - self.stamp) * self.per_minute / 60.0)
        self.stamp = now

    def available(self, now: float | None = None) -> int:
        """How many messages may go now (0 or 1)."""
        self._refill(time.monotonic() if now is None else now)
        return int(self.tokens + 1e-9)

    def take(self, count: int, now: float | None = None) -> None:
        """Spends tokens for messages about to go."""
        self._refill(time.monotonic() if now is None else now)
        self.tokens -= count

    def wait_s(self, now: float | None = None) -> float:
        """Seconds until the next message may go."""
        self._refill(time.monotonic() if now is None else now)
        return max(0.0, (1.0 - self.tokens) * 60.0 / self.per_minute)
