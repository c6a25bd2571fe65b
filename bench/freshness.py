"""Freshness: the delay from a /v1/batch acknowledgement to the account's updated metrics and health.

A company of BENCH_FRESH_ACCOUNTS (default 10,000) accounts with a snapshot of today is served by
`lodestar serve` (mover and freshness step included, scheduler off). Clients post SDK-sized batches of
100 track events at BENCH_FRESH_RATE (default 5,000) messages/s for BENCH_FRESH_SECONDS (default 60) to
random accounts; every half second a probe sends one event of a new user to an account kept out of the
load, and the probe is done when that account's snapshot row of today (a point read of the store) counts
the user: its metrics and health were recomputed with the event. Reports the p50/p95/max delay.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.point_reads import company
from lodestar.accounts.models import Account
from lodestar.analytics import snapshot_store as store
from lodestar.db.engine import make_engine, session_factory
from lodestar.events import service as events_service
from lodestar.kit.time import today_in
from lodestar.settings import load_settings

ROOT = Path("bench-data/freshness")
BATCH = 100
GOAL_P95_S = 10.0
PROBES = 400  # accounts kept out of the load: each gets exactly one probe event


def _event(user: str, group: str, tag: str) -> dict[str, object]:
    """A track event of this user in this account (group), stamped now."""
    now = datetime.now(UTC).isoformat()
    return {
        "type": "track",
        "userId": user,
        "event": "Feature Used",
        "timestamp": now,
        "messageId": tag,
        "context": {"groupId": group},
    }


def _post(conn: http.client.HTTPConnection, auth: str, batch: list[dict[str, object]]) -> None:
    body = json.dumps({"batch": batch}).encode()
    headers = {"Content-Type": "application/json", "Authorization": auth}
    conn.request("POST", "/v1/batch", body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"/v1/batch answered {response.status}")


def _load(port: int, auth: str, groups: list[str], rate: float, until: float, sent: list[int]) -> None:
    """Posts batches of random accounts' events, paced at `rate` messages/s."""
    conn, rng, n, start = http.client.HTTPConnection("127.0.0.1", port), random.Random(), 0, time.monotonic()
    while time.monotonic() < until:
        due = start + n * BATCH / rate
        if due > time.monotonic():
            time.sleep(due - time.monotonic())
        tag = f"l{threading.get_ident()}-{n}"
        batch = [_event(f"load-{rng.randrange(50)}", rng.choice(groups), f"{tag}-{i}") for i in range(BATCH)]
        _post(conn, auth, batch)
        sent[0] += BATCH
        n += 1


def _serve(data: Path, url: str) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    env = {
        **os.environ,
        "LODESTAR_DATA_DIR": str(data),
        "LODESTAR_DATABASE_URL": url,
        "LODESTAR_SNAPSHOT_SCHEDULE": "false",
    }
    proc = subprocess.Popen([sys.executable, "-m", "lodestar.cli", "serve", "--port", str(port)], env=env)
    for _ in range(1200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def _probe(
    port: int, auth: str, root: Path, today: date, accounts: dict[str, int], until: float
) -> tuple[list[float], int]:
    """Every 0.5 s one new user's event to a probe account; the delays until its row counts the user."""
    conn, delays = http.client.HTTPConnection("127.0.0.1", port), []
    pending: dict[str, tuple[float, int]] = {}  # group -> (ack time, active users before)
    groups, next_probe = list(accounts), time.monotonic()

    def users(group: str) -> int:
        row = store.read_account(root, today, accounts[group], ["active_users_7d"]) or {}
        return int(row.get("active_users_7d") or 0)

    while time.monotonic() < until + 30 and (time.monotonic() < until or pending):
        if time.monotonic() >= next_probe and time.monotonic() < until and groups:
            group = groups.pop()
            before = users(group)
            _post(conn, auth, [_event(f"probe-{group}", group, f"probe-{group}")])
            pending[group] = (time.monotonic(), before)
            next_probe += 0.5
        for group, (acked, before) in list(pending.items()):
            if users(group) > before:
                delays.append(time.monotonic() - acked)
                del pending[group]
        time.sleep(0.05)
    return delays, len(pending)


def main() -> list[str]:
    """Builds the company, serves it, loads it and probes it."""
    accounts = int(os.environ.get("BENCH_FRESH_ACCOUNTS", "10000"))
    rate = float(os.environ.get("BENCH_FRESH_RATE", "5000"))
    seconds = float(os.environ.get("BENCH_FRESH_SECONDS", "60"))
    data = ROOT.resolve()
    shutil.rmtree(data, ignore_errors=True)
    settings = load_settings(data_dir=data)
    today = today_in(settings.zone)
    url, run_s = company(data, accounts, accounts * 20, today)
    settings = load_settings(data_dir=data, database_url=url)
    root = store.root_of(settings)
    engine = make_engine(url)
    with session_factory(engine).begin() as s:
        key = events_service.create_key(s, "freshness-bench")[1]
    with Session(engine) as s:
        by_group = {g: a for a, g in s.execute(select(Account.id, Account.segment_group_id))}
    engine.dispose()
    groups = sorted(by_group, key=int)
    probes, loaded = groups[-PROBES:], groups[:-PROBES]
    proc, port = _serve(data, url)
    auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    sent = [0]
    try:
        until = time.monotonic() + seconds
        clients = [
            threading.Thread(target=_load, args=(port, auth, loaded, rate / 4, until, sent)) for _ in range(4)
        ]
        for c in clients:
            c.start()
        delays, unfinished = _probe(port, auth, root, today, {g: by_group[g] for g in probes}, until)
        for c in clients:
            c.join()
    finally:
        stopping = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=600)  # the mover moves what it acknowledged before it exits
        stop_s = time.monotonic() - stopping
    ordered = sorted(delays) + [float("inf")] * unfinished  # a probe never updated is later than any other
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else float("nan")
    verdict = "ok" if p95 <= GOAL_P95_S else "OVER GOAL"
    return [
        f"== Freshness: {accounts:,} accounts (today's run took {run_s:.1f} s), "
        f"{sent[0] / seconds:,.0f} msg/s acknowledged for {seconds:.0f} s",
        f"  ack -> updated metrics and health: {len(delays)} probes, {unfinished} never updated; "
        f"p50 {statistics.median(ordered) if ordered else float('nan'):.2f} s  p95 {p95:.2f} s  "
        f"max {max(ordered, default=float('nan')):.2f} s   (goal p95 <= {GOAL_P95_S:.0f} s: {verdict})",
        f"  server stop (moving what was acknowledged) {stop_s:.1f} s; load average {os.getloadavg()[0]:.1f}",
    ]
