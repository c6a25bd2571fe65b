"""Segment messages as the SDKs send them: decoding, size limits and per-type validation."""

from __future__ import annotations

import base64
import binascii
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

MAX_MESSAGE_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024
TYPES = ("identify", "group", "track", "page", "screen", "alias")
REQUIRED: dict[str, tuple[str, ...]] = {"track": ("event",), "group": ("groupId",), "alias": ("previousId",)}
OBJECT_FIELDS = ("properties", "traits", "context", "integrations")
# The sane range of an event time after clock-skew correction (docs/ingestion.md says why these bounds).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)


class Refused(Exception):
    """A request Lodestar will not take: the HTTP status, a stable code and a message naming the field."""

    def __init__(self, status: int, code: str, message: str, types: list[str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.types = types or []


def inflate(raw: bytes, encoding: str | None) -> bytes:
    """The request body, gunzipped when it says so, refusing anything over the batch limit."""
    if len(raw) > MAX_BATCH_BYTES and not encoding:
        raise Refused(413, "too_large", f"the request body is over {MAX_BATCH_BYTES // 1024} KB")
    if not encoding or encoding.strip().lower() == "identity":
        return raw
    if encoding.strip().lower() not in ("gzip", "x-gzip"):
        raise Refused(400, "bad_encoding", f"Content-Encoding {encoding!r} is not supported; use gzip")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(raw, MAX_BATCH_BYTES + 1)
    except zlib.error:
        raise Refused(400, "bad_encoding", "the body is not valid gzip") from None
    if len(data) > MAX_BATCH_BYTES:
        raise Refused(413, "too_large", f"the request body is over {MAX_BATCH_BYTES // 1024} KB")
    if not inflater.eof:
        raise Refused(400, "bad_encoding", "the gzip body is truncated")
    return data


def basic_username(header: str | None) -> str | None:
    """The username of an HTTP Basic Authorization header (Segment's write key), if any."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.split(":", 1)[0] or None


def load(body: bytes) -> dict[str, Any]:
    """Parses the JSON object of a request body."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Refused(400, "bad_json", "the body is not valid JSON") from None
    if not isinstance(doc, dict):
        raise Refused(400, "bad_json", "the body must be a JSON object")
    return doc


def body_key(doc: dict[str, Any]) -> str | None:
    """The write key sent in the body as writeKey, if any."""
    key = doc.get("writeKey")
    return key if isinstance(key, str) and key else None


def validate(doc: dict[str, Any], call: str | None, received: datetime) -> list[dict[str, Any]]:
    """The messages of a /v1/batch body (call None) or a single-call body, each validated.

    `received` is when the request arrived: timestamps are corrected for clock skew against it.
    """
    if call is None:
        batch = doc.get("batch")
        if not isinstance(batch, list) or not batch:
            raise Refused(400, "invalid_message", "batch: must be a non-empty list of messages")
        shared = doc.get("context")
        sent_at = _instant(doc.get("sentAt"), "sentAt", None)
        try:
            messages = [_one(m, f"batch[{i}]", None, shared) for i, m in enumerate(batch)]
            for i, m in enumerate(messages):
                _fix_time(m, f"batch[{i}]", sent_at, received)
        except Refused as exc:
            exc.types = [t for m in batch for t in _types_of(m)]  # the whole batch is refused
            raise
    else:
        messages = [_one(doc, "message", call, None)]
        _fix_time(messages[0], "message", None, received)
    return messages


def _types_of(doc: Any) -> list[str]:
    kind = doc.get("type") if isinstance(doc, dict) else None
    return [kind if kind in TYPES else "unknown"]


def _one(msg: Any, where: str, call: str | None, shared: Any) -> dict[str, Any]:
    if not isinstance(msg, dict):
        raise Refused(400, "invalid_message", f"{where}: must be a JSON object")
    kind = call or msg.get("type")
    if kind not in TYPES:
        raise Refused(400, "invalid_message", f"{where}.type: must be one of {', '.join(TYPES)}")
    msg["type"] = kind
    for field in REQUIRED.get(kind, ()):
        if msg.get(field) in (None, ""):
            raise Refused(400, "invalid_message", f"{where}.{field}: is required for {kind} messages", [kind])
    for field in ("userId", "anonymousId", "groupId", "previousId", "messageId"):
        value = msg.get(field)
        if isinstance(value, int | float) and not isinstance(value, bool):
            msg[field] = str(value)
        elif value is not None and not isinstance(value, str):
            raise Refused(400, "invalid_message", f"{where}.{field}: must be a string", [kind])
    if not msg.get("userId") and not msg.get("anonymousId"):
        raise Refused(400, "invalid_message", f"{where}.userId: userId or anonymousId is required", [kind])
    if kind == "track" and not isinstance(msg["event"], str):
        raise Refused(400, "invalid_message", f"{where}.event: must be a string", [kind])
    for field in OBJECT_FIELDS:
        value = msg.get(field)
        if value is not None and not isinstance(value, dict):
            raise Refused(400, "invalid_message", f"{where}.{field}: must be a JSON object", [kind])
    if isinstance(shared, dict) and shared:
        msg["context"] = {**shared, **(msg.get("context") or {})}
    if not msg.get("messageId"):
        msg["messageId"] = uuid.uuid4().hex
    return msg


def _instant(value: Any, where: str, kind: str | None) -> datetime | None:
    """An ISO 8601 date-time as an aware datetime (naive means UTC), None when absent."""
    if value is None:
        return None
    problem = f"{where}: must be an ISO 8601 date-time"
    if not isinstance(value, str):
        raise Refused(400, "invalid_message", problem, [kind] if kind else None)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Refused(400, "invalid_message", problem, [kind] if kind else None) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _fix_time(msg: dict[str, Any], where: str, batch_sent_at: datetime | None, received: datetime) -> None:
    """Corrects the event time for clock skew as Segment does and refuses one outside the sane range.

    With sentAt: timestamp = receivedAt + (timestamp - sentAt), so a device clock that is off by hours
    still yields the server's notion of when the event happened. The client's value stays as
    originalTimestamp; the corrected one, in UTC, becomes timestamp.
    """
    kind = msg["type"]
    field = "timestamp" if msg.get("timestamp") is not None else "originalTimestamp"
    stamp = _instant(msg.get(field), f"{where}.{field}", kind)
    sent_at = _instant(msg.get("sentAt"), f"{where}.sentAt", kind) or batch_sent_at
    if stamp is None:
        return
    latest = received + FUTURE_SLACK
    problem = (
        f"{where}.{field}: must fall between {EARLIEST:%Y-%m-%d} and a day after the time it is received "
        "(UTC, after clock-skew correction with sentAt)"
    )
    try:
        corrected = received + (stamp - sent_at) if sent_at is not None else stamp.astimezone(UTC)
    except OverflowError:
        raise Refused(400, "invalid_message", problem, [kind]) from None
    if not EARLIEST <= corrected <= latest:
        raise Refused(400, "invalid_message", problem, [kind])
    msg.setdefault("originalTimestamp", msg[field])
    msg["timestamp"] = corrected.astimezone(UTC).isoformat()


def encode_messages(messages: list[dict[str, Any]]) -> list[bytes]:
    """Serialises each message, refusing any over the per-message limit."""
    parts = [orjson.dumps(m) for m in messages]
    for i, part in enumerate(parts):
        if len(part) > MAX_MESSAGE_BYTES:
            where = f"batch[{i}]" if len(parts) > 1 else "message"
            raise Refused(
                413,
                "too_large",
                f"{where}: a message is over {MAX_MESSAGE_BYTES // 1024} KB",
                [str(messages[i]["type"])],
            )
    return parts
