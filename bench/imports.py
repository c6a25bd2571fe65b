"""Importing usage events, against pyarrow reading (and writing) the same file.

Two parts:
- in process: 1,000,000 CSV rows through `service.run_import` against a plain `pyarrow.csv.read_csv`;
- whole process: `lodestar import events` of a Parquet and a CSV file of BENCH_IMPORT_ROWS rows (default
  3,000,000; BENCH_IMPORT_FORMATS=parquet for one of them) against a process that reads the same file with
  pyarrow and writes it back as Parquet, each with its peak RSS, so the bounded memory of the streamed
  import shows. BENCH_IMPORT_SKIP_IN_PROCESS=1 leaves the in-process part out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ROWS = 1_000_000
GOAL_S = 20.0
GOAL_RATIO = 5.0  # whole-process import / pyarrow read+write
GOAL_RSS_GIB = 1.5
MAPPING = """
kind: events
date_format: iso
fields:
  account: {column: account, lookup: crm_id}
  timestamp: occurred_at
  event: feature
  user_id: user
  source: {constant: bench}
  properties.count: {column: count, type: int}
  properties.seconds: {column: seconds, type: number}
  properties.beta: {column: beta, type: bool}
"""
# The shape of the end-to-end workload: account, user, feature, timestamp (typed in Parquet).
PLAIN_MAPPING = """
kind: events
fields:
  account: {column: account, lookup: crm_id}
  timestamp: timestamp
  event: feature
  user_id: user
"""


def write_csv(path: Path, rows: int = ROWS, accounts: int = 1_000, seed: int = 1) -> None:
    """A CSV of synthetic usage rows over 90 days, 1,000 accounts, thousands separators included."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2025-01-01T00:00:00")
    stamps = start + rng.integers(0, 90 * 86_400, rows).astype("timedelta64[s]")
    counts = rng.integers(0, 5_000, rows)
    table = pa.table(
        {
            "occurred_at": pa.array(np.datetime_as_string(stamps, unit="s")),
            "account": pa.array(np.char.add("A-", rng.integers(0, accounts, rows).astype(str))),
            "user": pa.array(np.char.add("u", rng.integers(0, 20_000, rows).astype(str))),
            "feature": pa.array(np.char.add("feature_", rng.integers(0, 40, rows).astype(str))),
            "count": pa.array([f"{c:,}" for c in counts.tolist()]),
            "seconds": pa.array(np.round(rng.random(rows) * 600, 2)),
            "beta": pa.array(np.where(rng.random(rows) < 0.1, "TRUE", "FALSE")),
        }
    )
    pacsv.write_csv(table, path)


def usage_table(rows: int, accounts: int = 1_000, seed: int = 2) -> pa.Table:
    """account, user, feature, timestamp over 180 days, sorted by time as an export would be."""
    rng = np.random.default_rng(seed)
    micros = np.sort(rng.integers(0, 180 * 86_400_000_000, rows)) + 1_735_689_600_000_000  # from 2025-01-01
    return pa.table(
        {
            "account": pa.array(np.char.add("A-", rng.integers(0, accounts, rows).astype(str))),
            "user": pa.array(np.char.add("u", rng.integers(0, 50_000, rows).astype(str))),
            "feature": pa.array(np.char.add("feature_", rng.integers(0, 40, rows).astype(str))),
            "timestamp": pa.array(micros, pa.timestamp("us", tz="UTC")),
        }
    )


def _seed_accounts(url: str, accounts: int) -> None:
    from lodestar.accounts import service as accounts_service
    from lodestar.db.engine import make_engine, unit_of_work
    from lodestar.db.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    rows = [
        {"name": f"Account {i}", "crm_id": f"A-{i}", "segment_group_id": f"g-{i}"} for i in range(accounts)
    ]
    with unit_of_work(engine) as session:
        accounts_service.import_accounts(session, rows)
    engine.dispose()


