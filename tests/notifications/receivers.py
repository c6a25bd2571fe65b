"""Real receivers on loopback: small HTTP servers that play DingTalk, Feishu, WeCom, Slack or a generic
webhook, and an SMTP server (aiosmtpd).

Each HTTP receiver checks the request the way its platform does — DingTalk's `timestamp`/`sign` query
(HMAC-SHA256 keyed by the secret over "timestamp\\nsecret", Base64, URL-encoded), Feishu's body `timestamp`/
`sign` (HMAC-SHA256 keyed by "timestamp\\nsecret" over nothing, Base64), the webhook's
`X-Lodestar-Signature: sha256=<hex HMAC of the raw body>` — written here from the platforms' documentation,
not from Lodestar's code. It keeps the first delivery of each idempotency key and counts repeats apart, and
can follow a script (500s, 429s with Retry-After) before it answers normally.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

OK = {
    "dingtalk": {"errcode": 0, "errmsg": "ok"},
    "wecom": {"errcode": 0, "errmsg": "ok"},
    "feishu": {"code": 0, "msg": "success", "data": {}},
    "webhook": {"ok": True},
}
# A script step: (status, headers, body) to answer instead of accepting, or None to accept.
Step = tuple[int, dict[str, str], Any] | None


@dataclass
class Receiver:
    """What one receiver saw."""

    kind: str
    secret: str | None = None
    script: Callable[[int], Step] = lambda n: None
    accepted: list[dict[str, Any]] = field(default_factory=list)  # first delivery of each key, in order
    keys: set[str] = field(default_factory=set)
    duplicates: int = 0
    refused: list[str] = field(default_factory=list)  # bad signatures, missing keys
    requests: int = 0
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted_keys(self) -> list[str]:
        """The idempotency keys accepted, in the order they arrived."""
        with self.lock:
            return [m["key"] for m in self.accepted]


def _dingtalk_ok(secret: str, query: dict[str, list[str]]) -> bool:
    stamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]  # parse_qs URL-decodes sign
    if not stamp.isdigit() or abs(time.time() * 1000 - int(stamp)) > 3600_000:
        return False
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    )
    return hmac.compare_digest(expected.decode(), sign)


def _feishu_ok(secret: str, body: dict[str, Any]) -> bool:
    stamp, sign = body.get("timestamp"), body.get("sign")
    if not isinstance(stamp, str) or not stamp.isdigit() or abs(time.time() - int(stamp)) > 3600:
        return False
    expected = base64.b64encode(hmac.new(f"{stamp}\n{secret}".encode(), b"", hashlib.sha256).digest())
    return isinstance(sign, str) and hmac.compare_digest(expected.decode(), sign)


def _webhook_ok(secret: str, raw: bytes, header: str | None) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return header is not None and hmac.compare_digest(expected, header)


def _refusal(kind: str) -> tuple[int, Any]:
    if kind == "dingtalk":
        return 200, {"errcode": 310000, "errmsg": "sign not match"}
    if kind == "feishu":
        return 200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}
    return 401, {"error": "bad signature"}


def _handler(rx: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the platforms' servers
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with rx.lock:
                rx.requests += 1
                step = rx.script(rx.requests)
            if step is not None:
                self._answer(step[0], step[2], step[1])
                return
            self._accept(raw)

        def _accept(self, raw: bytes) -> None:
            body = json.loads(raw)
            key = self.headers.get("Idempotency-Key")
            signed = rx.secret is None or (
                (rx.kind == "dingtalk" and _dingtalk_ok(rx.secret, parse_qs(urlsplit(self.path).query)))
                or (rx.kind == "feishu" and _feishu_ok(rx.secret, body))
                or (
                    rx.kind == "webhook"
                    and _webhook_ok(rx.secret, raw, self.headers.get("X-Lodestar-Signature"))
                )
            )
            if rx.kind == "webhook" and body.get("idempotency_key") != key:
                signed = False
            if not key or not signed:
                with rx.lock:
                    rx.refused.append(key or "(no key)")
                status, answer = _refusal(rx.kind)
                self._answer(status, answer)
                return
            with rx.lock:
                if key in rx.keys:
                    rx.duplicates += 1  # a repeat: answered as accepted, not processed again
                else:
                    rx.keys.add(key)
                    rx.accepted.append({"key": key, "body": body, "path": self.path})
            self._answer(200, "ok" if rx.kind == "slack" else OK[rx.kind])

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up (a killed worker): nothing to report


@contextmanager
def receiving(
    kind: str, secret: str | None = None, script: Callable[[int], Step] | None = None
) -> Iterator[Receiver]:
    """A receiver of this kind on a free loopback port, for the block."""
    rx = Receiver(kind, secret, script or (lambda n: None))
    server = _Server(("127.0.0.1", 0), _handler(rx))
    rx.url = f"http://127.0.0.1:{server.server_address[1]}/hook?access_token=tok"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rx
    finally:
        server.shutdown()
        server.server_close()


class Inbox:
    """Every message an SMTP server receives, by idempotency key (repeats counted apart)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.duplicates = 0
        self.keys: set[str] = set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # the aiosmtpd hook name
        message = message_from_bytes(envelope.content, policy=policy.default)
        key = str(message["Idempotency-Key"])
        if key in self.keys:
            self.duplicates += 1
        else:
            self.keys.add(key)
            self.messages.append(message)
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on a free loopback port."""
    with socket.socket() as probe:  # aiosmtpd checks its own port after starting, so it cannot be 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
