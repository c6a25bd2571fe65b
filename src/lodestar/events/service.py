"""Write keys, ingestion bookkeeping (counters, rejections, group links) and the stats that read it."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from lodestar.accounts import service as accounts_service
from lodestar.analytics import event_store
from lodestar.auth import service as auth_service
from lodestar.auth.models import User
from lodestar.events import repository
from lodestar.events.models import (
    EventCounter,
    GroupLink,
    MoveState,
    RejectedMessage,
    UnmatchedGroup,
    WriteKey,
)
from lodestar.kit.errors import Conflict, InvalidInput, NotFound
from lodestar.kit.time import utcnow

KEEP_REJECTIONS = 500
CounterKey = tuple[str, str, datetime]  # source, type, hour


def hash_key(secret: str) -> str:
    """The stored form of a write key."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    return "lsk_" + secrets.token_urlsafe(24)


def create_key(session: Session, name: str, actor: User | None = None) -> tuple[WriteKey, str]:
    """Creates a named write key; returns it and its secret (shown only now)."""
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput.one("name", "must be 1 to 120 characters")
    if repository.key_by_name(session, name) is not None:
        raise Conflict(f"a write key named {name!r} already exists")
    secret = _new_secret()
    key = WriteKey(name=name, key_hash=hash_key(secret), key_prefix=secret[:8])
    session.add(key)
    session.flush()
    auth_service.record(session, actor, "create", "write_key", key.id, {"name": name})
    return key, secret


def list_keys(session: Session) -> list[WriteKey]:
    """Every write key, oldest first."""
    return repository.keys(session)


def get_key(session: Session, ref: str) -> WriteKey:
    """A write key by name or id."""
    key = repository.key_by_name(session, ref)
    if key is None and ref.isdigit():
        key = repository.key_by_id(session, int(ref))
    if key is None:
        raise NotFound(f"no write key named {ref!r}")
    return key


def revoke_key(session: Session, ref: str, actor: User | None = None) -> WriteKey:
    """Revokes a write key: requests sending it get 401 from then on."""
    key = get_key(session, ref)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        auth_service.record(session, actor, "revoke", "write_key", key.id, {"name": key.name})
    session.flush()
    return key


def rotate_key(session: Session, ref: str, actor: User | None = None) -> tuple[WriteKey, str]:
    """Gives a key a new secret (the old one stops working); the source and its dedup scope stay."""
    key = get_key(session, ref)
    if key.revoked_at is not None:
        raise Conflict(f"write key {key.name!r} is revoked; create a new one")
    secret = _new_secret()
    key.key_hash, key.key_prefix, key.rotated_at = hash_key(secret), secret[:8], utcnow()
    session.flush()
    auth_service.record(session, actor, "rotate", "write_key", key.id, {"name": key.name})
    return key, secret


def active_key(session: Session, secret: str) -> WriteKey | None:
    """The unrevoked write key with this secret."""
    key = repository.key_by_hash(session, hash_key(secret))
    return key if key is not None and key.revoked_at is None else None


@dataclass
class Tally:
    """Counts to add to one counter row."""

    accepted: int = 0
    deduplicated: int = 0
    rejected: int = 0
    stored: int = 0
    newest: datetime | None = None


def add_counts(session: Session, tallies: dict[CounterKey, Tally]) -> None:
    """Adds tallies to the per-source, per-type, per-hour counters."""
    rows = repository.counters(session, tallies)
    for key, t in tallies.items():
        row = rows.get(key)
        if row is None:
            source, kind, hour = key
            row = EventCounter(
                source=source, type=kind, hour=hour, accepted=0, deduplicated=0, rejected=0, stored=0
            )
            session.add(row)
        row.accepted += t.accepted
        row.deduplicated += t.deduplicated
        row.rejected += t.rejected
        row.stored += t.stored
        if t.newest is not None and (row.newest_event_at is None or t.newest > row.newest_event_at):
            row.newest_event_at = t.newest
    session.flush()


def add_rejections(session: Session, items: Iterable[dict[str, Any]]) -> None:
    """Keeps refused requests (the newest few hundred) for the ingestion status page."""
    for item in items:
        session.add(RejectedMessage(**item))
    session.flush()
    repository.trim_rejections(session, KEEP_REJECTIONS)


def flush_receiver(sessions: sessionmaker[Session], drain: Callable[[], tuple[Any, Any]]) -> None:
    """Writes the counts and rejections a receiver gathered (its drain hands them over) in one transaction."""
    tallies, rejections = drain()
    if not tallies and not rejections:
        return
    with sessions.begin() as session:
        add_counts(session, tallies)
        add_rejections(session, rejections)


