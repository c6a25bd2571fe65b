"""Alert rules: evaluating every default rule for one date over a 100,000-account portfolio.

BENCH_ALERT_ACCOUNTS (default 100,000) accounts with a contract each (some ending within 30 days, some of
those renewed), two key contacts (1% left this week), about three tickets in 97 days (2% with a spike this
week), NPS answers for 40% within 90 days, and six weekly snapshot files (the metrics, health, stage and
renewal-window columns plus a dozen other metric columns, as a run writes them), on SQLite and — when
LODESTAR_TEST_POSTGRES_URL (or the local default) is reachable — PostgreSQL (BENCH_ALERT_DBS picks:
`sqlite,postgres`). Then `alerts.conditions.evaluate` of the default rules for the newest date, three
times (the first in a fresh session). Goal: ≤ 2 s.
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bench.scratch_postgres import on_scratch_postgres
from lodestar.accounts.models import Account, Contact
from lodestar.alerts import config_kind
from lodestar.alerts.conditions.evaluate import evaluate
from lodestar.analytics import snapshot_store as store
from lodestar.contracts.models import Contract
from lodestar.db.bulk import insert_returning_ids
from lodestar.db.engine import make_engine, unit_of_work
from lodestar.db.migrate import upgrade
from lodestar.engagement.models import SurveyResponse, Ticket

GOAL_S = 2.0
AS_OF = date(2026, 6, 30)
WEEKS = 6
ROOT = Path("bench-data/alert_rules")
ZONE = ZoneInfo("Asia/Shanghai")
CHUNK = 20_000


def _insert(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    ids: list[int] = []
    for lo in range(0, len(rows), CHUNK):
        ids += insert_returning_ids(session, model, rows[lo : lo + CHUNK])
    return ids


def _accounts(session: Session, n: int, rng: np.random.Generator) -> np.ndarray:
    plans, industries, regions = (
        ["Basic", "Pro", "Enterprise"],
        ["Retail", "Finance", "Tech"],
        ["N", "S", "E"],
    )
    rows = [
        {
            "name": f"Bench {i}",
            "plan": plans[i % 3],
            "industry": industries[(i // 3) % 3],
            "region": regions[(i // 9) % 3],
            "tags": [],
            "traits": {},
            "departments": [],
            "scenarios": [],
            "tier_pinned": False,
        }
        for i in range(n)
    ]
    return np.array(_insert(session, Account, rows), dtype=np.int64)


def _contracts(session: Session, ids: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One year-long contract each, begun 30 to 360 days ago; 40% of those ending within 30 days renewed."""
    begun = rng.integers(30, 360, len(ids))
    starts = [AS_OF - timedelta(days=int(b)) for b in begun]
    rows = [
        {
            "account_id": int(a),
            "start_date": s,
            "end_date": s + timedelta(days=365),
            "arr": 10_000,
            "seats": 20,
        }
        for a, s in zip(ids, starts, strict=True)
    ]
    contract_ids = _insert(session, Contract, rows)
    ends_soon = np.flatnonzero((365 - begun <= 30) & (rng.random(len(ids)) < 0.4))
    renewals = [
        {
            "account_id": int(ids[i]),
            "start_date": rows[i]["end_date"],
            "end_date": rows[i]["end_date"] + timedelta(days=365),
            "arr": 10_000,
            "seats": 20,
            "renews_contract_id": contract_ids[i],
        }
        for i in ends_soon
    ]
    _insert(session, Contract, renewals)
    return 365 - begun  # days to end


def _records(session: Session, ids: np.ndarray, rng: np.random.Generator) -> None:
    """Contacts, tickets and NPS answers."""
    left = rng.random(len(ids)) < 0.01
    contacts = [
        {"account_id": int(a), "name": f"C{a}{r}", "role": r, "active": not (gone and r == "champion")}
        | ({"left_on": AS_OF - timedelta(days=2)} if gone and r == "champion" else {})
        for a, gone in zip(ids, left, strict=True)
        for r in ("champion", "decision_maker")
    ]
    _insert(session, Contact, contacts)
    noon = datetime.combine(AS_OF, datetime.min.time(), UTC) + timedelta(hours=4)
    per = rng.poisson(3, len(ids))
    spike = rng.random(len(ids)) < 0.02
    tickets = [
        {"account_id": int(a), "opened_at": noon - timedelta(days=int(d))}
        for a, k, s in zip(ids, per, spike, strict=True)
        for d in list(rng.integers(0, 97, k)) + ([1, 2, 3, 4] if s else [])
    ]
    _insert(session, Ticket, tickets)
    asked = np.flatnonzero(rng.random(len(ids)) < 0.4)
    answers = [
        {
            "account_id": int(ids[i]),
            "kind": "nps",
            "score": int(rng.integers(0, 11)),
            "answered_at": noon - timedelta(days=int(rng.integers(0, 90))),
        }
        for i in asked
    ]
    _insert(session, SurveyResponse, answers)


