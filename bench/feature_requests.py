"""The feature-request list sorted by ARR: 10,000 requests × 100,000 accounts (BENCH_FR_REQUESTS,
BENCH_FR_ACCOUNTS), each account asking for three requests drawn Zipf-like (300,000 links), 10% of the
accounts in USD, 50 CSMs (the first ten in one manager's team); on SQLite and — when reachable — PostgreSQL
(a scratch database, dropped after).

Timed: `service.list_requests(sort="arr")` (the first page of 50) in a fresh session, as an admin, a manager
and one CSM, each the first read after a typical change committed just before it (the page cache cleared):

- a CSM links one of their accounts to a request (drawn as the requests were: mostly the largest ones);
- a manager changes a request's status (a request of 30 to 300 accounts: each linked account gets a task);
- the daily run writes back 5,000 accounts' stage and renewal window (`write_snapshot_values`, set-based);

and later reads with nothing changed. The write itself is timed too (the kept totals are maintained in its
transaction), and once: every account's ARR changed by one UPDATE. Goal: every read p95 ≤ 150 ms. Each
line gives this process's CPU time and the load average: the machine may be shared.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import numpy as np
import pyarrow as pa
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session

from bench.scratch_postgres import on_scratch_postgres
from lodestar import configuration  # noqa: F401  (registers every configuration kind)
from lodestar.accounts import service as accounts_service
from lodestar.accounts.models import Account
from lodestar.auth.models import User
from lodestar.db.bulk import insert_returning_ids
from lodestar.db.engine import make_engine
from lodestar.db.maintenance import refresh_statistics
from lodestar.db.migrate import upgrade
from lodestar.feature_requests import service
from lodestar.feature_requests.models import FeatureRequest, RequestLink
from lodestar.feature_requests.schemas import LinkCreate, StatusUpdate

GOAL_MS = 150.0
RUNS = int(os.environ.get("BENCH_FR_RUNS", "30"))
BULK_RUNS = 10
BULK_ACCOUNTS = 5_000
TODAY = date(2026, 6, 1)
CHUNK = 20_000
BEFORE_TOTALS = "0026"  # the revision before the totals (0028) and their triggers
Change = Callable[[Session, int], None]


class Company:
    """The ids the measures need: users, each CSM's accounts, requests by rank."""

    def __init__(self, admin: int, manager: int, csms: list[int], accounts: list[int], requests: list[int]):
        self.admin, self.manager, self.csm = admin, manager, csms[0]
        self.accounts, self.requests = accounts, requests
        self.owned = accounts[0::50]  # the first CSM's (owners go round the 50)
        self.links = 0


def _people(session: Session) -> tuple[int, int, list[int]]:
    admin, manager = insert_returning_ids(session, User, [
        {"email": "admin@bench", "name": "Admin", "role": "admin", "password_hash": "x"},
        {"email": "manager@bench", "name": "Manager", "role": "manager", "password_hash": "x"},
    ])  # fmt: skip
    csms = insert_returning_ids(session, User, [
        {"email": f"csm{i}@bench", "name": f"CSM {i}", "role": "csm", "password_hash": "x",
         "manager_id": manager if i < 10 else None}
        for i in range(50)
    ])  # fmt: skip
    return admin, manager, csms


def _build(engine: Engine, n_accounts: int, n_requests: int) -> tuple[float, float, Company]:
    """The company written before the totals' migration, which then sums every link set-based (row by row,
    the triggers made the PostgreSQL build take 23 minutes on this shared machine); seconds to write it,
    seconds the migration took."""
    started = time.perf_counter()
    upgrade(engine, BEFORE_TOTALS)
    rng = np.random.default_rng(16)
    with Session(engine) as session, session.begin():
        admin, manager, csms = _people(session)
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
        picks = rng.choice(n_requests, size=(n_accounts, 3), p=_zipf(n_requests))
        pairs = np.unique(np.column_stack([np.repeat(np.arange(n_accounts), 3), picks.ravel()]), axis=0)
        links = [{"request_id": requests[int(r)], "account_id": accounts[int(a)], "asked_on": TODAY}
                 for a, r in pairs]  # fmt: skip
        for lo in range(0, len(links), CHUNK):
            session.execute(insert(RequestLink), links[lo : lo + CHUNK])
    written = time.perf_counter() - started
    upgrade(engine)
    migrated = time.perf_counter() - started - written
    refresh_statistics(engine)  # as the demo does after its bulk load (and autovacuum would soon)
    company = Company(admin, manager, csms, accounts, requests)
    company.links = len(links)
    return written, migrated, company


def _zipf(n: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1)
    return weights / weights.sum()


