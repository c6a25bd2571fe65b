"""Foundation benchmark: demo generation at scale, then portfolio and account page latency.

For each database (embedded SQLite and the local PostgreSQL) it generates the demo company, runs the
snapshot of its last day and the week before (so the account page shows health, explanations and what
moved), starts `lodestar serve` in its own process, signs in, and sends 200 requests to each page,
reading the server's own time from the Server-Timing header (and the client's round trip beside it).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from lodestar.db.engine import make_engine
from lodestar.db.migrate import upgrade
from lodestar.demo import generate_demo
from lodestar.pipeline.daily import run_job
from lodestar.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("LODESTAR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUESTS = 200
GOAL_P95_MS = 150.0
TODAY = date(2026, 11, 1)


@dataclass
class Latency:
    """Server and client times of one page, in milliseconds."""

    server: list[float]
    client: list[float]

    def row(self, label: str) -> str:
        s, c = sorted(self.server), sorted(self.client)
        p = lambda xs, q: xs[min(len(xs) - 1, int(q * len(xs)))]  # noqa: E731
        verdict = "ok" if p(s, 0.95) < GOAL_P95_MS else "OVER GOAL"
        return (
            f"  {label:<34} server p50 {statistics.median(s):7.1f} ms  p95 {p(s, 0.95):7.1f} ms   "
            f"client p50 {statistics.median(c):7.1f} ms  p95 {p(c, 0.95):7.1f} ms   "
            f"(goal p95 < {GOAL_P95_MS:.0f} ms: {verdict})"
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fresh_postgres() -> str:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "lodestar_bench" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "lodestar_bench"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/lodestar_bench"


def _measure(client: httpx.Client, urls: list[str]) -> Latency:
    server, rtt = [], []
    for url in urls:
        started = time.perf_counter()
        resp = client.get(url)
        rtt.append((time.perf_counter() - started) * 1000)
        resp.raise_for_status()
        match = re.search(r"app;dur=([0-9.]+)", resp.headers.get("server-timing", ""))
        server.append(float(match.group(1)) if match else float("nan"))
    return Latency(server, rtt)


def run_backend(label: str, url: str, data_dir: Path, accounts: int, generate: bool = True) -> list[str]:
    """Generates the company into one database (unless reused) and measures both pages over a live server."""
    engine = make_engine(url)
    upgrade(engine)
    lines = []
    if generate:
        result = generate_demo(engine, data_dir, accounts=accounts, seed=7, today=TODAY)
        lines.append(
            f"{label}: generated {result.accounts:,} accounts, {result.contracts:,} contracts, "
            f"{result.events:,} events in {result.seconds:.1f} s"
        )
        print(lines[-1], flush=True)
        started = time.perf_counter()
        run_job(
            engine, load_settings(data_dir=data_dir, database_url=url), [TODAY - timedelta(days=7), TODAY]
        )
        lines.append(
            f"{label}: snapshot of {TODAY} and the week before in {time.perf_counter() - started:.1f} s"
        )
        print(lines[-1], flush=True)
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM accounts"))]
        industries = [r[0] for r in conn.execute(text("SELECT DISTINCT industry FROM accounts"))]
    engine.dispose()
    if not generate:
        lines.append(f"{label}: reusing the generated company ({len(ids):,} accounts)")

    port = _free_port()
    # The daily scheduler stays off so a snapshot run does not share the CPU with the measured requests.
    env = {
        **os.environ,
        "LODESTAR_DATABASE_URL": url,
        "LODESTAR_DATA_DIR": str(data_dir),
        "LODESTAR_SNAPSHOT_SCHEDULE": "false",
        "LODESTAR_SERVER_TIMING": "true",  # the server's own time per request, read below
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "lodestar.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            deadline = time.monotonic() + 300
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"server exited: {server.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            admin_email, password = "admin@lodestar.demo", "lodestar-demo"
            page = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            client.post(
                "/login",
                data={
                    "email": admin_email,
                    "password": password,
                    "csrf_token": token.group(1) if token else "",
                },
            )
            rng = random.Random(11)
            portfolio = [
                f"/accounts?industry={rng.choice(industries)}&sort=arr&desc=true&page={rng.randint(1, 5)}"
                for _ in range(REQUESTS)
            ]
            account = [f"/accounts/{rng.choice(ids)}" for _ in range(REQUESTS)]
            _measure(client, portfolio[:20] + account[:20])  # warm caches, as a running server has them
            lines.append(_measure(client, portfolio).row("portfolio (filtered + sorted page)"))
            lines.append(_measure(client, account).row("account page (with its snapshot)"))
    finally:
        server.terminate()
        server.wait(timeout=20)
    return lines


def main(accounts: int) -> list[str]:
    """Runs the foundation benchmark on SQLite and PostgreSQL and returns the report lines."""
    out = [
        f"== Foundation: demo generation and page latency ({accounts:,} accounts, {REQUESTS} requests each)"
    ]
    # BENCH_REUSE=1 measures the pages on the companies a previous run generated (SQLite and PostgreSQL).
    reuse = os.environ.get("BENCH_REUSE") == "1"
    work = ROOT / "bench-data"
    # BENCH_WEB_BACKENDS=sqlite or =postgres runs one backend (two processes can then run side by side).
    wanted = os.environ.get("BENCH_WEB_BACKENDS", "sqlite,postgres").split(",")
    for label, sub in (("SQLite", "sqlite"), ("PostgreSQL", "postgres")):
        if sub not in wanted:
            continue
        data_dir = work / sub
        present = reuse and (data_dir / "demo-truth.json").exists()
        if not present:
            shutil.rmtree(data_dir, ignore_errors=True)
            data_dir.mkdir(parents=True)
        if label == "SQLite":
            url = f"sqlite:///{data_dir / 'lodestar.db'}"
        else:
            url = PG_ADMIN.rsplit("/", 1)[0] + "/lodestar_bench" if present else _fresh_postgres()
        out += run_backend(label, url, data_dir, accounts, generate=not present)
    return out
