"""The successor rule (renewals/succession.py) on the retention benchmark's scale: 100,000 accounts, about
180,000 contracts, four in five accounts with a follow-on contract, half of those without a chain id.
Retention and the daily renewal step both run it once per call; it adds this to their time."""

from __future__ import annotations

import time

import numpy as np

from lodestar.renewals.schemas import SuccessorRule
from lodestar.renewals.succession import renewed_ids

ACCOUNTS = 100_000
RUNS = 7


def _contracts(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    account = np.arange(ACCOUNTS)
    start = rng.integers(0, 1000, ACCOUNTS)
    end = start + 365
    follows = rng.random(ACCOUNTS) < 0.8
    next_start = end[follows] + rng.integers(-5, 20, int(follows.sum()))  # on time or a little late
    ids = np.arange(ACCOUNTS + len(next_start))
    renews = np.full(len(ids), -1)
    named = rng.random(len(next_start)) < 0.5
    renews[ACCOUNTS:][named] = np.flatnonzero(follows)[named]
    return (
        ids,
        np.concatenate([account, account[follows]]),
        np.concatenate([start, next_start]),
        np.concatenate([end, next_start + 365]),
        renews,
        np.ones(len(ids), dtype=bool),
    )


def main() -> list[str]:
    """Times the rule RUNS times; one line with the best and the median."""
    arrays = _contracts(np.random.default_rng(1))
    seconds, chained = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        chained = int((renewed_ids(*arrays, SuccessorRule()) >= 0).sum())
        seconds.append(time.perf_counter() - started)
    line = (
        f"succession bench: {len(arrays[0]):,} contracts, {chained:,} chained: best {min(seconds):.3f} s,"
        f" median {float(np.median(seconds)):.3f} s of {RUNS}"
    )
    print(line, flush=True)
    return [line]


if __name__ == "__main__":
    main()
