"""The daily snapshot benchmark: Lodestar's metrics vs a raw DuckDB query, pandas, and a 52-week backfill.

BENCH_SNAPSHOT_SCALE (default 1.0) scales the company: 1.0 is 100,000 accounts and 50,000,000 events
over 180 days. Data goes to bench-data/snapshot (rebuilt when the scale changes).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import shutil
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from queue import Empty
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from lodestar.analytics.engines.engine import connect
from lodestar.analytics.inputs import make_inputs
from lodestar.analytics.metrics.date_grid import Grid
from lodestar.analytics.metrics.table import account_metrics, compute_metrics, iter_metrics
from lodestar.analytics.metrics.usage_from_state import uses_latest_state
from lodestar.analytics.rollups import update_rollups

AS_OF = date(2026, 6, 30)
DAYS = 180
FEATURES = [f"Feature {i}" for i in range(20)]
ROOT = Path("bench-data/snapshot")


def _day_table(rng: np.random.Generator, day: date, n: int, accounts: int, users_per: np.ndarray) -> pa.Table:
    acct = (rng.zipf(1.3, n) * 7919 + rng.integers(0, accounts, n)) % accounts
    user = rng.integers(0, 1 << 30, n) % users_per[acct]
    start = int(datetime.combine(day, dtime(), UTC).timestamp() * 1_000_000)
    ts = pa.array(start + rng.integers(0, 86_400_000_000, n), pa.timestamp("us", tz="UTC"))
    feature = pa.DictionaryArray.from_arrays(
        pa.array(rng.integers(0, len(FEATURES), n), pa.int32()), pa.array(FEATURES)
    )
    kinds = np.where(rng.random(n) < 0.2, "page", "track")
    is_track = pa.array(kinds == "track")
    feat = feature.cast(pa.string())
    none = pa.nulls(n, pa.string())
    return pa.table(
        {
            "message_id": pa.array(np.arange(n) + start, pa.int64()).cast(pa.string()),
            "type": pa.array(kinds),
            "event": pa.compute.if_else(is_track, feat, none),
            "name": pa.compute.if_else(is_track, none, feat),
            "user_id": pa.array(acct * 1000 + user, pa.int64()).cast(pa.string()),
            "anonymous_id": none,
            "group_id": pa.array(acct, pa.int64()).cast(pa.string()),
            "timestamp": ts,
            "received_at": ts,
            "source": pa.array(["bench"] * n),
            "properties": none,
            "traits": none,
        }
    )


def build_store(events_dir: Path, accounts: int, events: int, last: date) -> None:
    """Writes `events` events over DAYS days ending at `last`, one file per day (vectorised numpy)."""
    rng = np.random.default_rng(7)
    users_per = rng.integers(2, 30, accounts)
    per_day = events // DAYS
    for i in range(DAYS):
        day = last - timedelta(days=DAYS - 1 - i)
        folder = events_dir / f"date={day.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            _day_table(rng, day, per_day, accounts, users_per),
            folder / "part-bench.parquet",
            compression="zstd",
            compression_level=1,
        )


RAW_SQL = """
WITH e AS (
  SELECT group_id, user_id, coalesce(event, name) AS feature,
         date_diff('day', CAST(timestamp AS DATE), DATE '{as_of}') AS age
  FROM read_parquet('{glob}') WHERE type IN ('track', 'page') AND timestamp < TIMESTAMPTZ '{end}')
SELECT group_id,
  count(*) FILTER (WHERE age < 7) AS events_7d, count(*) FILTER (WHERE age < 30) AS events_30d,
  count(*) FILTER (WHERE age < 90) AS events_90d, count(*) FILTER (WHERE age < 180) AS events_180d,
  count(*) FILTER (WHERE age >= 30 AND age < 60) AS events_prev_30d,
  count(DISTINCT user_id) FILTER (WHERE age < 7) AS active_users_7d,
  count(DISTINCT user_id) FILTER (WHERE age < 30) AS active_users_30d,
  count(DISTINCT user_id) FILTER (WHERE age < 90) AS active_users_90d,
  count(DISTINCT feature) FILTER (WHERE age < 30 AND feature IN ('Feature 1', 'Feature 2', 'Feature 3'))
    AS key_30d,
  min(age) AS days_since_last_activity
