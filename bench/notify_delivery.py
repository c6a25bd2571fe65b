"""Notifications benchmark: writing 10,000 alerts' outbox rows, and delivering 10,000 webhook messages.

(a) `notify()` of BENCH_NOTIFY_MESSAGES (10,000) alert notices, each naming its CSM (e-mail), the CSM's
manager (e-mail) and the team's DingTalk channel — three outbox rows a notice, rendered per language and
platform, written in the caller's transaction and committed. Goal ≤ 5 s. (b) The worker delivering
BENCH_NOTIFY_MESSAGES signed webhook messages to a receiver on loopback (its own process: it checks each
HMAC and counts each idempotency key) with the rate limit off. Goal ≥ 500 messages/s, 0 lost, 0 repeated.
Both on SQLite, and on PostgreSQL when LODESTAR_TEST_POSTGRES_URL (or the local default) is reachable.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import multiprocessing
import os
import shutil
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, update

from bench.scratch_postgres import on_scratch_postgres
from lodestar.auth.models import Role, User
from lodestar.db.bulk import insert_returning_ids
from lodestar.db.engine import make_engine, unit_of_work
from lodestar.db.migrate import upgrade
from lodestar.kit.text import Text
from lodestar.notifications import service
from lodestar.notifications.models import OutboxMessage
from lodestar.notifications.schemas import ChannelCreate, Notice
from lodestar.notifications.worker import Worker
from lodestar.settings import Settings, load_settings

WRITE_GOAL_S = 5.0
RATE_GOAL = 500.0
CSMS, MANAGERS = 25, 5
SECRET = "bench-webhook-secret"
ROOT = Path("bench-data/notify")


def _receiver(port: Any, ready: Any) -> None:
    """A webhook receiver (own process): checks the signature, keeps each idempotency key once."""
    seen: set[str] = set()
    stats = {"accepted": 0, "duplicates": 0, "refused": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._send(200, json.dumps(stats).encode())

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
            key = self.headers.get("Idempotency-Key", "")
            if not hmac.compare_digest(expected, self.headers.get("X-Lodestar-Signature", "")):
                stats["refused"] += 1
                self._send(401, b"{}")
                return
            stats["duplicates" if key in seen else "accepted"] += 1
            seen.add(key)
            self._send(200, b'{"ok":true}')

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port.value = server.server_address[1]
    ready.set()
    server.serve_forever()


def _team(engine: Engine) -> list[tuple[int, int]]:
    """25 CSMs under 5 managers (half read Chinese); (csm, manager) pairs."""
    with unit_of_work(engine) as s:
        person = {"password_hash": "x", "active": True}
        manager = {**person, "role": Role.MANAGER.value, "locale": "en"}
        managers = insert_returning_ids(
            s, User, [{**manager, "email": f"m{i}@bench", "name": f"Manager {i}"} for i in range(MANAGERS)]
        )
        csms = insert_returning_ids(s, User, [
            {**person, "email": f"c{i}@bench", "name": f"CSM {i}", "role": Role.CSM.value,
             "locale": "zh_CN" if i % 2 else "en", "manager_id": managers[i % MANAGERS]}
            for i in range(CSMS)
        ])  # fmt: skip
    return [(c, managers[i % MANAGERS]) for i, c in enumerate(csms)]


def _notices(pairs: list[tuple[int, int]], n: int, channel: str, prefix: str) -> list[Notice]:
    out = []
    for i in range(n):
        csm, manager = pairs[i % len(pairs)]
        title = Text("Health of %(account)s fell to %(grade)s", account=f"Account {i}", grade="red")
        lines = [Text("Active users %(before)s → %(after)s", before=40 + i % 20, after=20)]
        out.append(Notice(f"{prefix}:{i}", "critical", title, lines, f"/accounts/{i}#alerts",
                          user_ids=[csm, manager], channel_keys=[channel]))  # fmt: skip
    return out


def _write(engine: Engine, settings: Settings, n: int) -> tuple[float, int]:
    pairs = _team(engine)
    with unit_of_work(engine) as s:
        url = "https://oapi.dingtalk.com/robot/send?access_token=bench"
        data = ChannelCreate(key="team-ding", name="CS 钉钉群", kind="dingtalk", url=url, rate_per_minute=20)
        service.create_channel(s, data, None, settings.secret_key)
    notices = _notices(pairs, n, "team-ding", "alert")
    started = time.perf_counter()
    with unit_of_work(engine) as s:
        written = service.notify(s, notices, settings)
    seconds = time.perf_counter() - started
    with unit_of_work(engine) as s:  # as if delivered: the delivery part measures the webhook alone
        s.execute(update(OutboxMessage).values(status="sent"))
    return seconds, written


def _deliver(engine: Engine, settings: Settings, n: int) -> tuple[float, dict[str, int], dict[str, int]]:
    port, ready = multiprocessing.Value("i", 0), multiprocessing.Event()
    receiver = multiprocessing.Process(target=_receiver, args=(port, ready), daemon=True)
    receiver.start()
    ready.wait(30)
    url = f"http://127.0.0.1:{port.value}/hook"
    try:
        with unit_of_work(engine) as s:
            data = ChannelCreate(
                key="hook", name="hook", kind="webhook", url=url, secret=SECRET, rate_per_minute=0
            )
            service.create_channel(s, data, None, settings.secret_key)
            messages = [
                Notice(
                    f"hook:{i}", "warning", Text("Bench message %(i)s", i=i), [], "/", channel_keys=["hook"]
                )
                for i in range(n)
            ]
            service.notify(s, messages, settings)
        worker = Worker(engine, settings)
        started = time.perf_counter()
        tally = worker.run_once()
        seconds = time.perf_counter() - started
        worker.close()
        return seconds, tally.as_dict(), httpx.get(url).json()
    finally:
        receiver.terminate()
        receiver.join()


def _run(engine: Engine, label: str, n: int) -> list[str]:
    settings = load_settings(database_url=engine.url.render_as_string(hide_password=False), data_dir=ROOT,
                             smtp_host="127.0.0.1")  # fmt: skip
    wrote, rows = _write(engine, settings, n)
    seconds, tally, seen = _deliver(engine, settings, n)
    lost = n - seen["accepted"]
    return [
        f"notify bench ({label}): {n:,} alerts -> {rows:,} outbox rows (e-mail to CSM and manager, DingTalk "
        f"channel) written in {wrote:.2f} s (goal <= {WRITE_GOAL_S:.0f} s)",
        f"notify bench ({label}): {n:,} signed webhook messages delivered in {seconds:.2f} s = "
        f"{n / seconds:,.0f} msg/s (goal >= {RATE_GOAL:.0f}); lost {lost}, repeated {seen['duplicates']}, "
        f"refused {seen['refused']}; worker {tally}",
    ]


def _sqlite(n: int) -> list[str]:
    if ROOT.exists():
        shutil.rmtree(ROOT)
    ROOT.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{ROOT / 'bench.db'}")
    upgrade(engine)
    try:
        return _run(engine, "SQLite", n)
    finally:
        engine.dispose()


def _postgres(n: int) -> list[str]:
    def measure(engine: Engine) -> list[str]:
        upgrade(engine)
        return _run(engine, "PostgreSQL", n)

    return on_scratch_postgres("notify bench", measure)


def main(messages: int | None = None) -> list[str]:
    """Runs both parts on both databases and returns one printable line each."""
    n = messages or int(os.environ.get("BENCH_NOTIFY_MESSAGES", "10000"))
    lines = []
    for part in (_sqlite, _postgres):
        for line in part(n):
            print(line, flush=True)
            lines.append(line)
    return lines


if __name__ == "__main__":
    main()
