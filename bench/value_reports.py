"""Customer value reports (docs/value_reports.md): one quarterly report (figures, HTML and PDF) and
`lodestar reports build` of a batch, as a whole process, with peak memory.

A company of BENCH_REPORTS (1,000) accounts in SQLite under a temporary folder: five industries, employees
log-uniform 20-20,000, three tickets, four touches and two NPS answers each in the quarter, a snapshot file
at the quarter's end and 92 days of usage roll-ups (about 30 rows per account and day: 6 users × 5
features). A year of raw events sits in the event store (BENCH_REPORT_EVENTS, 20,000,000 track events, and
every user's identify call naming a department each quarter), which the team ranking scans. Measured: that
scan for one account and for a batch chunk of 200; the median of five single reports (figures, document,
PDF) as the account's CSM sees it; then the batch (`lodestar reports build --period 2026Q3 --json`) with its
wall time, the command's own peak RSS and its PDF workers' peak RSS (wait4/getrusage of children)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lodestar.analytics import event_store, snapshot_store
from lodestar.auth import service as auth_service
from lodestar.auth.models import Role
from lodestar.auth.schemas import UserCreate
from lodestar.cli_support import migrated_engine
from lodestar.db.engine import unit_of_work
from lodestar.engagement import service as engagement_service
from lodestar.kit.time import day_number
from lodestar.settings import Settings, load_settings
from lodestar.value_reports import rendering, service
from lodestar.value_reports.pdf import pdf_bytes
from lodestar.value_reports.team_usage import team_usage
from lodestar.value_reports.usage_figures import period_usage

START, END, TODAY = date(2026, 7, 1), date(2026, 9, 30), date(2026, 12, 1)
FEATURES = ["Workflow Run", "Report Exported", "Lead Created", "Dashboard Viewed", "Task Created"]
INDUSTRIES = ["Retail", "Banking", "Manufacturing", "Software", "Logistics"]


def _company(settings: Settings, n: int, rng: np.random.Generator) -> int:
    """Writes the accounts, engagement, snapshot and roll-ups; the CSM's user id."""
    engine = migrated_engine(settings)
    data_dir: Path = settings.data_dir
    employees = np.exp(rng.uniform(np.log(20), np.log(20_000), n)).astype(int)
    with unit_of_work(engine) as session:
        csm = auth_service.create_user(
            session,
            UserCreate(email="csm@bench.example", name="CSM", role=Role.ADMIN, password="bench-password-123"),
        )
        rows = [
            {
                "name": f"Account {i}",
                "industry": INDUSTRIES[i % 5],
                "employees": int(employees[i]),
                "segment_group_id": f"g{i}",
                "crm_id": f"CRM{i}",
                "owner_id": csm.id,
                "tier": "KA",
            }
            for i in range(n)
        ]
        from lodestar.accounts import service as accounts_service

        ids = accounts_service.import_accounts(session, rows)
        at = [
            datetime(2026, 7, 1, 2, tzinfo=UTC) + timedelta(days=int(d)) for d in rng.integers(0, 90, 3 * n)
        ]
        engagement_service.import_tickets(
            session,
            [
                {
                    "account_id": ids[i // 3],
                    "opened_at": t,
                    "first_response_at": t + timedelta(hours=3),
                    "resolved_at": t + timedelta(hours=20),
                }
                for i, t in enumerate(at)
            ],
        )
        engagement_service.import_touches(
            session,
            [
                {
                    "account_id": ids[i // 4],
                    "kind": ["call", "visit", "training", "email"][i % 4],
                    "occurred_at": t,
                }
                for i, t in enumerate(at + at[:n])
            ],
        )
        engagement_service.import_survey_responses(
            session,
            [
                {
                    "account_id": ids[i // 2],
                    "kind": "nps",
                    "score": int(rng.integers(0, 11)),
                    "answered_at": t,
                }
                for i, t in enumerate(at[: 2 * n])
            ],
        )
    snapshot_store.write(
        data_dir / "snapshots",
        END,
        pa.table(
            {
                "account_id": pa.array(ids, pa.int64()),
                "seats": pa.array(rng.integers(5, 200, n), pa.int64()),
                "active_user_ratio_30d": rng.random(n),
            }
        ),
    )
    users = [f"u{k}" for k in range(6)]
    groups = np.repeat([f"g{i}" for i in range(n)], len(users) * len(FEATURES))
    user_col = np.tile(np.repeat(users, len(FEATURES)), n)
    feature_col = np.tile(FEATURES, n * len(users))
    (data_dir / "rollups" / "usage").mkdir(parents=True, exist_ok=True)
    for offset in range((END - START).days + 1):
        day = START + timedelta(days=offset)
        pq.write_table(
            pa.table(
                {
                    "group_id": groups,
                    "user_id": user_col,
                    "feature": feature_col,
                    "day": pa.array(np.full(len(groups), day_number(day)), pa.int32()),
                    "events": pa.array(rng.integers(0, 20, len(groups)), pa.int64()),
                }
            ),
            data_dir / "rollups" / "usage" / f"{day.isoformat()}.parquet",
        )
    return int(csm.id)


def _events(day: date, account: np.ndarray, user: np.ndarray, traits: pa.Array | None,
            rng: np.random.Generator) -> pa.Table:  # fmt: skip
    """One day's events of these (account, user) pairs: identify calls with their traits, else track."""
    size = len(account)
    stamps = (
        pa.array(
            datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1e6
            + rng.integers(0, 86_400_000_000, size)
        )
        .cast(pa.int64())
        .cast(pa.timestamp("us", tz="UTC"))
    )
    kind = "track" if traits is None else "identify"
    ids = pa.array(np.arange(size).astype(str))
    event = np.full(size, FEATURES[day.day % len(FEATURES)]) if traits is None else [None] * size
    return pa.table({
        "message_id": pc.binary_join_element_wise(f"{day}-{kind}-", ids, ""),
        "type": pa.array(np.full(size, kind)),
        "event": pa.array(event, pa.string()),
        "name": pa.nulls(size, pa.string()),
        "user_id": pc.binary_join_element_wise("u", pa.array(user.astype(str)), ""),
        "anonymous_id": pa.nulls(size, pa.string()),
        "group_id": pc.binary_join_element_wise("g", pa.array(account.astype(str)), ""),
        "timestamp": stamps,
        "received_at": stamps,
        "source": pa.array(np.full(size, "bench")),
        "properties": pa.nulls(size, pa.string()),
        "traits": traits if traits is not None else pa.nulls(size, pa.string()),
    })  # fmt: skip


def _event_store(data_dir: Path, n: int, total: int, rng: np.random.Generator) -> None:
    """A year of raw events up to the quarter's end, `total` track events spread over the days and the
    accounts' six users, and every user's identify call at the start of each quarter naming a department
    (which moves quarter to quarter): what the team ranking reads from the event store."""
    departments = np.array(["Sales", "Finance", "Operations", "Service", "Marketing", "IT"])
    for index in range(365):
        day = END - timedelta(days=364 - index)
        size = total // 365
        parts = [_events(day, rng.integers(0, n, size), rng.integers(0, 6, size), None, rng)]
        if index % 91 == 0:
            account, user = np.repeat(np.arange(n), 6), np.tile(np.arange(6), n)
            said = departments[(user + account + index // 91) % len(departments)]
            traits = pc.binary_join_element_wise('{"department": "', pa.array(said), '"}', "")
            parts.append(_events(day, account, user, traits, rng))
        event_store.write_events(data_dir / "events", pa.concat_tables(parts), name="bench")


def _team_scans(settings: Settings, n: int) -> str:
    """Wall and CPU seconds of the team figures' scan of the identify calls for one account and for a batch
    chunk of 200 (their active users as the roll-ups give them)."""
    store = service.place_of(settings).store
    found = []
    for size in (1, min(200, n)):
        groups = [f"g{i}" for i in range(size)]
        active = {g: u.by_user for g, u in period_usage(store.rollup_dir, groups, START, END).items()}
        started, used = time.perf_counter(), time.process_time()
        got = team_usage(settings.events_dir, active, END, store.zone, ["department", "team"])
        wall, cpu = time.perf_counter() - started, time.process_time() - used
        assert len(got) == size  # every account's users name their department
        found.append(f"{size} account{'s' if size > 1 else ''} {wall:.2f} s (CPU {cpu:.2f} s)")
    return "; ".join(found)


def _one_report(settings: Settings, user_id: int) -> tuple[list[float], list[float]]:
    engine = migrated_engine(settings)
    place = service.place_of(settings)
    seconds, cpu = [], []
    with unit_of_work(engine) as session:
        user = auth_service.get_user(session, user_id)
        for account_id in (1, 2, 3, 4, 5):
            started, used = time.perf_counter(), time.process_time()
            draft = service.preview(session, user, account_id, "2026Q3", TODAY, place, "zh_CN")
            html = rendering.document(draft.figures, draft.locale, draft.narrative)
            pdf_bytes(html)
            seconds.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
    return seconds, cpu


def _tree_rss(pid: int) -> int:
    """The resident bytes of a process and all its descendants now (from /proc; 0 once it is gone)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(
                int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS")
            )
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return total


def _batch(settings: Settings) -> tuple[float, int, float, float, float]:
    env = {
        **os.environ,
        "LODESTAR_DATABASE_URL": settings.resolved_database_url,
        "LODESTAR_DATA_DIR": str(settings.data_dir),
    }
    command = [sys.executable, "-m", "lodestar.cli", "reports", "build", "--period", "2026Q3", "--json"]
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tree_peak, out_parts, err_parts = 0, [], []
    sampler = threading.Thread(target=lambda: out_parts.append(child.stdout.read()), daemon=True)  # type: ignore[union-attr]
    sampler.start()
    while child.poll() is None:
        tree_peak = max(tree_peak, _tree_rss(child.pid))
        time.sleep(0.2)
    sampler.join()
    err_parts.append(child.stderr.read())  # type: ignore[union-attr]
    out, err = b"".join(out_parts), b"".join(err_parts)
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"reports build failed: {err.decode()[-2000:]}")
    import json

    built = len(json.loads(out))
    # RUSAGE_CHILDREN covers every waited-for descendant (the command and the PDF workers it joined): its
    # maxrss is the largest single process, so the three together stay under three times it.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds of the command and its workers: on a machine shared with other work the wall time says
    # little, the CPU time says what two idle cores would need.
    return wall, built, usage.ru_maxrss / 1024, tree_peak / 2**20, usage.ru_utime + usage.ru_stime


def main() -> list[str]:
    """Builds the company, times one report and the batch; the figures as lines."""
    n = int(os.environ.get("BENCH_REPORTS", "1000"))
    events = int(os.environ.get("BENCH_REPORT_EVENTS", "20000000"))
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        settings = load_settings(data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/lodestar.db")
        started = time.perf_counter()
        user_id = _company(settings, n, np.random.default_rng(7))
        _event_store(settings.data_dir, n, events, np.random.default_rng(8))
        made = time.perf_counter() - started
        teams = _team_scans(settings, n)
        one, one_cpu = _one_report(settings, user_id)
        wall, built, peak, together, cpu = _batch(settings)
    per = wall / max(built, 1)
    idle = cpu / max(built, 1) * 1000 / 2 / 60
    rate = f"{per:.2f} s each; CPU {cpu:.0f} s, so 1,000 on two idle cores ≈ {idle:.1f} min, goal ≤ 10 min"
    memory = (
        f"peak RSS of the command and its PDF workers together {together:.0f} MiB (largest one {peak:.0f})"
    )
    return [
        f"value reports bench: {n:,} accounts, {events:,} raw events in a year ({made:.0f} s to generate),"
        f" load {os.getloadavg()[0]:.1f}",
        f"  the team ranking's scan of the identify calls: {teams}",
        f"  one quarterly report (figures + HTML + PDF, 中文): median {median(one):.2f} s,"
        f" best {min(one):.2f} s of 5, CPU median {median(one_cpu):.2f} s (goal ≤ 2 s)",
        f"  batch `lodestar reports build`: {built:,} PDFs in {wall:.0f} s ({rate}); {memory} (goal ≤ 1 GiB)",
    ]
