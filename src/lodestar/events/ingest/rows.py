"""One logged message as one event-store row, every value checked, so no message can fail a whole range.

The receiver validates messages at the door, but the log may hold messages accepted by an older version
(or anything else the store cannot take); `to_row` raises Unstorable for those, naming the field, and the
mover quarantines them instead of retrying the range forever.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa

from lodestar.analytics import event_store as store


class Unstorable(ValueError):
    """A message the event store cannot hold; the text names the field."""


def _text(value: Any, field: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise Unstorable(f"{field}: must be a string")


def instant(value: Any, field: str, fallback: datetime) -> datetime:
    """An ISO 8601 value as a UTC datetime (the fallback when absent); Unstorable when it cannot be one."""
    if value is None:
        return fallback
    if not isinstance(value, str):
        raise Unstorable(f"{field}: must be an ISO 8601 date-time")
    try:
        parsed = datetime.fromisoformat(value)
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except ValueError:
        raise Unstorable(f"{field}: must be an ISO 8601 date-time") from None
    except OverflowError:
        raise Unstorable(f"{field}: {value!r} is outside the range of storable times") from None


def _json(value: Any, field: str) -> str | None:
    if not value:
        return None
    if not isinstance(value, dict):
        raise Unstorable(f"{field}: must be a JSON object")
    return orjson.dumps(value).decode()


def to_row(m: Any, source: str, received: datetime, links: dict[str, str]) -> dict[str, Any]:
    """The store row of one message (`links` resolves a user's account and learns from group calls)."""
    if not isinstance(m, dict):
        raise Unstorable("message: must be a JSON object")
    kind = m.get("type")
    if kind not in store.MESSAGE_TYPES:
        raise Unstorable(f"type: must be one of {', '.join(store.MESSAGE_TYPES)}")
    message_id = _text(m.get("messageId"), "messageId")
    if not message_id:
        raise Unstorable("messageId: is required")
    user = _text(m.get("userId"), "userId")
    context = m.get("context") or {}
    if not isinstance(context, dict):
        raise Unstorable("context: must be a JSON object")
    stamp = m.get("timestamp") if m.get("timestamp") is not None else m.get("originalTimestamp")
    at = instant(stamp, "timestamp", received)
    props = m.get("properties")
    traits = m.get("traits") or (context.get("traits") if kind == "identify" else None)
    if kind == "group":
        group = _text(m.get("groupId"), "groupId")
        if not group:
            raise Unstorable("groupId: is required for group messages")
        if user:
            links[user] = group
    else:
        group = _text(context.get("groupId"), "context.groupId") or (links.get(user) if user else None)
    name = m.get("name") or ((props or {}).get("name") if kind in ("page", "screen") else None)
    return {
        "message_id": message_id,
        "type": kind,
        "event": _text(m.get("event"), "event") if kind == "track" else None,
        "name": _text(name, "name"),
        "user_id": user,
        "anonymous_id": _text(m.get("anonymousId"), "anonymousId"),
        "group_id": group or None,
        "timestamp": at,
        "received_at": received,
        "source": source,
        "properties": _json(props, "properties"),
        "traits": _json(traits, "traits"),
    }


def table(rows: list[dict[str, Any]]) -> tuple[pa.Table, list[tuple[int, str]]]:
    """The rows as one table, and (index, reason) of any row Arrow would not take (left out)."""
    try:
        return _columns(rows), []
    except (pa.ArrowException, ValueError, TypeError, OverflowError):
        pass
    kept: list[dict[str, Any]] = []
    bad: list[tuple[int, str]] = []
    for i, row in enumerate(rows):  # a check value by value missed something: find the row(s) one by one
        try:
            _columns([row])
            kept.append(row)
        except (pa.ArrowException, ValueError, TypeError, OverflowError) as exc:
            bad.append((i, f"row: {exc}"))
    return _columns(kept), bad


def _columns(rows: list[dict[str, Any]]) -> pa.Table:
    names = store.EVENT_SCHEMA.names
    return pa.table({name: [row[name] for row in rows] for name in names}, schema=store.EVENT_SCHEMA)
