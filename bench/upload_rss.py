"""Memory under hostile uploads: peak RSS of `lodestar serve` while four clients stream 400 MB chunked bodies.

Each client sends `Transfer-Encoding: chunked` (no Content-Length) to /v1/batch as fast as the server
reads; half send a valid write key (refused at 500 KB with 413), half an unknown key (refused with 401
before the body). The server's idle RSS and its peak (VmHWM, from /proc) are read; the goal is a peak of
at most 200 MB over idle. Run: `python -m bench.upload_rss` (or BENCH=upload_rss python -m bench).
"""

from __future__ import annotations

import base64
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path

from bench.ingest import _start_server

CLIENTS = 4
OFFERED = 400 << 20
CHUNK = b"x" * (1 << 20)
FRAME = b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n"


def _kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def _upload(port: int, key: str, results: list[tuple[str, int]]) -> None:
    """Streams up to OFFERED bytes; records the status line and how much the server let it send."""
    auth = base64.b64encode(f"{key}:".encode()).decode()
    head = (
        f"POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Basic {auth}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        try:
            while sent < OFFERED:
                sock.sendall(FRAME)
                sent += len(FRAME)
        except OSError:  # the server answered and closed the connection: the rest is never read
            pass
        try:
            status = sock.recv(4096).split(b"\r\n", 1)[0].decode()
        except OSError as exc:
            status = f"({exc.__class__.__name__})"
    results.append((status, sent))


def main() -> list[str]:
    """Runs the uploads against a fresh server and returns the report lines."""
    with tempfile.TemporaryDirectory(prefix="lodestar-bench-rss-") as tmp:
        proc, port, key = _start_server(Path(tmp))
        try:
            time.sleep(2)  # let start-up allocations settle
            idle = _kb(proc.pid, "VmRSS")
            results: list[tuple[str, int]] = []
            keys = [key, "lsk_unknown"] * (CLIENTS // 2)
            threads = [threading.Thread(target=_upload, args=(port, k, results)) for k in keys]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            peak = _kb(proc.pid, "VmHWM")
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
    answers = ", ".join(f"{status} after {sent / (1 << 20):.1f} MB" for status, sent in sorted(results))
    return [
        f"upload RSS: idle {idle / 1024:.0f} MB, peak {peak / 1024:.0f} MB "
        f"(+{(peak - idle) / 1024:.0f} MB over idle; goal <= +200 MB) under {CLIENTS} parallel "
        f"{OFFERED >> 20} MB chunked uploads; answers: {answers}",
    ]


if __name__ == "__main__":
    for line in main():
        print(line, flush=True)
