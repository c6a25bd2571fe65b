"""Health scoring and the lifecycle stage engine on a synthetic 100,000-account portfolio.

Times scoring + stages for one date (the daily snapshot) and for 52 weekly dates (the backfill), both
date by date with the stage state carried (as the snapshot run does) and in one call, each scenario in a
fresh process so that its peak RSS is its own.
"""

from __future__ import annotations

import inspect
import multiprocessing
import os
import resource
import time
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from lodestar.config import service as config_service
from lodestar.health.schemas import HealthConfig
from lodestar.health.scoring import score_all
from lodestar.lifecycle.engine import assign_stages, states_from
from lodestar.lifecycle.schemas import LifecycleModel

FIRST = date(2024, 1, 7)
WEEKS = 52
EPOCH = date(1970, 1, 1)


def contracts(n: int, seed: int = 7) -> pa.Table:
    """One to three contracts per account: a first term, often a renewal, sometimes a gap and a new one."""
    rng = np.random.default_rng(seed)
    base = (FIRST - EPOCH).days - 400
    start = base + rng.integers(0, 500, n)
    length = rng.choice([180, 365, 730], n)
    parts = [(np.arange(n), start, start + length, rng.choice(["renewed", "expired", "active"], n))]
    again = rng.random(n) < 0.6
    gap = np.where(rng.random(n) < 0.8, 1, rng.integers(2, 120, n))
    s2 = start + length + gap
    parts.append((np.flatnonzero(again), s2[again], (s2 + 365)[again], np.full(again.sum(), "active")))
    ids, starts, ends, status = (np.concatenate(x) for x in zip(*parts, strict=True))
    return pa.table(
        {
            "account_id": pa.array(ids, pa.int64()),
            "start_date": pa.array(starts.astype(np.int32), pa.date32()),
            "end_date": pa.array(ends.astype(np.int32), pa.date32()),
            "status": pa.array(status),
        }
    )


def metrics(n: int, dates: list[date], seed: int = 11) -> pa.Table:
    """The metric columns the default health and lifecycle models read, one row per account and date."""
    rng = np.random.default_rng(seed)
    rows = n * len(dates)
    days = np.repeat(np.array([(d - EPOCH).days for d in dates], dtype=np.int32), n)

    def nullable(values: np.ndarray, share: float) -> pa.Array:
        return pa.array(values, mask=rng.random(rows) < share)

    return pa.table(
        {
            "account_id": pa.array(np.tile(np.arange(n, dtype=np.int64), len(dates))),
            "as_of": pa.array(days, pa.date32()),
            "active_user_ratio_30d": nullable(rng.random(rows), 0.05),
            "usage_trend_30d": nullable(rng.normal(0, 0.3, rows), 0.1),
            "key_features_used_30d": pa.array(rng.integers(0, 10, rows)),
            "days_since_last_activity": nullable(rng.integers(0, 60, rows), 0.02),
            "training_completion": nullable(rng.random(rows), 0.3),
            "nps_latest": nullable(rng.integers(0, 11, rows).astype(float), 0.4),
            "tickets_critical_open": pa.array(rng.integers(0, 3, rows)),
            "sla_breaches_90d": pa.array(rng.integers(0, 4, rows)),
            "days_since_last_touch": nullable(rng.integers(0, 90, rows), 0.1),
            "champion_present": pa.array(rng.random(rows) < 0.7),
            "decision_maker_left_90d": pa.array(rng.random(rows) < 0.05),
        }
    )


def tiers(n: int) -> pa.Table:
    """A tier per account."""
    rng = np.random.default_rng(3)
    return pa.table({"account_id": np.arange(n, dtype=np.int64), "tier": rng.choice(["KA", "MM", "SMB"], n)})


def _score(
    table: pa.Table, config: HealthConfig, tier: pa.Table, stages: pa.Array, explain: bool
) -> pa.Table:
    if "explain" in inspect.signature(score_all).parameters:
        return score_all(table, config, tier, stages, 1, explain=explain)
    return score_all(table, config, tier, stages, 1)


