"""Foundation benchmark: demo generation at scale, then portfolio, account page and cockpit latency.

For each database (embedded SQLite and the local PostgreSQL) it generates the demo company, starts
`lodestar serve` in its own process, signs in, and sends 200 requests to each page, reading the server's
own time from the Server-Timing header (and the client's round trip beside it). A CSM with a 400-account
portfolio (PORTFOLIO_SIZE accounts of the company handed to one new CSM of manager1's team) measures the
cockpit and the portfolio as a CSM lives in them; the admin's and the manager's cockpits are measured too.
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

from lodestar.auth import service as auth_service
from lodestar.auth.models import Role
from lodestar.auth.schemas import UserCreate
from lodestar.db.engine import make_engine, session_factory
from lodestar.db.migrate import upgrade
from lodestar.demo import generate_demo
from lodestar.demo.sop import simulate_sop_work
from lodestar.pipeline.daily import run_job
from lodestar.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("LODESTAR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUESTS = 200
GOAL_P95_MS = 150.0
PORTFOLIO_SIZE = 400
BENCH_CSM = "bench-csm@lodestar.demo"
PASSWORD = "lodestar-demo"
# Another worktree's benchmark may use the default database at the same time: BENCH_PG_DB names another.
PG_DB = os.environ.get("BENCH_PG_DB", "lodestar_bench")


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
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_DB}"


def _give_portfolio(engine: object, size: int) -> None:
    """A new CSM in manager1's team owning `size` accounts of the company (a fixed sample), once."""
    with session_factory(engine)() as db:  # type: ignore[arg-type]
        if auth_service.find_user_by_email(db, BENCH_CSM) is not None:
            return
        manager = auth_service.find_user_by_email(db, "manager1@lodestar.demo")
        csm = auth_service.create_user(
            db,
            UserCreate(
                email=BENCH_CSM, name="Bench Csm", role=Role.CSM, password=PASSWORD,
                manager_id=manager.id if manager else None,
            ),
        )  # fmt: skip
        ids = sorted(db.scalars(text("SELECT id FROM accounts ORDER BY id")))
        chosen = random.Random(5).sample(ids, min(size, len(ids)))
        db.execute(
            text("UPDATE accounts SET owner_id = :owner WHERE id = :id"),
            [{"owner": csm.id, "id": i} for i in chosen],
        )
        db.commit()


def _signed_in(base: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    answer = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1) if token else ""}
    )
    if answer.status_code != 303:
        raise RuntimeError(f"could not sign in as {email}: {answer.status_code}")
    return client


def _csm_pages(base: str, rng: random.Random) -> list[str]:
    """The cockpit and the portfolio as the 400-account CSM, and the leaders' cockpits."""
    lines = []
    sorts = ["sort=arr&desc=1", "sort=health_score", "sort=risk&desc=1", "sort=renewal_date"]
    filters = ["", "&grade=red", "&grade=yellow", "&stage=renewal", "&stage=at_risk", "&renewal_window=1"]
    csm = _signed_in(base, BENCH_CSM)
    try:
        cockpit = [f"/cockpit?window={rng.choice((30, 60, 90, 180))}" for _ in range(REQUESTS)]
        portfolio = [
            f"/accounts?{rng.choice(sorts)}{rng.choice(filters)}&page={rng.randint(1, 3)}"
            for _ in range(REQUESTS)
        ]
        _measure(csm, cockpit[:20] + portfolio[:20])
        lines.append(_measure(csm, cockpit).row(f"cockpit (CSM, {PORTFOLIO_SIZE} accounts)"))
        lines.append(_measure(csm, portfolio).row(f"portfolio (CSM, {PORTFOLIO_SIZE} accounts)"))
    finally:
        csm.close()
    for email, label in (
        ("manager1@lodestar.demo", "cockpit (manager's team)"),
        ("admin@lodestar.demo", "cockpit (admin, company)"),
    ):
        leader = _signed_in(base, email)
        urls = [f"/cockpit?window={rng.choice((30, 90))}" for _ in range(REQUESTS // 4)]
        _measure(leader, urls[:5])
        lines.append(_measure(leader, urls).row(label))
        leader.close()
    return lines


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
        today = date(2026, 11, 1)
        result = generate_demo(engine, data_dir, accounts=accounts, seed=7, today=today)
        lines.append(
            f"{label}: generated {result.accounts:,} accounts, {result.contracts:,} contracts, "
            f"{result.events:,} events in {result.seconds:.1f} s"
        )
        print(lines[-1], flush=True)
        # Two snapshots a week apart: health, 7-day trends, stages and the stage playbooks' tasks, then the
        # team's simulated SOP work, so the cockpit reads what a running company has.
        started = time.perf_counter()
        run_job(
            engine,
            load_settings(database_url=url, data_dir=data_dir),
            [today - timedelta(days=7), today],
            kind="demo",
        )
        simulate_sop_work(engine, 7, today)
        lines.append(f"{label}: two snapshots and the SOP work in {time.perf_counter() - started:.1f} s")
        print(lines[-1], flush=True)
    _give_portfolio(engine, PORTFOLIO_SIZE)
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
            lines.append(_measure(client, account).row("account page"))
        lines += _csm_pages(base, rng)
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
            url = PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_DB}" if present else _fresh_postgres()
        out += run_backend(label, url, data_dir, accounts, generate=not present)
    return out