def group_links(session: Session, user_ids: Iterable[str]) -> dict[str, str]:
    """The groupId each of these users was last linked to."""
    return {u: link.group_id for u, link in repository.links(session, user_ids).items()}


@dataclass
class MovedRange:
    """Side effects of moving one log range into the event store."""

    log_id: str
    start: int
    end: int
    links: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # user -> (group, at)
    groups: dict[str, tuple[str, str | None, int, datetime]] = field(default_factory=dict)
    tallies: dict[CounterKey, Tally] = field(default_factory=dict)


def apply_moved(session: Session, moved: MovedRange) -> bool:
    """Records a moved range's links, unmatched groups and stored counts once; False if already done."""
    state = repository.move_state(session, moved.log_id)
    if state is None:
        state = MoveState(log_id=moved.log_id, moved_offset=0)
        session.add(state)
    if state.moved_offset >= moved.end:
        return False
    existing = repository.links(session, moved.links)
    for user_id, (group_id, at) in moved.links.items():
        link = existing.get(user_id)
        if link is None:
            session.add(GroupLink(user_id=user_id, group_id=group_id, linked_at=at))
        else:
            link.group_id, link.linked_at = group_id, at
    known = accounts_service.known_group_ids(session, set(moved.groups))
    fresh = {g: v for g, v in moved.groups.items() if g not in known}
    rows = repository.unmatched(session, fresh)
    for group_id, (source, name, count, at) in fresh.items():
        row = rows.get(group_id)
        if row is None:
            row = UnmatchedGroup(group_id=group_id, source=source, first_seen=at, last_seen=at, messages=0)
            session.add(row)
        row.name = name or row.name
        row.last_seen = max(row.last_seen, at)
        row.messages += count
    add_counts(session, moved.tallies)
    state.moved_offset = moved.end
    session.flush()
    return True


IMPORTED_FILES = "part-import-"  # how the event store names the files `lodestar import events` writes


def stats(session: Session, events_dir: Path | None = None) -> dict[str, Any]:
    """Messages accepted, stored, de-duplicated and rejected per source and per type; newest event time.

    Tracked messages are counted as the mover stores them; with `events_dir`, imported events count as
    stored too (read from the event store's Parquet footers, so 50 million of them cost no scan) and
    `imported` says how many of the stored ones came from files.
    """
    totals = ("accepted", "stored", "deduplicated", "rejected")
    by_source: dict[str, dict[str, Any]] = {}
    by_type: dict[str, dict[str, int]] = {}
    overall = dict.fromkeys(totals, 0)
    for row in repository.all_counters(session):
        src = by_source.setdefault(row.source, {**dict.fromkeys(totals, 0), "newest_event_at": None})
        kind = by_type.setdefault(row.type, dict.fromkeys(totals, 0))
        for name in totals:
            value = getattr(row, name)
            src[name] += value
            kind[name] += value
            overall[name] += value
        src["newest_event_at"] = _later(src["newest_event_at"], row.newest_event_at)
    newest = repository.newest_event(session)
    imported = 0
    stored = event_store.stored_counts(events_dir, IMPORTED_FILES) if events_dir is not None else {}
    for (source, type_), count in stored.items():
        per_source = by_source.setdefault(
            source or "import", {**dict.fromkeys(totals, 0), "newest_event_at": None}
        )
        by_type.setdefault(type_ or "unknown", dict.fromkeys(totals, 0))["stored"] += count.rows
        per_source["stored"] += count.rows
        per_source["newest_event_at"] = _later(per_source["newest_event_at"], count.newest)
        newest = _later(newest, count.newest)
        imported += count.rows
    overall["stored"] += imported
    return {
        **overall,
        "imported": imported,
        "newest_event_at": newest,
        "sources": by_source,
        "types": by_type,
    }


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    """The later of two times (either may be missing); stored times may be naive UTC (SQLite) or aware."""
    if a is None or b is None:
        return a or b
    return a if _utc(a) >= _utc(b) else b


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def ingestion_status(
    session: Session, since: datetime, limit: int = 50, events_dir: Path | None = None
) -> dict[str, Any]:
    """What the ingestion status page shows: hourly counts per source, rejections, unmatched groupIds."""
    hourly: dict[str, dict[datetime, int]] = {}
    for row in repository.all_counters(session, since):
        per_hour = hourly.setdefault(row.source, {})
        per_hour[row.hour] = per_hour.get(row.hour, 0) + row.accepted
    return {
        "hourly": hourly,
        "stats": stats(session, events_dir),
        "rejections": repository.rejections(session, limit),
        "unmatched": list(repository.unmatched(session).values())[:limit],
    }
