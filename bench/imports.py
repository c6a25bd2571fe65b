"""Importing 1,000,000 usage-event rows from CSV, against a plain pyarrow.csv.read_csv of the same file."""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

ROWS = 1_000_000
GOAL_S = 20.0
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


def main() -> list[str]:
    """Times the import and the baseline read; returns the lines to print."""
    from lodestar.db.engine import make_engine, session_factory
    from lodestar.imports import service

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = folder / "usage.csv"
        write_csv(csv_path)
        url = f"sqlite:///{folder / 'bench.db'}"
        _seed_accounts(url, 1_000)
        raw = csv_path.read_bytes()

        started = time.perf_counter()
        baseline = pacsv.read_csv(csv_path)
        read_s = time.perf_counter() - started

        engine = make_engine(url)
        session = session_factory(engine)()
        spec = service.load_spec(MAPPING, "events")
        started = time.perf_counter()
        report = service.run_import(
            session, "events", raw, csv_path.name, spec, events_dir=folder / "events", today=date(2025, 6, 1)
        )
        session.commit()
        import_s = time.perf_counter() - started
        session.close()
        engine.dispose()
    verdict = "meets" if import_s <= GOAL_S else "MISSES"
    return [
        f"import events: {report.rows:,} CSV rows ({len(raw) / 2**20:.0f} MiB) -> event store",
        f"  {'step':<34}{'seconds':>9}{'rows/s':>14}",
        f"  {'pyarrow.csv.read_csv (baseline)':<34}{read_s:>9.2f}{baseline.num_rows / read_s:>14,.0f}",
        f"  {'lodestar import events':<34}{import_s:>9.2f}{report.created / import_s:>14,.0f}",
        f"  import / baseline: {import_s / read_s:.1f}x; goal <= {GOAL_S:.0f} s: {verdict}",
    ]


if __name__ == "__main__":
    for line in main():
        print(line)
