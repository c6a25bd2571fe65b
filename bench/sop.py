"""SOP benchmark: tasks for 100,000 accounts entering a stage, then attainment and effectiveness over them.

(a) fire_stage_entries with 100,000 onboarding entries (the default playbooks: five tasks each) on SQLite,
and on PostgreSQL when LODESTAR_TEST_POSTGRES_URL (or the local default) is reachable. (b) attainment by
CSM, team, playbook and step plus the full effectiveness analysis (1,000 bootstrap resamples, per-CSM
Spearman) for 25 CSMs x 100,000 accounts, with a synthetic 26-week snapshot store. Goal: each <= 10 s.
BENCH_SOP_ACCOUNTS sets the size (default 100,000).
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from bench.scratch_postgres import on_scratch_postgres
from lodestar.accounts.models import Account
from lodestar.analytics import snapshot_store as store
from lodestar.auth.models import Role, User
from lodestar.db.bulk import insert_returning_ids
from lodestar.db.engine import make_engine, unit_of_work
from lodestar.db.migrate import upgrade
from lodestar.sop import service as sop_service
from lodestar.sop.measurement.compliance import attainment
from lodestar.sop.measurement.effectiveness import effectiveness
from lodestar.sop.tasks.models import Task

GOAL_S = 10.0
CSMS = 25
FIRST = date(2025, 7, 3)
AS_OF = date(2026, 1, 1)
WEEKS = 26
ROOT = Path("bench-data/sop")


def _company(engine: Engine, n: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """25 CSMs under 5 managers and n accounts with owners and tiers; returns account ids and owner index."""
    rng = np.random.default_rng(seed)
    with unit_of_work(engine) as s:
        managers = insert_returning_ids(
            s,
            User,
            [
                {
                    "email": f"m{i}@bench",
                    "name": f"Manager {i}",
                    "role": Role.MANAGER.value,
                    "password_hash": "x",
                    "active": True,
                    "locale": "en",
                }
                for i in range(5)
            ],
        )
        csms = insert_returning_ids(
            s,
            User,
            [
                {
                    "email": f"c{i}@bench",
                    "name": f"CSM {i}",
                    "role": Role.CSM.value,
                    "password_hash": "x",
                    "active": True,
                    "locale": "en",
                    "manager_id": managers[i % 5],
                }
                for i in range(CSMS)
            ],
        )
        owner = rng.integers(0, CSMS, n)
        tiers = rng.choice(np.array(["ka", "mid", "smb", "long_tail"]), n)
        ids: list[int] = []
        for lo in range(0, n, 10_000):
            ids += insert_returning_ids(
                s,
                Account,
                [
                    {
                        "name": f"Bench {i}",
                        "owner_id": csms[owner[i]],
                        "tier": str(tiers[i]),
                        "tags": [],
                        "traits": {},
                        "departments": [],
                        "scenarios": [],
                        "tier_pinned": False,
                    }
                    for i in range(lo, min(n, lo + 10_000))
                ],
            )
    return np.array(ids), owner


def _entries(ids: np.ndarray, seed: int = 4) -> list[dict[str, object]]:
    """One onboarding entry per account on one of the 26 weekly snapshot dates."""
    rng = np.random.default_rng(seed)
    week = rng.integers(0, WEEKS, len(ids))
    return [
        {
            "account_id": int(a),
            "on": FIRST + timedelta(days=7 * int(w)),
            "from_stage": "handover",
            "to_stage": "onboarding",
            "reason": "bench",
        }
        for a, w in zip(ids, week, strict=True)
    ]


def _fire(engine: Engine, entries: list[dict[str, object]]) -> tuple[float, int]:
    started = time.perf_counter()
    with unit_of_work(engine) as s:
        runs = sop_service.fire_stage_entries(s, entries, lifecycle_first_stage="handover")
    return time.perf_counter() - started, runs


def _work_and_outcomes(engine: Engine, ids: np.ndarray, owner: np.ndarray, root: Path) -> None:
    """Marks ~60% of tasks done (most on time); weekly snapshots where on-time training lifts the outcome."""
    rng = np.random.default_rng(5)
    with unit_of_work(engine) as s:
        rows = s.execute(
            Task.__table__.select().with_only_columns(Task.id, Task.account_id, Task.step_key, Task.due_on)
        ).all()
        done = rng.random(len(rows)) < 0.6
        late = rng.random(len(rows)) < 0.25
        values = [
            {"id": r.id, "status": "done", "done_on": r.due_on + timedelta(days=5 if lt else -1)}
            for r, d, lt in zip(rows, done, late, strict=True)
            if d
        ]
        for lo in range(0, len(values), 20_000):
            s.execute(update(Task), values[lo : lo + 20_000])
        trained = {
            r.account_id
            for r, d, lt in zip(rows, done, late, strict=True)
            if d and not lt and r.step_key == "targeted_training"
        }
    lift = np.array([0.3 if a in trained else 0.0 for a in ids])
    base = 0.2 + 0.02 * (owner % 5)
    for w in range(WEEKS + 1):
        on = FIRST + timedelta(days=7 * w)
        noise = rng.normal(0, 0.1, len(ids))
        store.write(
            root,
            on,
            pa.table(
                {
                    "account_id": pa.array(ids, pa.int64()),
                    "training_completion": np.clip(base + lift + noise, 0, 1),
                    "score": np.clip(60 + 40 * lift + 10 * noise, 0, 100),
                }
            ),
        )


def _analyse(engine: Engine, root: Path) -> tuple[float, float, str]:
    with Session(engine) as s:
        started = time.perf_counter()
        for by in ("csm", "team", "playbook", "step"):
            attainment(s, by=by, as_of=AS_OF)
        attained = time.perf_counter() - started
        report = effectiveness(s, root, as_of=AS_OF)
    total = time.perf_counter() - started
    training = next(r for r in report.steps if r.step_key == "targeted_training")
    summary = (
        f"targeted_training effect {training.effect:+.3f} [{training.ci_low:+.3f}, {training.ci_high:+.3f}] "
        f"over {training.treated:,} treated / {training.untreated:,} untreated, {len(report.csms)} CSM rows"
    )
    return attained, total - attained, summary


def _sqlite(n: int) -> list[str]:
    if ROOT.exists():
        shutil.rmtree(ROOT)
    ROOT.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{ROOT / 'bench.db'}")
    upgrade(engine)
    ids, owner = _company(engine, n)
    entries = _entries(ids)
    fired, runs = _fire(engine, entries)
    again, twice = _fire(engine, entries)  # the same entries again: nothing new (exactly once)
    _work_and_outcomes(engine, ids, owner, ROOT / "snapshots")
    attained, effect, summary = _analyse(engine, ROOT / "snapshots")
    engine.dispose()
    return [
        f"sop bench (SQLite): fire_stage_entries {n:,} entries -> {runs:,} runs: {fired:.2f} s "
        f"(goal <= {GOAL_S:.0f} s); again, {twice} new: {again:.2f} s",
        f"sop bench (SQLite), {CSMS} CSMs x {n:,} accounts: attainment by csm/team/playbook/step "
        f"{attained:.2f} s (goal <= {GOAL_S:.0f} s); effectiveness {effect:.2f} s (goal <= {GOAL_S:.0f} s); "
        f"both {attained + effect:.2f} s",
        f"   {summary}",
    ]


def _postgres(n: int) -> list[str]:
    def measure(engine: Engine) -> list[str]:
        upgrade(engine)
        ids, _ = _company(engine, n)
        fired, runs = _fire(engine, _entries(ids))
        return [
            f"sop bench (PostgreSQL): fire_stage_entries {n:,} entries -> {runs:,} runs: {fired:.2f} s "
            f"(goal <= {GOAL_S:.0f} s)"
        ]

    return on_scratch_postgres("sop bench", measure)


def main(accounts: int | None = None) -> list[str]:
    """Runs both parts and returns one printable line each."""
    n = accounts or int(os.environ.get("BENCH_SOP_ACCOUNTS", "100000"))
    lines = _sqlite(n)
    for line in lines:
        print(line, flush=True)
    pg = _postgres(n)
    for line in pg:
        print(line, flush=True)
    return lines + pg


if __name__ == "__main__":
    main()