FROM e GROUP BY group_id
"""


def _raw(events_dir: Path) -> pa.Table:
    end = datetime.combine(AS_OF + timedelta(days=1), dtime(), UTC).isoformat()
    sql = RAW_SQL.format(as_of=AS_OF, glob=f"{events_dir}/*/*.parquet", end=end)
    return duckdb.connect().sql(sql).to_arrow_table()


def _pandas(events_dir: Path) -> pd.DataFrame:
    cols = ["type", "event", "name", "user_id", "group_id", "timestamp"]
    frames = [pq.read_table(f, columns=cols).to_pandas() for f in sorted(events_dir.glob("*/*.parquet"))]
    df = pd.concat(frames, ignore_index=True)
    df = df[df["type"].isin(["track", "page"])]
    df["age"] = (pd.Timestamp(AS_OF, tz="UTC") - df["timestamp"].dt.floor("D")).dt.days
    df["feature"] = df["event"].fillna(df["name"])
    out = {}
    g = df.groupby("group_id")
    for n in (7, 30, 90, 180):
        out[f"events_{n}d"] = df[df.age < n].groupby("group_id").size()
    for n in (7, 30, 90):
        out[f"active_users_{n}d"] = df[df.age < n].groupby("group_id")["user_id"].nunique()
    recent = df[(df.age < 30) & df.feature.isin(["Feature 1", "Feature 2", "Feature 3"])]
    out["key_30d"] = recent.groupby("group_id")["feature"].nunique()
    out["days_since_last_activity"] = g["age"].min()
    return pd.DataFrame(out).fillna(0)


def _timed(fn: Any, *args: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


CHECKED = [
    "events_7d",
    "events_30d",
    "events_90d",
    "events_180d",
    "active_users_7d",
    "active_users_30d",
    "active_users_90d",
]


def _totals(table: pa.Table, names: list[str]) -> dict[str, int]:
    return {n: int(pa.compute.sum(table.column(n)).as_py() or 0) for n in names}


def _peak_rss_mib() -> float:
    """This process's own peak RSS (VmHWM): ru_maxrss would carry the parent's peak over the fork."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _lodestar(rollups: Path, accounts: int, queue: Any) -> None:
    """Runs in a child process so its peak RSS is its own."""
    inputs = make_inputs(
        ["Feature 1", "Feature 2", "Feature 3"],
        accounts=[
            {"account_id": i, "group_id": str(i), "tier": None, "sla_first_response_hours": 24.0}
            for i in range(accounts)
        ],
    )
    engine = connect("duckdb", rollups)
    fast = uses_latest_state(engine, Grid.of([AS_OF]))
    daily, table = _timed(compute_metrics, engine, inputs, [AS_OF])
    warm, _ = _timed(compute_metrics, engine, inputs, [AS_OF])
    dates = [AS_OF - timedelta(weeks=k) for k in range(52)]
    backfill, wide = _timed(lambda: sum(t.num_rows for t in iter_metrics(engine, inputs, dates)))
    account_metrics(engine, inputs, 0, AS_OF)
    lat = []
    for acct in np.random.default_rng(3).integers(0, accounts, 25):
        seconds, _ = _timed(account_metrics, engine, inputs, int(acct), AS_OF)
        lat.append(seconds)
    peak = _peak_rss_mib()
    engine.latest_day = lambda: None  # type: ignore[method-assign]  # the roll-up path, for comparison
    rollup_path, slow = _timed(compute_metrics, engine, inputs, [AS_OF])
    queue.put(
        {
            "fast": fast,
            "daily": daily,
            "warm": warm,
            "rollup_path": rollup_path,
            "same_as_rollup_path": slow.equals(table),
            "backfill": backfill,
            "rows": table.num_rows,
            "wide": wide,
            "recompute_ms": 1000 * float(np.median(lat)),
            "recompute_p90_ms": 1000 * float(np.quantile(lat, 0.9)),
            "peak_mib": peak,
            "totals": _totals(table, [*CHECKED, "key_features_used_30d"]),
        }
    )