def _snapshots(root: Path, ids: np.ndarray, to_end: np.ndarray, rng: np.random.Generator) -> None:
    """Six weekly snapshot files ending on AS_OF."""
    n = len(ids)
    phase = rng.choice(
        np.array(["growth", "maturity", "renewal", "churned", "lead_pool"]), n, p=[0.4, 0.3, 0.2, 0.07, 0.03]
    )
    score = np.clip(rng.normal(65, 15, n), 0, 100)
    users = rng.poisson(20, n).astype(np.float64)
    idle = np.where(rng.random(n) < 0.05, rng.integers(14, 90, n), rng.integers(0, 7, n))
    for w in range(WEEKS):
        day = AS_OF - timedelta(days=7 * (WEEKS - 1 - w))
        score = np.clip(score + rng.normal(0, 4, n) - (rng.random(n) < 0.02) * 20, 0, 100)
        users = np.maximum(0, users * np.where(rng.random(n) < 0.03, 0.4, 1) + rng.normal(0, 1, n))
        days_to_end = to_end + 7 * (WEEKS - 1 - w)
        columns: dict[str, Any] = {
            "account_id": pa.array(ids, pa.int64()),
            "as_of": pa.array([day] * n, pa.date32()),
            "score": score,
            "grade": np.where(score < 40, "red", np.where(score < 70, "yellow", "green")),
            "stage": phase,
            "phase": phase,
            "tier": rng.choice(np.array(["KA", "MM", "LT"]), n),
            "active_users_7d": np.round(users),
            "days_since_last_activity": pa.array(idle + w, mask=rng.random(n) < 0.02),
            "in_renewal_window": days_to_end <= 120,
            "days_to_end": days_to_end,
        }
        for k in range(12):
            columns[f"metric_{k}"] = rng.random(n)
        store.write(root, day, pa.table(columns))


def _build(engine: Engine, root: Path, n: int) -> float:
    started = time.perf_counter()
    rng = np.random.default_rng(13)
    upgrade(engine)
    with unit_of_work(engine) as s:
        ids = _accounts(s, n, rng)
        to_end = _contracts(s, ids, rng)
        _records(s, ids, rng)
    _snapshots(root, ids, to_end, rng)
    return time.perf_counter() - started


Timing = tuple[list[float], list[float]]  # wall and CPU seconds of each evaluation


def _evaluate(engine: Engine, root: Path) -> tuple[Timing, dict[str, int]]:
    """Three evaluations, each in a fresh session; CPU time is this process's (fair on a shared machine;
    on PostgreSQL the server's share is not in it)."""
    wall: list[float] = []
    cpu: list[float] = []
    counts: dict[str, int] = {}
    for _ in range(3):
        with Session(engine) as s:
            rules, _ = config_kind.current(s)
            started, used = time.perf_counter(), time.process_time()
            found = evaluate(s, root, rules, AS_OF, zone=ZONE)
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
    for key in found.column("rule_key").to_pylist():
        counts[key] = counts.get(key, 0) + 1
    return (wall, cpu), counts


def _lines(backend: str, n: int, built: float, timing: Timing, counts: dict[str, int]) -> list[str]:
    wall, cpu = timing
    per_rule = ", ".join(f"{k} {v:,}" for k, v in counts.items())
    rules = len(config_kind.KIND.default().rules)  # type: ignore[attr-defined]
    return [
        f"alert rules ({backend}), {n:,} accounts, {len(counts)} of {rules} default rules finding: "
        f"evaluate one date {wall[0]:.2f} s first, {min(wall):.2f} s best of {len(wall)} "
        f"(goal <= {GOAL_S:.0f} s); "
        f"CPU {cpu[0]:.2f} s first, {min(cpu):.2f} s best; data built in {built:.0f} s",
        f"   findings: {per_rule}",
    ]


def _sqlite(n: int) -> list[str]:
    work = ROOT / "sqlite"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{work / 'bench.db'}")
    built = _build(engine, work / "snapshots", n)
    timing, counts = _evaluate(engine, work / "snapshots")
    engine.dispose()
    return _lines("SQLite", n, built, timing, counts)


def _postgres(n: int) -> list[str]:
    work = ROOT / "postgres"
    shutil.rmtree(work, ignore_errors=True)

    def measure(engine: Engine) -> list[str]:
        built = _build(engine, work / "snapshots", n)
        timing, counts = _evaluate(engine, work / "snapshots")
        return _lines("PostgreSQL", n, built, timing, counts)

    return on_scratch_postgres("alert rules", measure)


def main(accounts: int | None = None) -> list[str]:
    """Builds the company on each database and times the evaluation; one printable line each."""
    n = accounts or int(os.environ.get("BENCH_ALERT_ACCOUNTS", "100000"))
    chosen = os.environ.get("BENCH_ALERT_DBS", "sqlite,postgres").split(",")
    lines: list[str] = []
    for backend, run in (("sqlite", _sqlite), ("postgres", _postgres)):
        if backend in chosen:
            found = run(n)
            for line in found:
                print(line, flush=True)
            lines += found
    return lines


if __name__ == "__main__":
    main()
