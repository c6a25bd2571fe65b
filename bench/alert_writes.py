"""Alert-writes benchmark: 10,000 alerts raised at once, with their signals, playbook runs, audit entries
and outbox messages, on SQLite and (when reachable) PostgreSQL.

A company of 100,000 accounts under 25 CSMs and 5 managers; 10,000 of them have one finding each, spread
over the default rules (so one in ten starts the usage-swing playbook). E-mail is configured, so each alert
writes an outbox row for its owner, and a critical one another for the owner's manager. Timed: `raise_alerts`
on the present date through notifications.notify, committed, in one unit of work (goal <= 5 s), then the
same date again (nothing new). BENCH_ALERT_ACCOUNTS and BENCH_ALERTS set the sizes.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
from sqlalchemy import Engine, func, select

from bench.scratch_postgres import on_scratch_postgres
from lodestar import configuration  # noqa: F401  (registers every configuration kind)
from lodestar.accounts.models import Account
from lodestar.alerts import config_kind
from lodestar.alerts.conditions.evaluate import FINDINGS
from lodestar.alerts.models import Alert
from lodestar.alerts.raising import raise_alerts
from lodestar.auth.models import Role, User
from lodestar.db.bulk import insert_returning_ids
from lodestar.db.engine import make_engine, unit_of_work
from lodestar.db.migrate import upgrade
from lodestar.notifications.models import OutboxMessage
from lodestar.settings import get_settings

GOAL_S = 5.0
CSMS = 25
AS_OF = date(2026, 1, 5)
ROOT = Path("bench-data/alert_writes")


def _people(s: object, role: Role, count: int, managers: list[int] | None = None) -> list[int]:
    rows = [
        {
            "email": f"{role.value}{i}@bench",
            "name": f"{role.value.title()} {i}",
            "role": role.value,
            "password_hash": "x",
            "active": True,
            "locale": "zh_CN" if i % 2 else "en",
            "manager_id": managers[i % len(managers)] if managers else None,
        }
        for i in range(count)
    ]
    return insert_returning_ids(s, User, rows)  # type: ignore[arg-type]


def _company(engine: Engine, n: int, seed: int = 3) -> np.ndarray:
    """5 managers, 25 CSMs under them, n accounts owned by the CSMs; the account ids."""
    rng = np.random.default_rng(seed)
    with unit_of_work(engine) as s:
        csms = _people(s, Role.CSM, CSMS, _people(s, Role.MANAGER, 5))
        owner = rng.integers(0, CSMS, n)
        ids: list[int] = []
        for lo in range(0, n, 10_000):
            rows = [
                {
                    "name": f"Bench {i}",
                    "owner_id": csms[owner[i]],
                    "tier": "mid",
                    "tags": [],
                    "traits": {},
                    "departments": [],
                    "scenarios": [],
                    "tier_pinned": False,
                }
                for i in range(lo, min(n, lo + 10_000))
            ]
            ids += insert_returning_ids(s, Account, rows)
    return np.array(ids)


def _findings(ids: np.ndarray, alerts: int, keys: list[str], seed: int = 4) -> pa.Table:
    """One finding for each of `alerts` random accounts, the rules taken in turn, with a sentence each."""
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(ids, size=alerts, replace=False))
    rows = [
        {
            "rule_key": keys[i % len(keys)],
            "account_id": int(a),
            "evidence": json.dumps(
                [{"msgid": "active users %(before)s → %(now)s", "values": {"before": 40 + i % 7, "now": 20}}]
            ),
        }
        for i, a in enumerate(chosen)
    ]
    return pa.Table.from_pylist(rows, schema=FINDINGS)


def _raise(engine: Engine, findings: pa.Table) -> tuple[float, int]:
    started = time.perf_counter()
    with unit_of_work(engine) as s:
        rules, version = config_kind.current(s)
        report = raise_alerts(s, rules, version, AS_OF, findings, present=True)
    return time.perf_counter() - started, len(report.raised)


def _measure(engine: Engine, backend: str, n: int, alerts: int) -> list[str]:
    os.environ.setdefault("LODESTAR_SMTP_HOST", "127.0.0.1")  # e-mail on: the alerts' outbox rows
    get_settings.cache_clear()
    upgrade(engine)
    ids = _company(engine, n)
    with unit_of_work(engine) as s:
        keys = [r.key for r in config_kind.current(s)[0].rules if r.enabled]
    findings = _findings(ids, alerts, keys)
    took, raised = _raise(engine, findings)
    again, more = _raise(engine, findings)
    with unit_of_work(engine) as s:
        stored = s.scalar(select(func.count()).select_from(Alert))
        outbox = s.scalar(select(func.count()).select_from(OutboxMessage))
    return [
        f"alert writes ({backend}, {n:,} accounts, {CSMS} CSMs): raise {raised:,} alerts with "
        f"{outbox:,} outbox rows: {took:.2f} s (goal <= {GOAL_S:.0f} s); the same date again, {more} new: "
        f"{again:.2f} s; {stored:,} alerts stored"
    ]


def _sqlite(n: int, alerts: int) -> list[str]:
    if ROOT.exists():
        shutil.rmtree(ROOT)
    ROOT.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{ROOT / 'bench.db'}")
    try:
        return _measure(engine, "SQLite", n, alerts)
    finally:
        engine.dispose()


def _postgres(n: int, alerts: int) -> list[str]:
    return on_scratch_postgres("alert writes", lambda engine: _measure(engine, "PostgreSQL", n, alerts))


def main() -> list[str]:
    """Runs the benchmark on both backends; one printable line each."""
    n = int(os.environ.get("BENCH_ALERT_ACCOUNTS", "100000"))
    alerts = int(os.environ.get("BENCH_ALERTS", "10000"))
    lines = []
    for run in (_sqlite, _postgres):
        for line in run(n, alerts):
            print(line, flush=True)
            lines.append(line)
    return lines


if __name__ == "__main__":
    main()
