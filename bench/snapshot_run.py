"""The whole snapshot run as a user waits for it: `run_job` cold, the same date again, and the next day.

The company lives in a real operational database (embedded SQLite and the local PostgreSQL) with one active
contract per account; its events are the snapshot bench's generated store. Each run is timed as a whole and
per phase (from the run record). BENCH_RUN_ACCOUNTS (default 100,000) and BENCH_RUN_EVENTS (default
20,000,000, over 180 days) size it; BENCH_RUN_DB picks the databases (default "sqlite,postgresql") and
BENCH_RUN_PG_DATABASE names the PostgreSQL database it recreates (default lodestar_bench_run).
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from sqlalchemy import create_engine, text

from bench.snapshot import AS_OF, DAYS, _day_table, build_store
from lodestar.accounts.models import Account
from lodestar.contracts.models import Contract
from lodestar.db.bulk import insert_returning_ids
from lodestar.db.engine import make_engine, unit_of_work
from lodestar.db.migrate import upgrade
from lodestar.pipeline.daily import run_job
from lodestar.settings import load_settings
from lodestar.snapshots.models import SnapshotRun

ROOT = Path("bench-data/snapshot_run")
PG_ADMIN = os.environ.get("LODESTAR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_DATABASE = os.environ.get("BENCH_RUN_PG_DATABASE", "lodestar_bench_run")
PLANS = ("Starter", "Growth", "Enterprise")


def _database(backend: str, data_dir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{(data_dir / 'lodestar.db').resolve()}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_DATABASE


def _company(url: str, accounts: int) -> None:
    """Accounts whose Segment groupId is the events' group_id, each with one active contract."""
    engine = make_engine(url)
    upgrade(engine)
    rng = np.random.default_rng(5)
    arr = rng.integers(5_000, 500_000, accounts)
    started = rng.integers(0, 700, accounts)
    with unit_of_work(engine) as session:
        ids = insert_returning_ids(
            session,
            Account,
            [
                {
                    "name": f"Account {i}",
                    "segment_group_id": str(i),
                    "plan": PLANS[i % 3],
                    "employees": int(20 + i % 2000),
                    "arr": Decimal(int(arr[i])),
                }
                for i in range(accounts)
            ],
        )
        insert_returning_ids(
            session,
            Contract,
            [
                {
                    "account_id": account_id,
                    "start_date": AS_OF - timedelta(days=int(started[i])),
                    "end_date": AS_OF - timedelta(days=int(started[i])) + timedelta(days=364),
                    "arr": Decimal(int(arr[i])),
                    "seats": int(5 + i % 50),
                }
                for i, account_id in enumerate(ids)
            ],
        )
    engine.dispose()


def _events(accounts: int, events: int) -> Path:
    """The shared generated event store (built once per size)."""
    store = ROOT / f"events-{accounts}-{events}"
    if not store.exists():
        build_store(store, accounts, events, AS_OF)
    return store


def _run(url: str, data_dir: Path, day: date) -> tuple[float, SnapshotRun]:
    engine = make_engine(url)
    settings = load_settings(data_dir=data_dir, database_url=url)
    started = time.perf_counter()
    record = run_job(engine, settings, [day])
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds, record


def _phases(record: SnapshotRun) -> str:
    phases = getattr(record, "phases", None) or []
    return ", ".join(
        f"{p['name']} {p['seconds']:.2f}" + (f" ({p['rows']:,} rows)" if p.get("rows") is not None else "")
        for p in phases
    )


def _one_backend(backend: str, accounts: int, events: int) -> list[str]:
    data_dir = ROOT / f"run-{backend}"
    shutil.rmtree(data_dir, ignore_errors=True)
    (data_dir / "events").mkdir(parents=True)
    for folder in sorted(_events(accounts, events).iterdir()):
        (data_dir / "events" / folder.name).symlink_to(folder.resolve())
    url = _database(backend, data_dir)
    build = time.perf_counter()
    _company(url, accounts)
    lines = [f"  {backend}: company of {accounts:,} accounts loaded in {time.perf_counter() - build:.1f} s"]
    for label, day in (("cold run", AS_OF), ("same date again", AS_OF), ("next day", AS_OF + timedelta(1))):
        if label == "next day":
            users_per = np.random.default_rng(7).integers(2, 30, accounts)
            folder = data_dir / "events" / f"date={day.isoformat()}"
            folder.mkdir()
            table = _day_table(np.random.default_rng(13), day, events // DAYS, accounts, users_per)
            pq.write_table(table, folder / "part-bench.parquet")
        seconds, record = _run(url, data_dir, day)
        lines.append(
            f"    {label:<16} run_job {seconds:6.2f} s, {record.transitions:,} stage changes recorded"
        )
        if _phases(record):
            lines.append(f"      phases (s): {_phases(record)}")
    return lines


def main() -> list[str]:
    """Loads the company into each database and times its runs."""
    accounts = int(os.environ.get("BENCH_RUN_ACCOUNTS", "100000"))
    events = int(os.environ.get("BENCH_RUN_EVENTS", "20000000"))
    chosen = os.environ.get("BENCH_RUN_DB", "sqlite,postgresql")
    backends = [b.strip() for b in chosen.split(",") if b.strip()]
    lines = [f"snapshot run bench: {accounts:,} accounts, {events:,} events over {DAYS} days, whole run_job"]
    for backend in backends:
        lines += _one_backend(backend, accounts, events)
    return lines


if __name__ == "__main__":
    for line in main():
        print(line)