# The measured process is started by this small launcher, not by the benchmark itself: a child's peak RSS
# (ru_maxrss) counts the memory of the process it was forked from, which here holds the generated tables.
_LAUNCH = """
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True)
seconds = time.perf_counter() - started
if done.returncode:
    sys.exit(done.stdout.decode()[-2000:] + done.stderr.decode()[-2000:])
print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Runs a process; returns (seconds, peak RSS in GiB), failing loudly if it fails."""
    done = subprocess.run([sys.executable, "-c", _LAUNCH, *argv], env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{argv[:6]} failed: {done.stderr}")
    seconds, kib = done.stdout.split()
    return float(seconds), int(kib) / 2**20  # ru_maxrss is in KiB on Linux


_READ_WRITE = """
import sys, pyarrow.csv as c, pyarrow.parquet as pq
src, dst = sys.argv[1], sys.argv[2]
pq.write_table(pq.read_table(src) if src.endswith('.parquet') else c.read_csv(src), dst, compression='zstd')
"""


def _whole_process(folder: Path, rows: int) -> list[str]:
    """`lodestar import events` as a process against a pyarrow read+write of the same file."""
    url = f"sqlite:///{folder / 'whole.db'}"
    _seed_accounts(url, 1_000)
    formats = os.environ.get("BENCH_IMPORT_FORMATS", "parquet,csv").split(",")
    parquet = folder / "usage.parquet"
    csv = folder / "usage.csv"
    table = usage_table(rows)
    pq.write_table(table, parquet, compression="zstd")
    if "csv" in formats:
        pacsv.write_csv(table.set_column(3, "timestamp", table.column("timestamp").cast(pa.string())), csv)
    del table
    mapping = folder / "mapping.yaml"
    mapping.write_text(PLAIN_MAPPING)
    env = {**os.environ, "LODESTAR_DATABASE_URL": url, "LODESTAR_DATA_DIR": str(folder / "data")}
    lines = [
        f"import events, whole process: {rows:,} rows (account, user, feature, timestamp), 1,000 accounts",
        f"  {'file':<10}{'step':<26}{'seconds':>9}{'peak RSS':>11}{'ratio':>8}",
    ]
    for path in [p for p in (parquet, csv) if p.suffix.lstrip(".") in formats]:
        copy = folder / "copy.parquet"
        base_s, base_rss = _timed([sys.executable, "-c", _READ_WRITE, str(path), str(copy)])
        cli = [sys.executable, "-c", "from lodestar.cli import app; app()", "import", "events", str(path)]
        run_s, run_rss = _timed([*cli, "--mapping", str(mapping)], env)
        fmt = path.suffix.lstrip(".")
        lines.append(f"  {fmt:<10}{'pyarrow read+write':<26}{base_s:>9.2f}{base_rss:>8.2f} GiB")
        verdict = "meets" if run_s <= GOAL_RATIO * base_s and run_rss <= GOAL_RSS_GIB else "MISSES"
        step = "lodestar import events"
        lines.append(
            f"  {fmt:<10}{step:<26}{run_s:>9.2f}{run_rss:>8.2f} GiB{run_s / base_s:>7.1f}x"
            f"  (goal <= {GOAL_RATIO:.0f}x, <= {GOAL_RSS_GIB} GiB: {verdict})"
        )
    return lines


def _in_process(folder: Path) -> list[str]:
    from lodestar.db.engine import make_engine, session_factory
    from lodestar.imports import service

    csv_path = folder / "bench-usage.csv"
    write_csv(csv_path)
    url = f"sqlite:///{folder / 'bench.db'}"
    _seed_accounts(url, 1_000)
    size = csv_path.stat().st_size

    started = time.perf_counter()
    baseline = pacsv.read_csv(csv_path)
    read_s = time.perf_counter() - started

    engine = make_engine(url)
    session = session_factory(engine)()
    spec = service.load_spec(MAPPING, "events")
    started = time.perf_counter()
    report = service.run_import(
        session, "events", csv_path, csv_path.name, spec, events_dir=folder / "events", today=date(2025, 6, 1)
    )
    session.commit()
    import_s = time.perf_counter() - started
    session.close()
    engine.dispose()
    verdict = "meets" if import_s <= GOAL_S else "MISSES"
    return [
        f"import events: {report.rows:,} CSV rows ({size / 2**20:.0f} MiB) -> event store, in process",
        f"  {'step':<34}{'seconds':>9}{'rows/s':>14}",
        f"  {'pyarrow.csv.read_csv (baseline)':<34}{read_s:>9.2f}{baseline.num_rows / read_s:>14,.0f}",
        f"  {'lodestar import events':<34}{import_s:>9.2f}{report.created / import_s:>14,.0f}",
        f"  import / baseline: {import_s / read_s:.1f}x; goal <= {GOAL_S:.0f} s: {verdict}",
    ]


def main() -> list[str]:
    """Times the imports and their baselines; returns the lines to print."""
    rows = int(os.environ.get("BENCH_IMPORT_ROWS", "3000000"))
    with tempfile.TemporaryDirectory(prefix="lodestar-bench-imports-") as tmp:
        folder = Path(tmp)
        lines = [] if os.environ.get("BENCH_IMPORT_SKIP_IN_PROCESS") else _in_process(folder)
        return lines + _whole_process(folder, rows)


if __name__ == "__main__":
    for line in main():
        print(line, flush=True)