def _signals(table: pa.Table, health: pa.Table) -> pa.Table:
    return pa.table(
        {
            "account_id": table.column("account_id"),
            "as_of": table.column("as_of"),
            "days_since_last_activity": table.column("days_since_last_activity"),
            "active_user_ratio_30d": table.column("active_user_ratio_30d"),
            "score": health.column("score"),
            "grade": health.column("grade"),
        }
    )


def _models() -> tuple[HealthConfig, LifecycleModel]:
    health, lifecycle = config_service.default("health"), config_service.default("lifecycle")
    assert isinstance(health, HealthConfig) and isinstance(lifecycle, LifecycleModel)
    return health, lifecycle


def per_date(n: int, weeks: int) -> dict[str, float]:
    """Date by date, as the snapshot run does: score with explanations, then stages with state carried."""
    health, lifecycle = _models()
    dates = [FIRST + timedelta(days=7 * i) for i in range(weeks)]
    terms, tier, table = contracts(n), tiers(n), metrics(n, dates)
    state: Mapping[int, Any] = {}
    previous: pa.ChunkedArray | pa.Array = pa.nulls(n, pa.string())
    scoring = staging = 0.0
    for i in range(weeks):
        rows = table.slice(i * n, n)
        t0 = time.perf_counter()
        scored = _score(rows, health, tier, previous, explain=True)
        t1 = time.perf_counter()
        stages, _ = assign_stages(_signals(rows, scored), terms, lifecycle, state)
        state, previous = states_from(stages), stages.column("stage").combine_chunks()
        t2 = time.perf_counter()
        scoring, staging = scoring + t1 - t0, staging + t2 - t1
    return {"score": scoring, "stages": staging}


def one_call(n: int, weeks: int) -> dict[str, float]:
    """All dates in one call each: scoring without stored explanations, then every stage in one pass."""
    health, lifecycle = _models()
    dates = [FIRST + timedelta(days=7 * i) for i in range(weeks)]
    terms, tier, table = contracts(n), tiers(n), metrics(n, dates)
    t0 = time.perf_counter()
    scored = _score(table, health, tier, pa.nulls(table.num_rows, pa.string()), explain=False)
    t1 = time.perf_counter()
    assign_stages(_signals(table, scored), terms, lifecycle)
    t2 = time.perf_counter()
    return {"score": t1 - t0, "stages": t2 - t1}


def _child(job: Callable[[int, int], dict[str, float]], n: int, weeks: int, out: Any) -> None:
    figures = job(n, weeks)
    figures["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.put(figures)


def _isolated(job: Callable[[int, int], dict[str, float]], n: int, weeks: int) -> dict[str, float]:
    """Runs one scenario in a fresh interpreter and returns its figures and peak RSS."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(job, n, weeks, queue))
    proc.start()
    figures: dict[str, float] = queue.get()
    proc.join()
    return figures


def main(accounts: int | None = None) -> list[str]:
    """Times every scenario and returns one printable line each."""
    n = accounts or int(os.environ.get("BENCH_ACCOUNTS", "100000"))
    lines = []
    scenarios = [
        (f"{n:,} accounts x 1 date", per_date, 1),
        (f"{n:,} accounts x {WEEKS} dates, date by date (explanations, state carried)", per_date, WEEKS),
        (f"{n:,} accounts x {WEEKS} dates, one call each (no explanations)", one_call, WEEKS),
    ]
    for label, job, weeks in scenarios:
        f = _isolated(job, n, weeks)
        lines.append(
            f"stages bench: {label}: scoring {f['score']:.2f} s + stages {f['stages']:.2f} s"
            f" = {f['score'] + f['stages']:.2f} s, peak RSS {f['peak_rss_mib']:.0f} MiB"
        )
        print(lines[-1], flush=True)
    return lines


if __name__ == "__main__":
    main()