def _changes(company: Company) -> dict[str, Change]:
    """Each typical change, committed by the caller; `i` is the run's number."""
    rng = np.random.default_rng(7)
    bulk = min(BULK_ACCOUNTS, len(company.accounts) // 2)

    def csm_links(session: Session, i: int) -> None:
        csm = session.get(User, company.csm)
        assert csm is not None
        while True:  # a new link: an account of theirs that did not ask for the drawn request yet
            request = company.requests[int(rng.choice(len(company.requests), p=_zipf(len(company.requests))))]
            account = company.owned[int(rng.integers(len(company.owned)))]
            asked = select(RequestLink.id).where(
                RequestLink.request_id == request, RequestLink.account_id == account
            )
            if session.scalar(asked) is None:
                break
        service.link_account(session, csm, request, LinkCreate(account_id=account), TODAY)

    middling = company.requests[100:1000] or company.requests  # ranks 100-1,000: 30 to 300 accounts each
    visits = itertools.count()

    def status_changes(session: Session, i: int) -> None:
        manager = session.get(User, company.manager)
        assert manager is not None
        k = next(visits)  # each request once, while 900 last
        status = "planned" if k // len(middling) % 2 == 0 else "in_progress"
        change = StatusUpdate(status=status, public_note=f"Run {k}")
        assert service.change_status(session, manager, middling[k % len(middling)], change, TODAY) is not None

    def daily_run(session: Session, i: int) -> None:
        chosen = rng.choice(len(company.accounts), size=bulk, replace=False)
        values = pa.table({
            "id": pa.array([company.accounts[int(k)] for k in chosen], pa.int64()),
            "stage": ["at_risk" if (k + i) % 3 == 0 else "growth" for k in chosen],
            "in_renewal_window": [bool((k + i) % 2) for k in chosen],
        })  # fmt: skip
        accounts_service.write_snapshot_values(session, values)

    return {"a CSM linked an account": csm_links, "a manager changed a status": status_changes,
            f"the daily run wrote {bulk:,} accounts": daily_run}  # fmt: skip


def _times(
    engine: Engine, user_id: int, change: Change | None, runs: int
) -> tuple[list[float], list[float], list[float]]:
    """Wall and this process's CPU milliseconds of each read (on PostgreSQL the server's CPU is not in
    it), and the wall milliseconds of the change committed before it."""
    out, cpu, writes = [], [], []
    for i in range(runs):
        if change is not None:
            started = time.perf_counter()
            with Session(engine) as session, session.begin():
                change(session, i)
            writes.append((time.perf_counter() - started) * 1000)
        with Session(engine) as session:
            user = session.get(User, user_id)
            assert user is not None
            started, cpu_started = time.perf_counter(), time.process_time()
            page = service.list_requests(session, user, TODAY, sort="arr")
            out.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            assert page.total > 0
    return out, cpu, writes


def _p(values: list[float], q: int) -> float:
    return float(np.percentile(values, q))


def _lines(backend: str, engine: Engine, n_accounts: int, n_requests: int) -> list[str]:
    seconds, migrated, company = _build(engine, n_accounts, n_requests)
    head = f"feature requests ({backend}), {n_requests:,} requests x {n_accounts:,} accounts"
    head += f" ({company.links:,} links)"
    lines = []
    readers = (("admin", company.admin), ("manager (10 CSMs)", company.manager), ("CSM", company.csm))
    for after, change in (*_changes(company).items(), ("nothing changed", None)):
        runs = BULK_RUNS if after.startswith("the daily run") else RUNS
        for who, user_id in readers:
            ms, cpu, writes = _times(engine, user_id, change, runs)
            wrote = (
                f"; the change took p50 {_p(writes, 50):.0f} ms, p95 {_p(writes, 95):.0f} ms"
                if writes
                else ""
            )
            lines.append(
                f"{head}, as {who}, sorted by ARR, first read after {after}: p50 {_p(ms, 50):.0f} ms, "
                f"p95 {_p(ms, 95):.0f} ms (goal p95 <= {GOAL_MS:.0f} ms; client CPU p50 {_p(cpu, 50):.0f} ms"
                f"{wrote if writes else ''}; {runs} runs; load average {os.getloadavg()[0]:.1f})"
            )  # fmt: skip
    built = (
        f"   (data written in {seconds:.0f} s; the totals' migration summed its links in {migrated:.1f} s)"
    )
    return [*lines, _every_arr(engine, head), built]


def _every_arr(engine: Engine, head: str) -> str:
    """One UPDATE of every account's ARR (an import that reprices everyone): its triggers move the totals."""
    started, cpu_started = time.perf_counter(), time.process_time()
    with engine.begin() as conn:
        conn.execute(text("UPDATE accounts SET arr = arr + 1"))
    seconds = time.perf_counter() - started
    return (
        f"{head}: every account's ARR changed by one UPDATE, totals kept: {seconds:.1f} s "
        f"(client CPU {time.process_time() - cpu_started:.1f} s; load average {os.getloadavg()[0]:.1f})"
    )


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
