"""The receive path: decode, authenticate, validate, de-duplicate, append durably, then acknowledge."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session, sessionmaker

from lodestar.events import service
from lodestar.events.ingest.log import IngestLog
from lodestar.events.ingest.log_records import encode
from lodestar.events.ingest.messages import (
    Refused,
    basic_username,
    body_key,
    encode_messages,
    inflate,
    load,
    validate,
)
from lodestar.kit.time import utcnow

KEY_TTL_S = 5.0  # a revoked key stops working within this long
FAIL_FIRST_ENV = "LODESTAR_INGEST_FAIL_FIRST"  # test hook: answer 500 to the first N requests
UNKNOWN = "(unknown)"
BodyReader = Callable[[], Awaitable[bytes]]  # reads the request body, refusing it past the size limit


class Receiver:
    """Takes Segment requests on the event loop and acknowledges them once they are on disk."""

    def __init__(self, log: IngestLog, sessions: sessionmaker[Session]) -> None:
        self.log = log
        self.sessions = sessions
        self.fail_first = int(os.environ.get(FAIL_FIRST_ENV, "0") or 0)
        self._keys: dict[str, tuple[float, int | None, str]] = {}
        self._lock = threading.Lock()
        self._tallies: dict[service.CounterKey, service.Tally] = {}
        self._rejections: list[dict[str, Any]] = []

    async def receive(
        self, call: str | None, read_body: BodyReader, encoding: str | None, auth: str | None
    ) -> None:
        """Stores one request's messages durably, or raises Refused naming what is wrong.

        A write key sent as the Basic username is checked before a byte of the body is read, so an
        unauthenticated client cannot make the server read (or hold) its upload; read_body is capped.
        """
        now = utcnow()
        source = UNKNOWN
        raw = b""
        try:
            if self.fail_first > 0:
                self.fail_first -= 1
                raise Refused(500, "test_failure", f"failing on purpose ({FAIL_FIRST_ENV})")
            secret = basic_username(auth)
            if secret:
                key_id, source = await self._known_key(secret)
            raw = await read_body()
            doc = load(inflate(raw, encoding))
            if not secret:
                secret = body_key(doc)
                if not secret:
                    raise Refused(
                        401, "no_write_key", "send the write key as the Basic auth username or as writeKey"
                    )
                key_id, source = await self._known_key(secret)
            if self.log.overloaded():
                raise Refused(429, "overloaded", "Lodestar is shedding load; retry after the given seconds")
            messages = validate(doc, call, now)
            await self._store(key_id, source, messages, encode_messages(messages), now)
        except Refused as exc:
            if exc.status < 429:
                self._reject(exc, source, raw, now)
            raise

    async def _known_key(self, secret: str) -> tuple[int, str]:
        key_id, source = await self._key(secret)
        if key_id is None:
            raise Refused(401, "bad_write_key", "the write key is unknown or revoked")
        return key_id, source

    async def _store(
        self, key_id: int, source: str, messages: list[dict[str, Any]], parts: list[bytes], now: datetime
    ) -> None:
        seen, segment = self.log.seen, self.log.active_segment
        ids: list[bytes] = []
        fresh: list[bytes] = []
        dupes: dict[str, int] = {}
        for msg, part in zip(messages, parts, strict=True):
            dedup_key = f"{key_id}:{msg['messageId']}".encode()
            kind = msg["type"]
            if dedup_key in seen:
                dupes[kind] = dupes.get(kind, 0) + 1
                continue
            seen[dedup_key] = segment
            ids.append(dedup_key)
            fresh.append(part)
        # The counts live in the log with the messages (the mover adds them up as it moves the record),
        # so a crash cannot lose them: accepted are the messages, deduplicated ride along as "d".
        # A request of only duplicates writes a record of counts alone and waits for its fsync, which
        # covers the originals too.
        head = b'{"k":%d,"s":%b,"r":%b,"d":%b,"m":[' % (
            key_id,
            orjson.dumps(source),
            orjson.dumps(now),
            orjson.dumps(dupes),
        )
        record = encode(ids, head + b",".join(fresh) + b"]}")
        try:
            await self.log.append_async(record)
        except OSError as exc:
            for dedup_key in ids:
                seen.pop(dedup_key, None)
            # Not the client's fault and not a bug: the disk is full or failing. 503 tells SDKs to retry.
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise Refused(
                503, "storage_unavailable", f"the message could not be written ({reason}); retry"
            ) from None

    def _tally(self, source: str, kind: str, hour: datetime) -> service.Tally:
        key = (source, kind, hour)
        tally = self._tallies.get(key)
        if tally is None:
            tally = self._tallies[key] = service.Tally()
        return tally

    def _reject(self, exc: Refused, source: str, raw: bytes, now: datetime) -> None:
        hour = now.replace(minute=0, second=0, microsecond=0)
        sample = raw[:1000].decode("utf-8", "replace") if raw[:1] in (b"{", b"[") else None
        with self._lock:
            for kind in exc.types or ["unknown"]:
                self._tally(source, kind, hour).rejected += 1
            self._rejections.append(
                {
                    "at": now,
                    "source": source,
                    "status": exc.status,
                    "code": exc.code,
                    "reason": exc.message,
                    "sample": sample,
                }
            )
            del self._rejections[:-200]

    def drain(self) -> tuple[dict[service.CounterKey, service.Tally], list[dict[str, Any]]]:
        """Hands over (and forgets) the counts and rejections gathered since the last drain."""
        with self._lock:
            tallies, self._tallies = self._tallies, {}
            rejections, self._rejections = self._rejections, []
        return tallies, rejections

    async def _key(self, secret: str) -> tuple[int | None, str]:
        cached = self._keys.get(secret)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1], cached[2]
        key_id, source = await asyncio.to_thread(self._lookup, secret)
        if len(self._keys) > 10_000:
            self._keys.clear()
        self._keys[secret] = (time.monotonic() + KEY_TTL_S, key_id, source)
        return key_id, source

    def _lookup(self, secret: str) -> tuple[int | None, str]:
        with self.sessions() as session:
            key = service.active_key(session, secret)
            return (key.id, key.name) if key is not None else (None, UNKNOWN)
