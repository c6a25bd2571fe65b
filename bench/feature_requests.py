"""The feature-request list sorted by ARR: 10,000 requests × 100,000 accounts (BENCH_FR_REQUESTS,
BENCH_FR_ACCOUNTS), each account asking for three requests drawn Zipf-like (300,000 links), 10% of the
accounts in USD, 50 CSMs; on SQLite and — when reachable — PostgreSQL (a scratch database, dropped after).

Timed as an admin and as one CSM, 30 requests each in a fresh session: `service.list_requests(sort="arr")`
(the first page of 50), with its figures computed (the cache cleared before each: the cold path — the
database sums every link once and sorts — what the first reader after any change of accounts, requests or
links waits for), and the same page cached (the next readers until something changes). Goal: p95 ≤ 150 ms.
Each line also gives this process's CPU time and the load average: the machine may be shared.
"""

from __future__ import annotations

import os
import time
from datetime import date
from decimal import Decimal

import numpy as np
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from bench.scratch_postgres import on_scratch_postgres
from lodestar import configuration  # noqa: F401  (registers every configuration kind)
from lodestar.accounts.models import Account
from lodestar.auth.models import User
from lodestar.db.bulk import insert_returning_ids
from lodestar.db.engine import make_engine, unit_of_work
from lodestar.db.migrate import upgrade
from lodestar.feature_requests import figures, service
from lodestar.feature_requests.models import FeatureRequest, RequestLink

GOAL_MS = 150.0
RUNS = 30
TODAY = date(2026, 6, 1)
CHUNK = 20_000


def _build(engine: Engine, n_accounts: int, n_requests: int) -> tuple[float, int, int, int]:
    started = time.perf_counter()
    upgrade(engine)
    rng = np.random.default_rng(16)
    with unit_of_work(engine) as session:
        people = [{"email": "admin@bench", "name": "Admin", "role": "admin", "password_hash": "x"}]
        people += [
            {"email": f"csm{i}@bench", "name": f"CSM {i}", "role": "csm", "password_hash": "x"}
            for i in range(50)
        ]
        ids = insert_returning_ids(session, User, people)
        admin, csms = ids[0], ids[1:]
        rows = [{"name": f"Account {i}", "owner_id": csms[i % 50], "tier": ("KA", "MA", "SMB")[i % 3],
                 "arr": Decimal(int(rng.integers(5_000, 500_000))),
                 "currency": "USD" if i % 10 == 0 else "CNY",
                 "in_renewal_window": i % 7 == 0, "stage": "at_risk" if i % 11 == 0 else "growth"}
                for i in range(n_accounts)]  # fmt: skip
        accounts = [
            a
            for lo in range(0, n_accounts, CHUNK)
            for a in insert_returning_ids(session, Account, rows[lo : lo + CHUNK])
        ]
        requests = insert_returning_ids(
            session, FeatureRequest, [{"title": f"Request {i}"} for i in range(n_requests)]
        )
        weights = 1.0 / np.arange(1, n_requests + 1)
        picks = rng.choice(n_requests, size=(n_accounts, 3), p=weights / weights.sum())
        pairs = np.unique(np.column_stack([np.repeat(np.arange(n_accounts), 3), picks.ravel()]), axis=0)
        links = [{"request_id": requests[int(r)], "account_id": accounts[int(a)], "asked_on": TODAY}
                 for a, r in pairs]  # fmt: skip
        for lo in range(0, len(links), CHUNK):
            session.execute(insert(RequestLink), links[lo : lo + CHUNK])
    return time.perf_counter() - started, admin, csms[0], len(links)


def _times(engine: Engine, user_id: int, cold: bool) -> tuple[list[float], list[float]]:
    """Wall and this process's CPU milliseconds of each call (on PostgreSQL the server's CPU is not in it)."""
    out, cpu = [], []
    for _ in range(RUNS):
        if cold:
            figures._CACHE.clear()
        with Session(engine) as session:
            user = session.get(User, user_id)
            assert user is not None
            started, cpu_started = time.perf_counter(), time.process_time()
            page = service.list_requests(session, user, TODAY, sort="arr")
            out.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            assert page.total > 0
    return out, cpu


def _lines(backend: str, engine: Engine, n_accounts: int, n_requests: int) -> list[str]:
    seconds, admin, csm, links = _build(engine, n_accounts, n_requests)
    lines = []
    for who, user_id in (("admin", admin), ("CSM", csm)):
        for label, cold in (("figures computed", True), ("figures cached", False)):
            ms, cpu = _times(engine, user_id, cold)
            lines.append(
                f"feature requests ({backend}), {n_requests:,} requests x {n_accounts:,} accounts "
                f"({links:,} links), as {who}, sorted by ARR, {label}: "
                f"p50 {np.percentile(ms, 50):.0f} ms, p95 {np.percentile(ms, 95):.0f} ms "
                f"(goal p95 <= {GOAL_MS:.0f} ms; client CPU p50 {np.percentile(cpu, 50):.0f} ms, "
                f"load average {os.getloadavg()[0]:.1f})"
            )
    return [*lines, f"   (data built in {seconds:.0f} s)"]


def main() -> list[str]:
    """Builds the company on each database and times the list; one printable line per measure."""
    n_accounts = int(os.environ.get("BENCH_FR_ACCOUNTS", "100000"))
    n_requests = int(os.environ.get("BENCH_FR_REQUESTS", "10000"))
    chosen = os.environ.get("BENCH_FR_DBS", "sqlite,postgres").split(",")
    out: list[str] = []
    if "sqlite" in chosen:
        path = "bench-data/feature_requests.db"
        os.makedirs("bench-data", exist_ok=True)
        if os.path.exists(path):
            os.remove(path)
        engine = make_engine(f"sqlite:///{path}")
        try:
            out += _lines("SQLite", engine, n_accounts, n_requests)
        finally:
            engine.dispose()
    if "postgres" in chosen:
        out += on_scratch_postgres(
            "feature requests", lambda e: _lines("PostgreSQL", e, n_accounts, n_requests)
        )
    return out
