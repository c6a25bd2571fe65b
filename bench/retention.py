"""Retention: GRR, NRR, logo retention and renewal rate by quarter × tier × CSM over three years.

BENCH_RETENTION_ACCOUNTS (default 100,000) accounts over 50 CSMs and three tiers, each with a first
contract begun between 2021 and 2024, 80% of them renewed once (early, on time or late; larger, smaller or
flat), for 180,000 contracts at the default size; 10% in USD, 15% of the unrenewed ones churned with a
reason. On SQLite and — when LODESTAR_TEST_POSTGRES_URL (or the local default) is reachable — PostgreSQL
(BENCH_RETENTION_DBS picks: `sqlite,postgres`). Then `renewals.retention.service.retention` for 2023-01-01
to 2025-12-31 by quarter, tier and CSM as an admin, five times, each in a fresh session (the first reads the
contracts, the next ones find them cached per table generation). Goal: ≤ 1 s.
BENCH_REUSE=1 keeps the companies (bench-data/retention, PostgreSQL database lodestar_bench_retention, or
BENCH_RETENTION_PG_DB) and measures on them again next time.
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bench.scratch_postgres import on_kept_postgres, on_scratch_postgres
from lodestar import configuration  # noqa: F401  (registers every configuration kind)
from lodestar.accounts.models import Account
from lodestar.auth.models import User
from lodestar.contracts.models import Contract
from lodestar.db.bulk import insert_returning_ids
from lodestar.db.engine import make_engine, unit_of_work
from lodestar.db.migrate import upgrade
from lodestar.renewals.retention import service
from lodestar.renewals.retention.schemas import RetentionQuery

GOAL_S = 1.0
RUNS = 5  # the first reads the contracts; the next ones find them cached (lodestar.db.generation)
TODAY = date(2026, 1, 15)
QUERY = RetentionQuery(period="quarter", by=["tier", "csm"], first=date(2023, 1, 1), last=date(2025, 12, 31))
ROOT = Path("bench-data/retention")
CHUNK = 20_000
REASONS = ["no_usage", "champion_left", "price_budget", "competitor", None]


def _insert(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    ids: list[int] = []
    for lo in range(0, len(rows), CHUNK):
        ids += insert_returning_ids(session, model, rows[lo : lo + CHUNK])
    return ids


def _people(session: Session) -> tuple[int, list[int]]:
    rows = [{"email": "admin@bench", "name": "Admin", "role": "admin", "password_hash": "x"}]
    rows += [
        {"email": f"csm{i}@bench", "name": f"CSM {i}", "role": "csm", "password_hash": "x"} for i in range(50)
    ]
    ids = _insert(session, User, rows)
    return ids[0], ids[1:]


def _accounts(session: Session, n: int, csms: list[int], rng: np.random.Generator) -> list[int]:
    tiers = ["KA", "MM", "SMB"]
    owner = rng.integers(0, len(csms), n)
    rows = [
        {"name": f"Bench {i}", "tier": tiers[i % 3], "owner_id": csms[int(owner[i])], "industry": "Retail",
         "plan": "Pro", "region": "East", "tags": [], "traits": {}, "departments": [], "scenarios": [],
         "tier_pinned": False}
        for i in range(n)
    ]  # fmt: skip
    return _insert(session, Account, rows)


def _contracts(session: Session, ids: list[int], rng: np.random.Generator) -> int:
    n = len(ids)
    begun = [date(2021, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 4 * 365, n)]
    arr = rng.integers(10, 500, n) * 1000
    usd = rng.random(n) < 0.1
    renewed = rng.random(n) < 0.8
    churned = ~renewed & (rng.random(n) < 0.15)
    first = [
        {"account_id": a, "start_date": s, "end_date": s + timedelta(days=365), "arr": int(v),
         "currency": "USD" if u else "CNY", "status": "renewed" if r else "expired" if c else "active",
         "churn_reason": REASONS[i % len(REASONS)] if c else None}
        for i, (a, s, v, u, r, c) in enumerate(zip(ids, begun, arr, usd, renewed, churned, strict=True))
    ]  # fmt: skip
    first_ids = _insert(session, Contract, first)
    shift = rng.integers(-60, 30, n)  # early, on time or late
    change = rng.choice([0.8, 1.0, 1.0, 1.2, 1.5], n)
    second = [
        {"account_id": ids[i], "start_date": first[i]["end_date"] + timedelta(days=int(shift[i])),
         "end_date": first[i]["end_date"] + timedelta(days=365), "arr": int(arr[i] * change[i]),
         "currency": first[i]["currency"], "renews_contract_id": first_ids[i]}
        for i in np.flatnonzero(renewed)
    ]  # fmt: skip
    _insert(session, Contract, second)
    return n + len(second)


def _build(engine: Engine, n: int) -> tuple[float, int, int]:
    started = time.perf_counter()
    upgrade(engine)
    rng = np.random.default_rng(14)
    with unit_of_work(engine) as session:
        admin, csms = _people(session)
        contracts = _contracts(session, _accounts(session, n, csms, rng), rng)
    return time.perf_counter() - started, admin, contracts


def _measure(engine: Engine, admin_id: int) -> tuple[list[float], list[float], Any]:
    """Wall seconds and this process's CPU seconds of each run (CPU time is what a busy shared machine
    inflates least; on PostgreSQL the server's own work is not in it), and the last report."""
    wall: list[float] = []
    cpu: list[float] = []
    report = None
    for _ in range(RUNS):
        with Session(engine) as session:
            admin = session.get(User, admin_id)
            started, used = time.perf_counter(), time.process_time()
            report = service.retention(session, admin, QUERY, TODAY)
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
    return wall, cpu, report


