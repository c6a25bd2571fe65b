"""Ingestion benchmark: SDK-sized batches of 100 messages against `lodestar serve` on loopback.

Measures sustained messages/s (several client processes, each sending as fast as acknowledgements come
back) and p50/p99 batch latency at a paced 20,000 messages/s. Every acknowledgement is durable (fsync).
Clients send gzip bodies built before the clock starts, so they spend little of the machine's CPU; the
server's CPU time (its process and the mover process) is reported beside the rate.
"""

from __future__ import annotations

import base64
import gzip
import http.client
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BATCH = 100
CLIENTS = int(os.environ.get("BENCH_INGEST_CLIENTS", "6"))
SECONDS = float(os.environ.get("BENCH_INGEST_SECONDS", "8"))
PACED_RATE = 20_000
MAX_BATCHES_PER_S = 300  # per client: more than any client reaches, so no body is sent twice


def _body(tag: str, n: int) -> bytes:
    parts = [
        b'{"type":"track","userId":"user-%d","event":"Feature Used","messageId":"%s-%d-%d",'
        b'"timestamp":"2026-03-01T10:00:00.000Z","properties":{"feature":"reports","plan":"pro","n":%d},'
        b'"context":{"library":{"name":"analytics-python","version":"2.3.0"}}}'
        % (i % 500, tag.encode(), n, i, i)
        for i in range(BATCH)
    ]
    return b'{"batch":[' + b",".join(parts) + b'],"sentAt":"2026-03-01T10:00:00.000Z"}'


def _client(
    port: int, key: str, tag: str, seconds: float, rate: float, out: mp.Queue, ready: mp.Queue, go: Any
) -> None:
    """Sends batches for `seconds` (paced at `rate` batches/s when rate > 0); reports latencies."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip", "Authorization": auth}
    bodies = [gzip.compress(_body(tag, n), 1) for n in range(int(seconds * (rate or MAX_BATCHES_PER_S)))]
    latencies: list[float] = []
    ready.put(tag)
    go.wait()
    start = time.perf_counter()
    n = 0
    while True:
        due = start + n / rate if rate else time.perf_counter()
        now = time.perf_counter()
        if now - start > seconds:
            break
        if due > now:
            time.sleep(due - now)
        body = bodies[n % len(bodies)]  # wrapping around would resend ids: sized so that it does not
        sent = time.perf_counter()
        conn.request("POST", "/v1/batch", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status == 200:
            latencies.append(time.perf_counter() - sent)
        n += 1
    out.put((len(latencies) * BATCH, time.perf_counter() - start, latencies))


def _run_clients(
    server: int, port: int, key: str, tag: str, clients: int, seconds: float, rate: float
) -> tuple[float, list, float]:
    """Runs the clients together; returns messages/s, batch latencies and the server's CPU cores used."""
    out: mp.Queue = mp.Queue()
    ready: mp.Queue = mp.Queue()
    go = mp.Event()
    per_client = rate / clients if rate else 0
    procs = [
        mp.Process(target=_client, args=(port, key, f"{tag}{i}", seconds, per_client, out, ready, go))
        for i in range(clients)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get()
    cpu0, wall0 = _cpu_seconds(server), time.perf_counter()
    go.set()
    results = [out.get() for _ in procs]
    cores = (_cpu_seconds(server) - cpu0) / (time.perf_counter() - wall0)
    for p in procs:
        p.join()
    messages = sum(r[0] for r in results)
    elapsed = max(r[1] for r in results)
    latencies = sorted(lat for r in results for lat in r[2])
    return messages / elapsed, latencies, cores


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (the mover), from /proc."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        pids += [int(c) for c in task.read_text().split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _start_server(data: Path) -> tuple[subprocess.Popen[bytes], int, str]:
    env = {**os.environ, "LODESTAR_DATA_DIR": str(data)}
    env.pop("LODESTAR_DATABASE_URL", None)
    key = subprocess.run(
        [sys.executable, "-m", "lodestar.cli", "keys", "create", "bench"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "lodestar.cli", "serve", "--port", str(port)], env=env)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, port, key


def main() -> list[str]:
    """Runs the ingestion benchmark and returns its report lines."""
    with tempfile.TemporaryDirectory(prefix="lodestar-bench-ingest-") as tmp:
        proc, port, key = _start_server(Path(tmp))
        try:
            _run_clients(proc.pid, port, key, "warm", 2, 1.0, 0)
            rate, lat, cores = _run_clients(proc.pid, port, key, "max", CLIENTS, SECONDS, 0)
            paced_rate, paced, paced_cores = _run_clients(
                proc.pid, port, key, "paced", 4, SECONDS, PACED_RATE / BATCH
            )
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
        stored = sum(1 for _ in (Path(tmp) / "events").rglob("*.parquet"))
    return [
        f"ingest sustained: {rate:,.0f} messages/s with {CLIENTS} clients x batches of {BATCH} "
        f"(durable acks; batch p50 {_pct(lat, 0.5):.1f} ms, p99 {_pct(lat, 0.99):.1f} ms; goal >= 50,000/s); "
        f"server CPU {cores:.2f} cores",
        f"ingest paced at {PACED_RATE:,}/s: achieved {paced_rate:,.0f}/s, batch latency p50 "
        f"{_pct(paced, 0.5):.1f} ms, p99 {_pct(paced, 0.99):.1f} ms (goal p99 <= 50 ms); "
        f"server CPU {paced_cores:.2f} cores; {stored} parquet files written",
    ]


if __name__ == "__main__":
    for line in main():
        print(line, flush=True)