def main() -> list[str]:
    """Builds the company, runs every contender, and returns the figures as lines."""
    scale = float(os.environ.get("BENCH_SNAPSHOT_SCALE", "1.0"))
    load_before = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    accounts, events = int(100_000 * scale), int(50_000_000 * scale)
    root = ROOT / f"scale-{scale:g}"
    events_dir, rollups = root / "events", root / "rollups"
    if not events_dir.exists():
        build_s, _ = _timed(build_store, events_dir, accounts, events, AS_OF - timedelta(days=1))
    else:
        build_s = 0.0
    shutil.rmtree(rollups, ignore_errors=True)
    shutil.rmtree(events_dir / f"date={AS_OF.isoformat()}", ignore_errors=True)
    initial_s, _ = _timed(update_rollups, events_dir, rollups)
    rng = np.random.default_rng(11)
    users_per = np.random.default_rng(7).integers(2, 30, accounts)
    folder = events_dir / f"date={AS_OF.isoformat()}"
    folder.mkdir()
    pq.write_table(_day_table(rng, AS_OF, events // DAYS, accounts, users_per), folder / "part-bench.parquet")
    incr_s, update = _timed(update_rollups, events_dir, rollups)
    raw_s, raw = _timed(_raw, events_dir)
    pandas_s, _ = _timed(_pandas, events_dir)
    queue: Any = mp.get_context("spawn").Queue()
    child = mp.get_context("spawn").Process(target=_lodestar, args=(rollups, accounts, queue))
    child.start()
    res = None
    while res is None:
        try:
            res = queue.get(timeout=2)
        except Empty:
            if not child.is_alive():
                raise RuntimeError(f"the Lodestar run failed (exit code {child.exitcode})") from None
    child.join()
    raw_totals = _totals(raw, CHECKED) | {"key_features_used_30d": _totals(raw, ["key_30d"])["key_30d"]}
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    d, r, rp = res["daily"], raw_s, res["rollup_path"]
    return [
        f"snapshot bench: {accounts:,} accounts, {events:,} events over {DAYS} days (+1 new day); "
        f"store built in {build_s:.1f} s, roll-ups and state built in {initial_s:.1f} s",
        f"  load average before / after (1, 5, 15 min): {load_before} -> {load}",
        f"  incremental update of one new day (roll-ups + state, {len(update.rebuilt)} day): {incr_s:.2f} s",
        "  contender                                  seconds   vs raw   goal",
        f"  raw DuckDB SQL over the Parquet events     {r:8.2f}    1.00x",
        f"  pandas                                     {pandas_s:8.2f}   {pandas_s / r:5.2f}x",
        f"  Lodestar daily snapshot (state path{'' if res['fast'] else ' NOT'} used)"
        f"{d:8.2f}   {d / r:5.2f}x   <= 0.5x raw; {pandas_s / d:.1f}x faster than pandas (goal >= 6x)",
        f"  Lodestar daily, plan already compiled      {res['warm']:8.2f}   {res['warm'] / r:5.2f}x",
        f"  Lodestar daily via the roll-ups (no state) {rp:8.2f}   {rp / r:5.2f}x"
        f"   (same rows as the state path: {res['same_as_rollup_path']})",
        f"  Lodestar 52-weekly backfill, streamed      {res['backfill']:8.2f}   {res['backfill'] / r:5.2f}x"
        f"   <= 5x raw ({res['wide']:,} rows)",
        f"  peak RSS of the Lodestar run: {res['peak_mib']:.0f} MiB (goal <= 2048)",
        f"  one-account recompute at the newest date: median {res['recompute_ms']:.0f} ms, "
        f"p90 {res['recompute_p90_ms']:.0f} ms over 25 accounts (goal <= 50)",
        f"  check, totals over all accounts: Lodestar {res['totals']} vs raw {raw_totals}: "
        f"{'equal' if res['totals'] == raw_totals else 'DIFFERENT'}",
    ]


if __name__ == "__main__":
    for line in main():
        print(line)