def _lines(backend: str, n: int, built: tuple[float, int, int], engine: Engine) -> list[str]:
    seconds, admin, contracts = built
    wall, cpu, report = _measure(engine, admin)
    last = report.totals[-1].figures
    return [
        f"retention ({backend}), {n:,} accounts / {contracts:,} contracts, 12 quarters x tier x CSM "
        f"({len(report.groups):,} group rows): {wall[0]:.2f} s first, {min(wall):.2f} s best and "
        f"{float(np.median(wall[1:])):.2f} s median of the next {len(wall) - 1} (CPU {cpu[0]:.2f} s first, "
        f"{float(np.median(cpu[1:])):.2f} s median next) "
        f"(goal <= {GOAL_S:.0f} s); 2025-Q4 GRR {last.grr} NRR {last.nrr}; data built in {seconds:.0f} s"
    ]


def _kept(engine: Engine) -> tuple[float, int, int]:
    """(0, admin id, contracts) of a company an earlier run built and kept."""
    upgrade(engine)
    with Session(engine) as session:
        admin = session.scalar(select(User.id).where(User.email == "admin@bench"))
        contracts = session.scalar(select(func.count()).select_from(Contract)) or 0
    assert admin is not None, "BENCH_REUSE: the kept database has no bench admin"
    return 0.0, admin, contracts


def _sqlite(n: int, reuse: bool) -> list[str]:
    present = reuse and (ROOT / "bench.db").exists()
    if not present:
        shutil.rmtree(ROOT, ignore_errors=True)
        ROOT.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{ROOT / 'bench.db'}")
    try:
        return _lines("SQLite", n, _kept(engine) if present else _build(engine, n), engine)
    finally:
        engine.dispose()


def _postgres(n: int, reuse: bool) -> list[str]:
    if reuse:

        def work(engine: Engine, present: bool) -> list[str]:
            return _lines("PostgreSQL", n, _kept(engine) if present else _build(engine, n), engine)

        name = os.environ.get("BENCH_RETENTION_PG_DB", "lodestar_bench_retention")
        return on_kept_postgres("retention", name, work)
    return on_scratch_postgres("retention", lambda engine: _lines("PostgreSQL", n, _build(engine, n), engine))


def main(accounts: int | None = None) -> list[str]:
    """Builds the company on each database and times the retention report; one printable line each."""
    n = accounts or int(os.environ.get("BENCH_RETENTION_ACCOUNTS", "100000"))
    chosen = os.environ.get("BENCH_RETENTION_DBS", "sqlite,postgres").split(",")
    reuse = os.environ.get("BENCH_REUSE") == "1"  # measure again on the companies an earlier run kept
    lines: list[str] = []
    for backend, run in (("sqlite", _sqlite), ("postgres", _postgres)):
        if backend in chosen:
            found = run(n, reuse)
            for line in found:
                print(line, flush=True)
            lines += found
    return lines


if __name__ == "__main__":
    main()
