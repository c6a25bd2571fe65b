"""Point reads at portfolio scale: the account page's snapshot reads and one-account full recompute.

BENCH_ACCOUNTS (default 100,000) accounts with a contract each and BENCH_POINT_EVENTS (default 5,000,000)
usage events over 180 days are written straight into a SQLite database and the event store; two snapshot
runs a week apart give each account a latest and a previous row. Then, on 200 random accounts:

- the health card (what the account page reads of the snapshot: the account's history and its rows of
  the latest and previous dates), on the store as written now and on the same rows in the one-row-group
  files the store wrote before (one 100k-row group per date);
- one-account full recompute (`snapshots.service.recompute_account`) of 50 random accounts at the newest
  date, in a process of its own. BENCH_BEFORE_SRC=<path to an older src/> times that code as well, on a
  copy of the data, in the same session.

Data goes to bench-data/point_reads (rebuilt when the sizes change).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bench.snapshot import build_store
from lodestar.accounts.models import Account
from lodestar.analytics import snapshot_store as store
from lodestar.contracts.models import Contract
from lodestar.db.engine import make_engine
from lodestar.db.migrate import upgrade
from lodestar.health import service as health_service
from lodestar.pipeline.daily import run_job
from lodestar.settings import load_settings

AS_OF = date(2026, 6, 30)
ROOT = Path("bench-data/point_reads")
PAGE_GOAL_MS, RECOMPUTE_GOAL_MS = 50.0, 100.0
SAMPLES, RECOMPUTES = 200, 50
PORTFOLIO_ROWS = 100_000  # the snapshot reads are also timed on files of at least this many accounts


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def company(data: Path, accounts: int, events: int, as_of: date = AS_OF) -> tuple[str, float]:
    """Accounts, contracts and events written in bulk, then a run of as_of and a week before; its seconds."""
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    url = f"sqlite:///{data / 'lodestar.db'}"
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(5)
    plans, industries = ["Basic", "Pro", "Enterprise"], ["Retail", "Finance", "Tech", "Health"]
    with Session(engine) as s:
        s.execute(
            insert(Account),
            [
                {
                    "name": f"Account {i}",
                    "segment_group_id": str(i),
                    "arr": Decimal(rng.randint(5, 900) * 1000),
                    "employees": rng.randint(5, 5000),
                    "industry": rng.choice(industries),
                    "plan": rng.choice(plans),
                }
                for i in range(accounts)
            ],
        )
        ids = list(s.scalars(select(Account.id).order_by(Account.id)))
        s.execute(
            insert(Contract),
            [
                {
                    "account_id": a,
                    "start_date": date(2025, 10, 1) - timedelta(days=rng.randint(0, 400)),
                    "end_date": date(2026, 9, 30) + timedelta(days=rng.randint(0, 300)),
                    "arr": Decimal(rng.randint(5, 900) * 1000),
                    "seats": rng.randint(2, 60),
                }
                for a in ids
            ],
        )
        s.commit()
    build_store(data / "events", accounts, events, as_of)
    settings = load_settings(data_dir=data, database_url=url)
    started = time.perf_counter()
    run_job(engine, settings, [as_of - timedelta(days=7), as_of])
    seconds = time.perf_counter() - started
    (data / "built.json").write_text(json.dumps({"accounts": accounts, "events": events, "run_s": seconds}))
    engine.dispose()
    return url, seconds


def _old_layout(root: Path, old: Path) -> None:
    """The same snapshots as the store wrote them before: unsorted order kept, one row group per file."""
    for day in store.dates(root):
        target = store.folder(old, day) / store.FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        table = pq.read_table(store.folder(root, day) / store.FILE)
        pq.write_table(table, target, compression="zstd", row_group_size=table.num_rows)


Timing = tuple[list[float], list[float]]  # wall and CPU milliseconds per sample


def _timed(calls: list[Callable[[], object]], warm: int) -> Timing:
    """Wall and CPU time of each call after the first `warm` (CPU time: fair on a machine others share)."""
    wall, cpu = [], []
    for call in calls:
        w, c = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return wall[warm:], cpu[warm:]


def _health_cards(url: str, root: Path, ids: list[int]) -> Timing:
    engine = make_engine(url)
    with Session(engine) as s:
        accounts = [s.get(Account, a) for a in ids]

        def card(account: Account | None) -> None:
            assert account is not None
            found = health_service.health_card(s, root, account)
            assert found is not None and found.explanations

        # The first 20 warm what a running server holds.
        timing = _timed([partial(card, a) for a in accounts[:20] + accounts], 20)
    engine.dispose()
    return timing


def _portfolio_rows(root: Path, work: Path, size: int, ids: list[int]) -> tuple[Timing, Timing]:
    """One account's rows of two dates in a `size`-account portfolio: one row group per file vs now.

    The stored snapshots are tiled to `size` rows (account ids shifted per copy): the columns, types and
    explanations of a real run, at the size of the portfolio the account page must not scan.
    """
    days = store.dates(root)[-2:]
    old, new = work / "old", work / "new"
    for day in days:
        table = pq.read_table(store.folder(root, day) / store.FILE)
        step = int(pc.max(table.column("account_id")).as_py()) + 1
        copies = [
            table.set_column(0, "account_id", pc.add(table.column("account_id"), k * step))
            for k in range(-(-size // table.num_rows))
        ]
        tiled = pa.concat_tables(copies).slice(0, size)
        target = store.folder(old, day) / store.FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(tiled, target, compression="zstd", row_group_size=tiled.num_rows)
        store.write(new, day, tiled)

    def before(a: int) -> None:
        for day in days:
            pq.read_table(store.folder(old, day) / store.FILE, filters=[("account_id", "=", a)])

    def now(a: int) -> None:
        for day in days:
            assert store.read_account(new, day, a) is not None

    timings = _timed([partial(before, a) for a in ids], 5), _timed([partial(now, a) for a in ids], 5)
    shutil.rmtree(work, ignore_errors=True)
    return timings


def recompute_times(url: str, data: str, ids: list[int]) -> Timing:
    """Times snapshots.service.recompute_account of each account at AS_OF (run in its own process)."""
    from lodestar.analytics.engines.engine import from_settings
    from lodestar.snapshots import service

    settings = load_settings(data_dir=Path(data), database_url=url)
    engine, analytics = make_engine(url), from_settings(settings)

    def one(account: int) -> None:
        with Session(engine) as s:
            service.recompute_account(s, analytics, store.root_of(settings), account, AS_OF)
            s.commit()

    # The first three compile the per-account query plan.
    return _timed([partial(one, a) for a in ids[:3] + ids], 3)


def _recompute_in_process(url: str, data: Path, ids: list[int], src: str) -> Timing:
    code = (
        "import json, sys; from bench.point_reads import recompute_times as t; "
        "print(json.dumps(t(*json.loads(sys.argv[1]))))"
    )
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{Path.cwd()}"}
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps([url, str(data), ids])],
        env=env,
        check=True,
        capture_output=True,
    )
    wall, cpu = json.loads(out.stdout.decode().strip().splitlines()[-1])
    return list(wall), list(cpu)


def _row(label: str, timing: Timing, goal: float) -> str:
    wall, cpu = timing
    p95 = _pct(wall, 0.95)
    verdict = "ok" if p95 <= goal else "OVER GOAL"
    return (
        f"  {label:<56} wall p50 {statistics.median(wall):7.1f} p95 {p95:7.1f} ms | "
        f"CPU p50 {statistics.median(cpu):7.1f} p95 {_pct(cpu, 0.95):7.1f} ms  "
        f"(goal p95 <= {goal:.0f} ms: {verdict})"
    )


def main() -> list[str]:
    """Builds (or reuses) the company and reports the point-read and recompute figures."""
    accounts = int(os.environ.get("BENCH_ACCOUNTS", "100000"))
    events = int(os.environ.get("BENCH_POINT_EVENTS", "5000000"))
    data = ROOT.resolve()
    built = json.loads((data / "built.json").read_text()) if (data / "built.json").exists() else {}
    out = [
        f"== Point reads: {accounts:,} accounts, {events:,} events, "
        f"snapshots of {AS_OF - timedelta(days=7)} and {AS_OF}"
    ]
    url = f"sqlite:///{data / 'lodestar.db'}"
    if built.get("accounts") == accounts and built.get("events") == events:
        out.append(f"  reusing the company (its two-date run took {built['run_s']:.1f} s)")
    else:
        url, seconds = company(data, accounts, events)
        out.append(f"  built the company; `lodestar run` of two dates took {seconds:.1f} s")
    root = store.root_of(load_settings(data_dir=data, database_url=url))
    engine = make_engine(url)
    with Session(engine) as s:
        every = list(s.scalars(select(Account.id)))
    engine.dispose()
    rng = random.Random(11)
    sample = [rng.choice(every) for _ in range(SAMPLES)]
    old = data.parent / "point_reads_old_layout"
    shutil.rmtree(old, ignore_errors=True)
    _old_layout(root, old)
    out.append(
        _row(
            "health card, one-row-group files (the store before)",
            _health_cards(url, old, sample),
            PAGE_GOAL_MS,
        )
    )
    out.append(
        _row(
            "health card, sorted files in 2,048-row groups (now)",
            _health_cards(url, root, sample),
            PAGE_GOAL_MS,
        )
    )
    shutil.rmtree(old, ignore_errors=True)
    size = max(accounts, PORTFOLIO_ROWS)
    far = [rng.randrange(1, size) for _ in range(SAMPLES)]
    before, now = _portfolio_rows(root, data.parent / "point_reads_tiled", size, far)
    out.append(_row(f"one account's rows of 2 dates, {size:,}-row files, before", before, PAGE_GOAL_MS))
    out.append(_row(f"one account's rows of 2 dates, {size:,}-row files, now", now, PAGE_GOAL_MS))
    chosen = sample[:RECOMPUTES]
    before_src = os.environ.get("BENCH_BEFORE_SRC")
    if before_src:
        copy = data.parent / "point_reads_before"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(data, copy)
        times = _recompute_in_process(f"sqlite:///{copy / 'lodestar.db'}", copy, chosen[:10], before_src)
        out.append(_row(f"one-account recompute, code at {before_src}", times, RECOMPUTE_GOAL_MS))
        shutil.rmtree(copy, ignore_errors=True)
    times = _recompute_in_process(url, data, chosen, str(Path(__file__).resolve().parent.parent / "src"))
    out.append(_row("one-account full recompute (now)", times, RECOMPUTE_GOAL_MS))
    return out
