"""Queries for write keys, counters, rejections, group links and unmatched groups."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lodestar.events.models import (
    EventCounter,
    GroupLink,
    MoveState,
    RejectedMessage,
    UnmatchedGroup,
    WriteKey,
)


def key_by_hash(session: Session, key_hash: str) -> WriteKey | None:
    """The write key with this hash."""
    return session.scalar(select(WriteKey).where(WriteKey.key_hash == key_hash))


def key_by_id(session: Session, key_id: int) -> WriteKey | None:
    """The write key with this id."""
    return session.get(WriteKey, key_id)


def key_by_name(session: Session, name: str) -> WriteKey | None:
    """The write key with this name."""
    return session.scalar(select(WriteKey).where(WriteKey.name == name))


def keys(session: Session) -> list[WriteKey]:
    """Every write key, oldest first."""
    return list(session.scalars(select(WriteKey).order_by(WriteKey.id)))


def counters(session: Session, keys_: Iterable[tuple[str, str, datetime]]) -> dict[tuple, EventCounter]:
    """Existing counter rows for these (source, type, hour) keys."""
    wanted = set(keys_)
    if not wanted:
        return {}
    hours = {h for _, _, h in wanted}
    rows = session.scalars(select(EventCounter).where(EventCounter.hour.in_(hours)))
    return {(r.source, r.type, r.hour): r for r in rows if (r.source, r.type, r.hour) in wanted}


def all_counters(session: Session, since: datetime | None = None) -> list[EventCounter]:
    """Counter rows, oldest hour first (from `since` when given)."""
    query = select(EventCounter).order_by(EventCounter.hour, EventCounter.source, EventCounter.type)
    if since is not None:
        query = query.where(EventCounter.hour >= since)
    return list(session.scalars(query))


def trim_rejections(session: Session, keep: int) -> None:
    """Deletes all but the newest `keep` rejected messages."""
    cutoff = session.scalar(
        select(RejectedMessage.id).order_by(RejectedMessage.id.desc()).offset(keep).limit(1)
    )
    if cutoff is not None:
        session.execute(delete(RejectedMessage).where(RejectedMessage.id <= cutoff))


def rejections(session: Session, limit: int) -> list[RejectedMessage]:
    """The newest rejected messages."""
    return list(session.scalars(select(RejectedMessage).order_by(RejectedMessage.id.desc()).limit(limit)))


def links(session: Session, user_ids: Iterable[str]) -> dict[str, GroupLink]:
    """Group links of these users."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    return {r.user_id: r for r in session.scalars(select(GroupLink).where(GroupLink.user_id.in_(wanted)))}


def unmatched(session: Session, group_ids: Iterable[str] | None = None) -> dict[str, UnmatchedGroup]:
    """Unmatched groups (these ones, or all)."""
    query = select(UnmatchedGroup).order_by(UnmatchedGroup.last_seen.desc())
    if group_ids is not None:
        wanted = set(group_ids)
        if not wanted:
            return {}
        query = query.where(UnmatchedGroup.group_id.in_(wanted))
    return {r.group_id: r for r in session.scalars(query)}


def move_state(session: Session, log_id: str) -> MoveState | None:
    """The mover's progress row for this log."""
    return session.scalar(select(MoveState).where(MoveState.log_id == log_id))


def newest_event(session: Session) -> datetime | None:
    """The newest stored event time over all sources."""
    return session.scalar(select(func.max(EventCounter.newest_event_at)))
